"""The one check every proposed write passes before it is proposed: each record it names is tied to the conversation.

A write names records by id (the deal it updates, the contact a call is logged with, the ticket it assigns). However a
plan came by an id (a fuzzy search, a record in focus, a teammate's task found by description), the write is proposed
only when each of its records is:

- one the user's words in this turn point to: its name or a distinctive word of it (typos allowed), a number it
  carries (a ticket's, a name's), an email of it; and no other record of its type that this turn's searches found
  matches more of the user's words ("the initech renewl deal" is not Initech Expansion when Initech Renewal was found);
- or one a lookup found by the user's own words (a task or ticket described: every word the tool matched was typed);
- or the conversation's focus (the record the last turn showed or wrote), a record the focus leads to (a deal's
  primary contact for "him"), or the one the user just picked from our "which one" list.

Anything else is asked back ("which one did you mean?") with the candidates, never written on a guess.

A new record's text is what the user said happened, never what they asked us to do: a note, call, task or ticket whose
text holds a request to the assistant ("can you log that", "get him in as a contact", "put it on me", "tick it off")
means the request was read as the wrong act, and the user is asked what to do instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from assistant.offline.slots import ORDINALS, STOPWORDS

# The argument of a write tool that names a record, and that record's type (user emails such as owner or assignee
# name people of the team, not CRM records).
_TARGET_KEYS = {
    "deal_id": "deal",
    "contact_id": "contact",
    "lead_id": "lead",
    "account_id": "account",
    "task_id": "task",
    "ticket_id": "ticket",
    "requester_contact_id": "contact",
    "primary_contact_id": "contact",
}
_TICKET_NUMBER_TOOLS = {"update_ticket", "assign_ticket"}
# Lookups that return only records every word of their `description` matched.
_DESCRIBED = {"find_tasks", "find_tickets"}
# The legal-form and generic endings of company names: "Initech Corp" is named by "initech".
COMPANY_SUFFIXES = frozenset(
    {
        "corp",
        "corporation",
        "inc",
        "llc",
        "ltd",
        "co",
        "group",
        "gmbh",
        "plc",
        "holdings",
        "partners",
        "systems",
        "technologies",
        "labs",
    }
)
# Words that say nothing about which record: company suffixes, record-type words.
_GENERIC = COMPANY_SUFFIXES | {"deal", "account", "lead", "contact", "ticket", "task", "new", "business"}


@dataclass
class Target:
    """A record a proposed write names."""

    type: str
    id: str = ""
    number: int | None = None  # a ticket named by its number

    @property
    def key(self) -> str:
        return f"#{self.number}" if self.number is not None else self.id


@dataclass(eq=False)
class Known:
    """What this turn and the conversation know of a record: its name and details, and how it was reached."""

    type: str
    id: str
    name: str = ""
    detail: str = ""
    exact: bool = False
    mine: bool = False  # the caller's own record (a search hit says so)
    number: int | None = None
    described: bool = False  # found by a lookup that matched every word the user typed
    from_ids: set[str] = field(default_factory=set)  # the records whose view led to it

    @property
    def line(self) -> dict[str, Any]:
        """The record as our "which one" question lists it."""
        return {"name": self.name, "type": self.type, "detail": self.detail, "exact": self.exact}


def targets(tool: str, arguments: Mapping[str, Any]) -> list[Target]:
    """The records a write names in its arguments."""
    found = [Target(kind, id=str(arguments[key])) for key, kind in _TARGET_KEYS.items() if arguments.get(key)]
    if arguments.get("related_type") and arguments.get("related_id"):
        found.append(Target(str(arguments["related_type"]), id=str(arguments["related_id"])))
    if tool in _TICKET_NUMBER_TOOLS and arguments.get("number") is not None:
        found.append(Target("ticket", number=int(arguments["number"])))
    return found


# The arguments of a write that carry the user's own text into a new record.
_FREE_TEXT = ("notes", "body", "title", "subject", "description")
# A clause that asks the assistant to change a record that exists, or to file what was said as another kind of record.
# A text that only sets a value: "Make it urgent", "set them to pending".
_ONLY_A_VALUE = re.compile(
    r"^\W*(?:make|set|bump|mark|move|switch|change)\s+(?:it|that|this|them|both)\s+(?:to\s+|as\s+)?"
    r"(?:urgent|high|low|medium|pending|resolved|closed|open|solved)(?:\s+(?:pls|please|priority))?\W*$",
    re.I,
)
_REQUEST = re.compile(
    r"^\W*(?:(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+|pls\s+|please\s+)?"
    r"(?:(?:get|put|add|enter|save|store)\s+(?:him|her|them|it|that|this)\s+(?:in|on|as|into|under)\b"
    r"|(?:tick|check|cross|mark)\s+(?:it|that|this)\s+(?:off|done|complete|as)\b"
    r"|(?:update|change|fix|edit)\s+(?:his|her|their|its|the|that)\s+(?:record|lead|contact|deal|account|details|info)\b"
    r"|(?:assign|give|put|hand)\s+(?:it|that|this|them|both|all\s+of\s+them)\s+(?:to|on)\s+[a-z]+\b"
    r"|(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+)(?:update|change|edit|assign|reassign|close|complete|convert|qualify|move)\b))",
    re.I,
)


# How the misread act is named when the user is asked what they meant.
ACT_NAMES = {
    "log_call": "log as a call",
    "add_note": "add as a note",
    "create_task": "make a task of",
    "create_ticket": "open a ticket with",
    "schedule_meeting": "book as a meeting",
}


def misread(tool: str, arguments: Mapping[str, Any]) -> str:
    """The clause of a new record's text that is a request to the assistant, or the whole text when it only sets a
    value of a record ("Make it urgent": no new ticket says only that); "" when none: the text tells what happened."""
    if tool.startswith(("update_", "assign_", "move_", "reassign_", "convert_")):
        return ""
    for key in _FREE_TEXT:
        if _ONLY_A_VALUE.match(str(arguments.get(key) or "")):
            return str(arguments[key]).strip()
    for key in _FREE_TEXT:
        for clause in re.split(r"[,;.!?]|\s+-\s+|\band\b", str(arguments.get(key) or "")):
            if _REQUEST.match(clause):
                return clause.strip()
    return ""


def name_words(text: str) -> list[str]:
    """The lowercase words and numbers of a text."""
    return re.findall(r"[a-z0-9]+", text.lower())


def same_word(word: str, other: str) -> bool:
    """The same word, or the same with a typo (rapidfuzz ratio >= 80, words of four letters or more)."""
    return word == other or (len(word) > 3 and len(other) > 3 and fuzz.ratio(word, other) >= 80)


def own_words(name: str) -> list[str]:
    """A record's words that can tell it apart: its name's words without stop words, suffixes and type words."""
    return [w for w in name_words(name) if w not in _GENERIC and w not in STOPWORDS and (len(w) > 2 or w.isdigit())]


# A closed deal, a lost or converted lead, is history: records named by words they share are the live one ("the
# orbitpath renewal" of an open deal and one closed lost), a closed one is named as such ("the lost one").
_CLOSED = re.compile(r"^(?:closed|lost|converted)\b", re.I)


def closed(detail: str) -> bool:
    """Whether a deal's or lead's search detail ("closed lost, $120K, with Bruno Lopez", "lost, Atlasgate Group") says
    it is no longer worked."""
    return bool(_CLOSED.match(detail.strip()))


def amount_said(detail: str, text: str) -> bool:
    """Whether the message says the amount a record's detail shows ("the 80k one" for "proposal, $80K, ...")."""
    shown = re.search(r"\$(\d+(?:\.\d+)?[KM]?)\b", detail)
    return shown is not None and shown[1].lower() in name_words(text)


_NEGATED = re.compile(r"\b(?:not|instead\s+of|rather\s+than)\s+(?:the\s+|that\s+|this\s+)?[\w-]+", re.I)


def tie(known: Known, text: str) -> int:
    """How many of the record's own words (or its number, or an email of it) the message says, not counting a word it
    rules out ("the upgrade, not the renewal"); 0: not tied."""
    said = name_words(_NEGATED.sub(" ", text))
    emails = {e.lower() for e in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)}
    if emails & {e.lower() for e in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", f"{known.name} {known.detail}")}:
        return 9
    if known.number is not None and str(known.number) in said:
        return 9
    own = own_words(known.name)
    named = sum(1 for w in dict.fromkeys(own) if (w in said if w.isdigit() else any(same_word(w, s) for s in said)))
    return named + (named > 0 and amount_said(known.detail, text))  # "vertexfield pilot, the 80k one"


class Ledger:
    """The records this turn's tool results and the conversation's focus know about, by id (tickets also by number)."""

    def __init__(self) -> None:
        self.records: dict[str, Known] = {}
        self.searched: list[Known] = []  # search hits, in order: the candidates a mention had

    def add(self, known: Known) -> Known:
        kept = self.records.get(known.id)
        if kept is None:
            self.records[known.id] = known
            if known.number is not None:
                self.records[f"#{known.number}"] = known
            return known
        kept.name = kept.name or known.name
        kept.detail = kept.detail or known.detail
        kept.exact = kept.exact or known.exact
        kept.mine = kept.mine or known.mine
        kept.described = kept.described or known.described
        kept.from_ids |= known.from_ids
        if known.number is not None and kept.number is None:
            kept.number = known.number
            self.records[f"#{known.number}"] = kept
        return kept

    def step(self, tool: str, arguments: Mapping[str, Any], result: Mapping[str, Any], text: str) -> None:
        """What one tool call of this turn says about records."""
        about = {str(v) for k, v in arguments.items() if k.endswith("_id") and v}
        if arguments.get("number") is not None:
            about.add(f"#{arguments['number']}")
        described = tool in _DESCRIBED and _all_said(str(arguments.get("description") or ""), text)
        data = result.get("data")
        if tool == "search_crm" and isinstance(data, list):
            for hit in data:
                if isinstance(hit, dict) and hit.get("id"):
                    known = Known(
                        str(hit.get("type") or ""),
                        str(hit["id"]),
                        str(hit.get("name") or ""),
                        str(hit.get("detail") or ""),
                        exact=bool(hit.get("exact")),
                        mine=bool(hit.get("mine")),
                    )
                    self.searched.append(self.add(known))
        for ref in result.get("refs") or []:
            if isinstance(ref, dict) and ref.get("id"):
                number = re.match(r"#(\d+)\b", str(ref.get("name") or ""))
                self.add(
                    Known(
                        str(ref.get("type") or ""),
                        str(ref["id"]),
                        str(ref.get("name") or ""),
                        number=int(number[1]) if number else None,
                        described=described,
                    )
                )
        for row in _rows(data):
            kind = _row_type(tool, row)
            if row.get("id") and kind:
                number = row.get("number")
                self.add(
                    Known(
                        kind,
                        str(row["id"]),
                        str(row.get("title") or row.get("deal_name") or row.get("subject") or ""),
                        number=int(number) if isinstance(number, int) else None,
                        described=described,
                        from_ids=about - {str(row["id"])},  # an account's deals, listed by its id: reached from it
                    )
                )
            origin = {str(row["id"])} if row.get("id") else about
            for key, value in row.items():  # a view's linked records: a deal's primary contact, a ticket's requester
                if key in _TARGET_KEYS and value:
                    self.add(Known(_TARGET_KEYS[key], str(value), from_ids=set(origin)))


def _row_type(tool: str, row: Mapping[str, Any]) -> str:
    """The record type a tool's data row is, from the fields that name it ("" when it says nothing)."""
    if row.get("number") is not None and ("subject" in row or "ticket" in tool):
        return "ticket"
    if "deal_name" in row:
        return "deal"
    if "task" in tool and ("title" in row or tool in _DESCRIBED):
        return "task"
    return ""


def _rows(data: Any) -> Iterable[dict[str, Any]]:
    """The dicts of a tool's data: itself, the items of a list, and one level of nested dicts and lists."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, dict):
                yield value
            elif isinstance(value, list):
                yield from (v for v in value if isinstance(v, dict))
    elif isinstance(data, list):
        yield from (v for v in data if isinstance(v, dict))


def _all_said(description: str, text: str) -> bool:
    """Whether every word of a lookup's description is a word of the message (the plan took them from it)."""
    said = set(name_words(text))
    words = name_words(description)
    return bool(words) and all(w in said for w in words)


def unsure(
    writes: Sequence[tuple[str, Mapping[str, Any]]],
    ledger: Ledger,
    text: str,
    *,
    focus: Sequence[Mapping[str, Any]] = (),
    shown: Sequence[str] = (),
    picked: str = "",
    latest: str = "",
) -> list[dict[str, Any]]:
    """The candidates to ask about before proposing `writes` (empty: every record they name is tied, see the module)."""
    focused = {str(r.get("id")) for r in focus if r.get("id")} | {
        f"#{r['number']}" for r in focus if r.get("number") is not None
    }
    line = _pointed_line(shown, text)
    named = [str(r["name"]) for r in focus if r.get("name") and not r.get("id")]  # a record proposed by name
    picked = " | ".join(p for p in (picked, line, *named) if p)
    for tool, arguments in writes:
        for target in targets(tool, arguments):
            known = ledger.records.get(target.key)
            if _vouched(target, known, ledger, text, focused, picked, set(), latest):
                continue
            if known is None:
                return [{"name": target.key, "type": target.type, "detail": "", "exact": False}]
            rivals = sorted(_rivals(known, ledger, text), key=lambda k: -tie(k, text))
            return [k.line for k in rivals[:3]] + [known.line]
    return []


def _pointed_line(shown: Sequence[str], text: str) -> str:
    """The line of the list we showed last that the message points at: the only one, or the one its ordinal names
    ("the second one", "the last one")."""
    if len(shown) == 1:
        return shown[0]
    said = name_words(text)
    index = next((ORDINALS[w] for w in said if w in ORDINALS), len(shown) if "last" in said else 0)
    return shown[index - 1] if 1 <= index <= len(shown) else ""


def _vouched(
    target: Target,
    known: Known | None,
    ledger: Ledger,
    text: str,
    focused: set[str],
    picked: str,
    seen: set[str],
    latest: str = "",
) -> bool:
    """Whether the record is tied to the conversation (see the module)."""
    if target.number is not None and str(target.number) in name_words(text):
        return True  # "resolve 1047"
    if target.number is not None and re.search(rf"(?:^|\|\s)#{target.number}\b", picked):
        return True  # "give the first one to sam": the ticket the line pointed at starts with its number
    if target.key in focused or (
        known is not None and (known.id in focused or (known.number is not None and f"#{known.number}" in focused))
    ):
        return True
    if known is None:
        return False
    if known.name and picked and known.name.lower() in picked.lower():
        return True
    if known.described:
        return True
    for words in (latest, text) if latest else (text,):  # this message first: a correction names the record anew
        if tie(known, words) and (known.exact or not _rivals(known, ledger, words)):
            return True
    seen = seen | {known.id}
    return any(  # reached from a record that is itself tied: "log a call with him" after viewing his deal
        origin not in seen
        and _vouched(Target("", id=origin), ledger.records.get(origin), ledger, text, focused, picked, seen, latest)
        for origin in known.from_ids
        if origin
    )


def _rivals(known: Known, ledger: Ledger, text: str) -> list[Known]:
    """The other records of the same type found this turn that match more of the user's words, or as many when the
    user did not say all of the record's own words and it is not theirs while the other is not (a near tie: "the
    orbitpath platform deal" of two). A closed deal or a lost lead is no rival of a live one."""
    score = tie(known, text)
    whole = score >= len(set(own_words(known.name)))
    settled = known.type in ("deal", "lead") and not closed(known.detail)
    return [
        k
        for k in dict.fromkeys(ledger.searched)
        if k.type == known.type
        and k.id != known.id
        and k.name != known.name
        and not (settled and closed(k.detail))
        and (tie(k, text) > score or (tie(k, text) == score and not whole and not (known.mine and not k.mine)))
    ]
