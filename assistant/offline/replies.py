"""The user's replies to our own questions ("which one?", "I need ...") and follow-ups to the last question."""

from __future__ import annotations

import re
from datetime import datetime

from assistant.offline.acts import CHANGE, CREATION
from assistant.offline.dialogue import is_question, smalltalk
from assistant.offline.nlu import Slots, find_bant, read_slots
from assistant.offline.slots import NUMBERED_TASK, ORDINALS, clauses, find_period

ASK, CLARIFY = "To do that I need", "Which one did you mean?"
BANT_KEYS = ("budget", "authority", "need", "timeline")
YES = re.compile(r"^\W*(?:y|yes|yep|yeah|sure|ok|okay|correct|right|that one|exactly)\W*$", re.I)
_UNKNOWN = re.compile(
    r"^\W*(?:(?:all|rest|the\s+rest|others?|everything\s+else|both|them)\s+(?:are\s+|is\s+)?)?"
    r"(?:unknown|not\s+sure|no\s+idea|tbd|n/?a|don'?t\s+know|dunno|not\s+known)\W*$",
    re.I,
)
_ELLIPSIS = re.compile(
    r"^\W*(?:and|what\s+about|how\s+about|same\s+for|and\s+for)\s+"
    r"(the\s+[a-z][\w&'-]*\s+one|[A-Za-z][\w.-]*(?:\s+[A-Za-z][\w.-]*)?)(['’]s)?\s*\??\W*$",
    re.I,
)
# "now the lost ones" after the deals won: the same list, of the other outcome
_THE_OTHER_OUTCOME = re.compile(
    r"^\W*(?:(?:and|now|ok|so)\s+)*(?:(?:what|how)\s+about\s+|show\s+(?:me\s+)?)?the\s+(won|lost)\s+ones\W*$", re.I
)
_THE_COMPANY_ONE = re.compile(r"the\s+([a-z][\w&'-]*)\s+one", re.I)
NOT_A_NAME = {
    "you",
    "me",
    "us",
    "them",
    "him",
    "her",
    "it",
    "that",
    "this",
    "then",
    "now",
    "so",
    "yes",
    "no",
    "thanks",
    "more",
}
_GREETING_LEAD = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|yo|morning|good\s+(?:morning|afternoon|evening)|afternoon|evening)(?:\s+(?:there|nexa|all|team))?"
    r"\s*[!,.:;-]+\s*|^\W*(?:hi|hello|hey)\s+(?=\w)|^\W*(?:(?:hey|hi|ok|so)[,\s]+)?quick\s+(?:one|q|question)\s*[!,.:;-]+\s*"
    r"|^\W*(?:oh\s+)?(?:i\s+)?(?:forgot|almost\s+forgot|oops|one\s+more\s+thing)\s*[!,.:;-]+\s*",  # "oh forgot - i called ..."
    re.I,
)


def without_greeting(text: str) -> str:
    """The request after a greeting that opens it ("morning! whats in my queue today"); a greeting alone stays."""
    if smalltalk(text):
        return text
    rest = _GREETING_LEAD.sub("", text, count=1)
    return rest if re.search(r"\w", rest) else text


def follow_up(previous: str, text: str, now: datetime) -> str | None:
    """The question an elliptical follow-up asks ("and john's?", "what about Mike?", "same for john", "what about last
    quarter"): the previous question or read with its person, its "my" or its period replaced by the one named now."""
    swap = _THE_OTHER_OUTCOME.match(text)
    if swap and (outcome := re.search(r"\b(?:won|lost|win|lose)\b", previous, re.I)) and _reads(previous):
        return f"{previous[: outcome.start()]}{swap[1].lower()}{previous[outcome.end() :]}"  # "now the lost ones"
    m = _ELLIPSIS.match(text)
    if m is None or m[1].lower() in NOT_A_NAME or not (is_question(previous) or _reads(previous)):
        return None
    if (when := find_period(m[1])) is not None and when.end - when.start == len(m[1]):  # "what about last quarter"
        before = find_period(previous)
        if before is None:
            return f"{previous} {m[1]}"
        kept = re.match(r"(?:in|for|during|over|from|of)\s+(?:the\s+)?", previous[before.start : before.end], re.I)
        start = before.start + (kept.end() if kept else 0)  # "pipeline for q2" - "and q3?": "pipeline for q3"
        return f"{previous[:start]}{m[1]}{previous[before.end :]}"
    slots = read_slots(previous, now)
    elsewhere = _THE_COMPANY_ONE.fullmatch(m[1])
    for named in (slots.get("name"), slots.get("person")):
        if named and elsewhere:  # "and the ironpath one?" after a question about vera hansen at northpath
            said = rf"\b{re.escape(str(named))}\s+(?:at|from|@)\s+[\w&'-]+"
            if re.search(said, previous, re.I):
                return re.sub(said, f"{named} at {elsewhere[1]}", previous, count=1, flags=re.I)
        elif named and re.search(rf"\b{re.escape(str(named))}\b", previous, re.I):
            return re.sub(rf"\b{re.escape(str(named))}\b", m[1], previous, count=1, flags=re.I)
    if re.search(r"\bmy\b", previous, re.I):
        return re.sub(r"\bmy\b", f"{m[1]}'s", previous, count=1, flags=re.I)
    if re.search(r"\b(?:of\s+mine|assigned\s+to\s+me|on\s+me)\b", previous, re.I):  # "pending tickets of mine"
        return re.sub(
            r"\b(?:of\s+mine|assigned\s+to\s+me|on\s+me)\b", f"assigned to {m[1]}", previous, count=1, flags=re.I
        )
    return None


_LOG_ONE = re.compile(r"^\W*(?:(?:pls|please|ok|so)\s+)?(?:log|add|record)\s+(one)\b", re.I)
_KINDS_SAID = {"a meeting": r"\b(?:meet|met|meetings?|mtgs?)\b", "a call": r"\b(?:calls?|called|rang|phoned)\b"}


def one_of_kind(previous: str, text: str) -> str | None:
    """A "log one ..." said after a question naming one kind of activity, with that kind ("did i meet maya zhou
    lately?" - "log one for yesterday 2pm": a meeting); None otherwise."""
    said = _LOG_ONE.match(text)
    kinds = [kind for kind, words in _KINDS_SAID.items() if re.search(words, previous, re.I)]
    if said is None or len(kinds) != 1:
        return None
    return f"{text[: said.start(1)]}{kinds[0]}{text[said.end(1) :]}"


def _reads(request: str) -> bool:
    """Whether a request that is no question still only reads ("win rate for mike this year"): it says neither a
    change nor a creation."""
    return not CHANGE.search(request) and not CREATION.search(request)


def bant_reply(question: str, reply: str, slots: Slots) -> Slots:
    """The BANT answers a reply gives to our question for the missing ones: labelled parts are read by the filler;
    "unknown" (alone or as "rest unknown") answers every field still missing; a lone unlabelled answer to a
    question for one field is that field."""
    asked = (
        [k for k in BANT_KEYS if re.search(rf"\b{k}\b", question[len(ASK) :].split(".")[0])]
        if question.startswith(ASK)
        else []
    )
    missing = [k for k in asked if not str(slots.get(k) or "").strip()]
    if YES.match(reply):
        return {}
    parts = [p.strip() for p in re.split(r"[,;]|\.\s", reply) if p.strip()]
    if missing and parts and _UNKNOWN.match(parts[-1]):
        return {k: "unknown" for k in missing}
    if len(missing) == 1 and not find_bant(reply):
        return {missing[0]: reply.strip().rstrip(".")}
    return {}


def beyond_choice(reply: str, line: str) -> str:
    """What a reply to our "which one" question says besides the choice: its clauses that name no word of the chosen
    line ("johnson, the acme one. 10 min, she said the PO is going through" -> "10 min, she said the PO is going
    through")."""
    chosen = {w for w in re.findall(r"[a-z0-9]+", line.lower()) if len(w) > 2}
    kept = [
        c.value
        for c in clauses(reply)
        if not ({w for w in re.findall(r"[a-z0-9]+", c.value.lower())} & chosen)
        and not re.fullmatch(r"\W*(?:the\s+)?(?:\w+\s+)?(?:one|that|this|it|yes|yeah|yep|#?\d)\W*", c.value, re.I)
    ]
    return ", ".join(kept) if len(" ".join(kept).split()) >= 2 else ""


def choose(question: str, reply: str) -> tuple[str, str] | None:
    """The candidate (name, listed line) a reply to our "which one" question picks: by number, by name, by a word of
    its details ("the one at Globex"), or "yes" when there was one candidate."""
    lines = re.findall(r"^\d+\. (.+)$", question, re.M)
    options = [(re.sub(r" \(.*$", "", line), line) for line in lines]
    number = re.search(
        r"^\W*(\d)\W*$|\b(?:number|no\.?|#|option)\s*(\d)\b|\b(first|second|third|fourth|fifth|last)\b", reply, re.I
    )
    if number:
        word = (number.group(3) or "").lower()
        digit = number.group(1) or number.group(2)
        index = int(digit) if digit else len(options) if word == "last" else ORDINALS[word]
        if 1 <= index <= len(options):
            return options[index - 1]
    if len(options) == 1 and YES.match(reply):
        return options[0]
    kind = _THE_KIND.match(reply)
    typed = [o for o in options if kind and re.search(rf"\({kind[1].lower()}\b", o[1])]
    if len(typed) == 1:  # "the lead", of a contact and a lead of one name
        return typed[0]
    lowered = reply.lower()
    picked = [o for o in options if o[1].lower() in lowered or o[0].lower() in lowered or lowered in o[0].lower()]
    if len({o[1] for o in picked}) == 1:
        return picked[0]
    words = {w for w in re.findall(r"[a-z0-9]+", lowered) if len(w) > 1 and w not in _FILLER_WORDS}
    scored = [
        (len(words & set(re.findall(r"[a-z0-9]+", line.lower()))), option) for line, option in zip(lines, options)
    ]
    best = max((n for n, _ in scored), default=0)
    top = [option for n, option in scored if n == best]
    still_open = [option for option in top if not re.search(r"\(deal, closed (?:won|lost)\b", option[1])]
    if best and len(top) > 1 and len(still_open) == 1:
        return still_open[0]  # "the expansion one" of one open and one closed expansion deal: the open one
    return top[0] if best and len(top) == 1 else None


_THE_KIND = re.compile(r"^\W*(?:the\s+)?(lead|contact|account|deal|ticket)(?:\s+one)?\W*$", re.I)
_FILLER_WORDS = {
    "the",
    "one",
    "that",
    "this",
    "with",
    "from",
    "for",
    "and",
    "deal",
    "contact",
    "lead",
    "account",
    "mean",
    "meant",
}


_NO_OBJECT = re.compile(
    r"^(\W*(?:(?:ok|okay|so|and|now|please|pls)[,\s]+)*(?:set|mark|move|change|switch|flip|bump|push|put)(?:\s+(?:it|this))?)"
    r"\s+(to|as|back\s+to|up\s+to|down\s+to)\b",
    re.I,
)


def object_implied(text: str) -> str:
    """ "set to pending, waiting on logs" after a look at a record: "set it to pending", the record in focus."""
    said = _NO_OBJECT.match(text)
    if said is None or re.search(r"\b(?:it|this)$", said[1], re.I):
        return text
    return f"{said[1]} it {said[2]}{text[said.end() :]}"


# "the emberpoint csv export one, make it urgent", "prismpoint sso ticket - put it on me": a record described first,
# then what is done to "it"
_DESCRIBED_FIRST = re.compile(
    rf"^\W*(?P<what>(?:(?!(?:has|have|had|is|was|got)\b)[\w'’#]+\s+){{0,6}}?(?:one|ticket|case|deal|lead|task|(?P<task>{NUMBERED_TASK})|#?\d{{4,5}})"
    r"(?:\s+(?:for|from|at|of|with)\s+[\w'’-]+(?:\s+[\w'’-]+)?)?)"  # "the webhook ticket for deltaline, set it to ..."
    r"(?:\s+(?:is|was|'s)\s+(?:overdue|late|stale|stuck|slipping|behind))?\s*[-–—,:;]\s*"
    r"(?:(?:pls|please|and|then|so|ok)\s+)?(?P<verb>make|set|put|move|push|mark|give|assign|close|resolve|escalate|bump"
    r"|change|reassign|hand|pass|drop|raise|lower|reopen)(?:\s+it\b|(?=\s+to\s)|(?=\s+(?:as\s+)?(?:done|complete)\b))"
    r"(?P<rest>.*)$",
    re.I | re.S,
)
# A support agent taking a ticket: "take 1004", "i'll grab #1004 - assign to me".
_TAKEN_BY_NUMBER = re.compile(
    r"^\W*(?:i'?ll\s+|let\s+me\s+)?(?:take|grab)\s+(?:ticket\s+|#)?(\d{4,5})\b"
    r"(?:\s*[-–—,:;]\s*(?:assign\s+(?:it\s+)?to\s+me|it'?s\s+mine|mine))?\W*(?:pls|please|thanks)?\W*$",
    re.I,
)


def object_first(text: str) -> str:
    """A record described before what is done to "it", said as that verb's object: "the emberpoint csv export one,
    make it urgent" -> "make the emberpoint csv export one urgent", "mike's follow up #16 is overdue - push it to
    friday" -> "push mike's follow up #16 task to friday", "1004 - assign to me" -> "assign 1004 to me"; a ticket
    taken ("take 1004") is assigned to the caller."""
    if taken := _TAKEN_BY_NUMBER.match(text):
        return f"assign ticket {taken[1]} to me"
    said = _DESCRIBED_FIRST.match(text)
    if said is None:
        return text
    return f"{said['verb']} {said['what']}{' task' if said['task'] else ''}{said['rest']}"
