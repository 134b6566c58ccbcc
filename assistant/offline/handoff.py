"""A record handed to another person: "give emma's falconpath upgrade 60 deal to carlos", "reassign the follow up #28
task to mike", "make mike the owner of the acme deal", "the rosa fischer lead should be john's now". What is handed on
must be named by its type (a deal, a task, a lead);
tickets have their own assignment ("assign 1002 to sam"), and a name that is no teammate is refused by the tool.
Only tickets are handed on in bulk ("assign all the globex calendar sync tickets to me"), each one the words describe.
A ticket the words point back to or number is handed on too ("pass it to noah", "loop in noah", "put it on me":
`handed_to`), by the planner's ticket steps and by the act check.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from assistant.offline.slots import MONTHS, ORDINALS, STOPWORDS, WEEKDAYS, find_stage, is_priority

# at the start, or of a later clause ("mike's drowning, hand the northworks pilot 169 deal over to john")
_LEAD = r"^(?:.*?(?:[,;:.!]|\s[-–—])\s+)?\W*(?:(?:please|pls|ok(?:ay)?|can\s+you|could\s+you|i\s+need\s+you\s+to|let'?s)[,\s]+)*"
_WHO = r"(?P<who>[a-z][\w.+-]*(?:@[\w.-]+)?)"
# a verb opening a message that is no hand-off when no verb of handing follows ("move it to proposal", "push it to may")
_VERBS = (
    r"move|push|set|change|bump|update|switch|mark|make|close|drop|raise|lower|escalate|send|email|draft|write|reply|"
    r"log|add|create|open|schedule|book|remind|note|call|talk|speak|reach|go|get|take|add|link"
)
_PATTERNS = [
    re.compile(p, re.I | re.S)
    for p in (
        _LEAD
        + r"(?:(?:re-?)?assign|give|hand(?:\s+off)?|transfer|pass)\s+(?:over\s+)?(?P<what>.+?)\s+(?:over\s+|across\s+)?"
        r"to\s+" + _WHO + r"\b(?!['’]s\b)",
        _LEAD
        + r"(?:change|set|switch|update|move)\s+(?:the\s+)?owner(?:ship)?\s+(?:of|on|for)\s+(?P<what>.+?)\s+to\s+"
        + _WHO
        + r"\b",
        _LEAD + r"make\s+" + _WHO + r"\s+(?:the\s+)?(?:new\s+)?(?:owner|assignee)\s+(?:of|on|for)\s+(?P<what>.+?)\W*$",
        # "move mike's follow up task over to john", "move john's follow up #15 task to mike" (never "move it to eod" nor
        # a date: "move follow up #15 to aug 30")
        _LEAD + r"move\s+(?P<what>.+?)\s+over\s+to\s+" + _WHO + r"\b(?!['’]s\b)",
        # "take follow up #19 off carlos and give it to emma"
        _LEAD
        + r"(?P<taken>take)\s+(?P<what>.+?\s+(?:off|away\s+from)\s+[a-z]+)\s+and\s+(?:give|hand|pass|assign)\s+(?:it|them)\s+"
        r"(?:over\s+)?to\s+" + _WHO + r"\b(?!['’]s\b)",
        _LEAD + r"move\s+(?!(?:it|this|that)\b)(?P<what>.+?)\s+to\s+" + _WHO + r"\b(?!['’]s\b)(?!\s*\d)\W*$",
        # "put the prismpoint sso ticket on me", "put 1042 on sam"
        _LEAD + r"put\s+(?P<what>.+?)\s+on\s+" + _WHO + r"\b(?!['’]s\b)",
        # whose it is to be: "the rosa fischer lead should be john's now", "the acme deal is mike's now"
        _LEAD + r"(?P<what>.+?)\s+(?:should\s+be|is\s+now|is(?=\s+[a-z]+['’]s\s+now\b))\s+" + _WHO + r"['’]s\b",
        # a listed record the caller takes: "give me the finance team one", "give me 1040"
        _LEAD
        + r"give\s+(?P<who>me)\s+(?P<what>the\s+[\w&'’ -]+?\s+one|(?:ticket\s+|#)?\d{4,5})(?:\s+(?:pls|please))?\W*$",
        # who is to have it: "john should own the maya baker lead", "emma should take over the acme deal"
        _LEAD
        + _WHO
        + r"\s+should\s+(?:own|have|get|take(?:\s+over)?|pick\s+up)\s+(?P<what>.+?)"
        + r"(?:\s+(?:now|from\s+now\s+on|going\s+forward))?\W*$",
        # no verb: "1006 -> sam pls", "the webhook one -> sam" (the arrow read as "to"), "mike's follow up #17 task to john"
        r"^\W*(?!(?:"
        + _VERBS
        + r")\b)(?P<what>[\w#'’ -]+?)\s+to\s+"
        + _WHO
        + r"(?:\s+(?:pls|please|plz|thx|thanks))?\W*$",
    )
]
_KINDS = [
    (re.compile(r"\b(?:tickets?|cases?)\b", re.I), "ticket"),
    (re.compile(r"\b(?:deals?|opportunit(?:y|ies)|opps?)\b", re.I), "deal"),
    (re.compile(r"\b(?:tasks?|to-?dos?|reminders?|follow[\s-]?ups?)\b", re.I), "task"),
    (re.compile(r"\bleads?\b", re.I), "lead"),
]
_NOT_A_PERSON = {
    "urgent",
    "high",
    "low",
    "medium",
    "critical",
    "pending",
    "open",
    "resolved",
    "today",
    "tomorrow",
    "tonight",
    "prospecting",
    "qualification",
    "proposal",
    "negotiation",
    "won",
    "lost",
    "closed",
    "end",
    "stage",
    "next",
    "this",
    "q1",
    "q2",
    "q3",
    "q4",
    "him",
    "her",
    "them",
    "someone",
    "somebody",
    "another",
    "hold",
    "ice",
}
_POSSESSIVE = re.compile(r"^\W*(?:the\s+)?([a-z]+)['’]s\s+(?=\S)", re.I)
# a deal named as its company, its kind and its number, no type word: "john's cedarline pilot 134"
# or a deal by its company and kind: "mike's vertexlabs upgrade", "the cedarline pilot"
_DEAL_NAME = re.compile(
    r"^\W*(?:the\s+|his\s+|her\s+|their\s+)?(?:[a-z]+['’]s\s+)?[a-z]+(?:\s+[a-z]+)?\s+[a-z]+\s+\d{1,4}\W*$"
    r"|^\W*(?:the\s+|his\s+|her\s+|their\s+)?(?:[a-z]+['’]s\s+)?[a-z]+(?:\s+[a-z]+)?\s+(?:pilot|upgrade|renewal|expansion|platform)\W*$",
    re.I,
)
# the record named in a clause before the hand-off that says "it": "Atlasstone LLC - Platform 6 - give it to john"
_NAMED_FIRST = re.compile(
    r"^\W*(.+?)\s*(?:[,;:]|\s[-–—])\s+(?:(?:please|pls|and|then|ok)\s+)?(?:(?:re-?)?assign|give|hand|transfer|pass)\s+"
    r"(?:it|this|that)\b",
    re.I,
)
_OFF = re.compile(r"\s+(?:off|away\s+from)\s+(?=[a-z]+$)", re.I)  # "follow up #19 off carlos": carlos's now
# a deal by its whole name: "Atlasstone LLC - Platform 6"
_WHOLE_DEAL_NAME = re.compile(r"^\W*[a-z][\w&'.]*(?:\s+[\w&'.]+)*\s+-\s+[a-z]+(?:\s+[a-z]+)?(?:\s+\d{1,4})?\W*$", re.I)
_PRONOUN = re.compile(r"^\W*(?:his|her|their)\s+(?=\S)", re.I)
_FROM_OWNER = re.compile(r"\s+from\s+([a-z]+)\W*$", re.I)  # whose it is now, said after it: "... from mike"
# the person a message names before its hand-off: "john's going on leave, ...", "john is out, ..."
_NAMED_BEFORE = re.compile(r"\b([a-z]+)(?:['’]s|\s+(?:is|was|has)\b)", re.I)


@dataclass(frozen=True)
class Handoff:
    """A record of `kind` named by `words`, to be given to `to` (a teammate's name or email; "me" for the caller);
    `owner` is whose it is now when the message says so ("emma's follow up #28"); `bulk` when every record the words
    describe is meant ("all the globex tickets")."""

    kind: str
    words: str
    to: str
    owner: str | None
    bulk: bool = False


def handoff(text: str, focused: Collection[str] = ()) -> Handoff | None:
    """The hand-off a message asks for, if it asks for one and says what kind of record it hands on (or, for "the ops
    one", the one kind of record in `focused`, those the conversation just showed)."""
    for pattern in _PATTERNS:
        m = pattern.search(text)
        if m is None:
            continue
        who, what = m["who"], m["what"]
        named = _NAMED_FIRST.match(text) if pointed(what) == 0 else None
        if named and len(_kinds(named[1], ())) == 1:  # "Atlasstone LLC - Platform 6 - give it to john": that deal
            what = named[1]
        if m.groupdict().get("taken"):
            what = _OFF.sub(" from ", what)
        if re.match(r"\W*[a-z]+\s+(?:a|an|another|some)\s", what, re.I):
            return None  # "give john a task to refresh the forecast": a new task for john, nothing handed on
        if who.lower() in _NOT_A_PERSON or who.lower() in MONTHS or who.lower() in WEEKDAYS or find_stage(who):
            return None
        if who.lower() in STOPWORDS and who.lower() not in ("me", "myself"):
            return None
        kinds = _kinds(what, focused)
        if not kinds and pattern is _PATTERNS[-1] and re.fullmatch(r"\W*#?\d{3,5}\W*", what):
            kinds = {"ticket"}  # "1006 -> sam": a ticket by its number ("assign 1006 to sam" is the ticket's own rule)
        bulk = bool(re.search(r"\b(?:all|every|each)\b", what, re.I))
        if len(kinds) != 1 or (bulk and kinds != {"ticket"}):
            return None  # no type said, two of them, or a bulk hand-off of deals or tasks
        owner = _POSSESSIVE.match(what)
        words = what[owner.end() :] if owner else what
        whose = owner[1] if owner else None
        giver = _FROM_OWNER.search(what) if kinds != {"ticket"} else None  # a ticket "from sarah" is her request
        if owner is None and giver and giver[1].lower() not in STOPWORDS:
            words, whose = what[: giver.start()], giver[1]  # "reassign follow up #17 from mike to john"
        before = [n[1] for n in _NAMED_BEFORE.finditer(text[: m.start("what")]) if n[1].lower() not in STOPWORDS]
        if owner is None and (pronoun := _PRONOUN.match(what)):  # "john's going on leave, assign his follow up ..."
            words, whose = what[pronoun.end() :], before[-1] if before else None
        elif owner is None and kinds == {"task"} and before:  # "mike's swamped, hand follow up #17 over to john"
            whose = before[-1]
        return Handoff(kinds.pop(), words.strip(), who, whose, bulk)
    return None


_POINTED = re.compile(
    r"^\W*(?:(?P<back>it|this|that|(?:this|that)\s+one|(?:the|this|that)\s+(?:deal|opportunity|opp|lead|ticket|case|task))"
    r"|the\s+(?P<nth>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)"
    r"(?:\s+one)?)\W*$",
    re.I,
)


def _kinds(what: str, focused: Collection[str]) -> set[str]:
    """The record types the words handed on can be: said by a type word, a deal by its name, or
    the one kind of record in `focused` for "the ops one", "it", "the second one"."""
    kinds = {kind for kind_pattern, kind in _KINDS if kind_pattern.search(what)}
    if not kinds and (_DEAL_NAME.match(_FROM_OWNER.sub("", what)) or _WHOLE_DEAL_NAME.match(what)):
        kinds = {"deal"}  # "give john's cedarline pilot 134 to mike", "Atlasstone LLC - Platform 6"
    if not kinds and re.search(r"\bone\b", what, re.I) and len(set(focused) & {"ticket", "deal"}) == 1:
        kinds = set(focused) & {"ticket", "deal"}
    if not kinds and pointed(what) is not None and len(set(focused) & {"ticket", "deal", "task"}) == 1:
        kinds = set(focused) & {"ticket", "deal", "task"}  # "give it to emma" after a list of one kind
    return kinds


def pointed(words: str) -> int | None:
    """The record words point to among those the conversation just showed: 0 for the one in focus ("it", "that one",
    "the deal"), n for the n-th listed ("the first one"); None when the words name a record instead."""
    m = _POINTED.match(words)
    if m is None:
        return None
    return 0 if m["back"] else ORDINALS[m["nth"].lower()]


_HANDED = re.compile(
    r"\b(?:(?:re-?)?assign|give|hand(?:\s+off)?|transfer|pass|route|send|escalate|put)\s+"
    r"(?:it|this(?:\s+one)?|that(?:\s+one)?|both|them|the\s+(?:ticket|case|issue)|(?:ticket|case)\s*#?\d{3,5}|#?\d{3,5})\s+"
    r"(?:over\s+|back\s+|up\s+|across\s+)?(?:to|on(?=\s+(?:me|myself)\b))\s+" + _WHO + r"\b(?!['’]s\b)"
    r"|\bloop\s+in\s+(?P<looped>[a-z][\w.+-]*(?:@[\w.-]+)?)\b"
    r"|\bput\s+(?:it|this|that|both|them|the\s+(?:ticket|case))\s+on\s+(?P<put>[a-z][\w.+-]*(?:@[\w.-]+)?)\b",
    re.I,
)


def handed_to(text: str) -> str | None:
    """Whom the words hand a ticket on to, the ticket said as "it", "the ticket" or its number ("pass it to noah",
    "escalate 1034 to noah", "loop in noah"; "me" for "put it on me"); None when they hand it to no one ("escalate it
    to urgent", "give it to him")."""
    handed = ticket_handed(text)
    return handed[0] if handed else None


def ticket_handed(text: str) -> tuple[str, str] | None:
    """`handed_to` with the words that hand the ticket on."""
    for named in _HANDED.finditer(text):
        who = (named["who"] or named["looped"] or named["put"]).lower()
        if who in ("me", "myself"):
            return "me", named[0]
        if who in STOPWORDS or who in _NOT_A_PERSON or who in MONTHS or who in WEEKDAYS or is_priority(who):
            continue
        return named["who"] or named["looped"] or named["put"], named[0]
    return None
