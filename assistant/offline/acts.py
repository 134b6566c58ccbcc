"""The dialogue act of a message apart from its record type: whether it creates a record or changes one.

The nearest-neighbour vote mixes both (a deal's new amount lies as close to "new deal ... 20k" as to "the deal is now
25k"), and a quantised encoder can tip a near tie either way. What the user says decides instead: a creation is
said ("new", "add", "create", "open", "got a", "met", ...) or carries a new record's own details (an email address);
a change says the state a record is in now ("is now 32k", "went up to", "changed to"). A message that changes and
does not create is never planned as a creation.

The same words decide the act check beside the write guard (`act_check`): whether a message asks for the creation of a
kind of record (`asks_creation`: "file a ticket", "log the call", a note or a task named at all) and which change of an
existing record it names instead (`named_change`: "close it out", "mark him as qualified", "mark the deal closed won").
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.offline import slots

# The words that make a record by themselves ("new", "log", "file"); "make" and "cut" do only with the record named.
_MAKING = (  # "open" as in "open deals", "emma's open pipeline" makes nothing
    r"new|add|create|open(?!\s+(?:deals|tickets|tasks|leads|pipeline|opps|opportunities|ones|items|cases|issues|quotes)\b)"
    r"|start|set\s+up|log|capture|enter|book|schedule|file|raise|submit|report|register"
)
CREATION = re.compile(
    rf"\b(?:{_MAKING}|got\s+(?:a|an)|have\s+(?:a|an)|there'?s\s+(?:a|an)|met|meet|referred|introduced)\b"
    r"|[\w.+-]+@[\w-]+\.\w",
    re.I,
)
CHANGE = re.compile(
    r"\b(?:is|are|was)\s+now\b|\bnow\s+(?:is|at|worth)\b|\b(?:changed?|updated?|increased?|decreased?|raised?|"
    r"bump(?:ed|s)?|(?:lower|drop)(?:ed|ped|s)?\b(?=.{0,40}\b(?:to|by)\s+\$?\d)|reduced?|revised?|adjust(?:ed|s)?|corrected|"
    r"went\s+(?:up|down)|"
    r"goes\s+(?:up|down)|moved?|pushed?|slipped|"
    r"grew|grown|grows|rose|risen|jumped|climbed|expanded|shrank|shrunk|fell|cut|trimmed|doubled|halved|slash(?:ed|es)?|"
    r"chop(?:ped|s)?|knock(?:ed|s)?\s+(?:it\s+)?down)\b"
    r"|\bfrom\s+\$?\d[\d.,]*\s*[km]?\s+to\b|\bshould\s+(?:be|read)\b"
    r"|^\W*(?:please\s+)?(?:mark|set|close|resolve|escalate|assign|reassign|reopen|re-open)\b",
    re.I,
)
# The change counterpart of each creation intent.
COUNTERPART = {
    "create_deal": "update_deal",
    "create_contact": "update_contact",
    "create_lead": "update_lead_status",
    "create_ticket": "update_ticket",
}


def changes_only(text: str) -> bool:
    """Whether the message changes a record and says nothing that creates one."""
    return bool(CHANGE.search(text)) and not CREATION.search(text)


_CHANGE_COMMAND = re.compile(
    r"^\W*(?:(?:please|ok(?:ay)?|and|also|now)[,\s]+)*(?:bump|set|make|change|update|mark|move|push|raise|lower|escalate|"
    r"put|switch|drop|downgrade|upgrade|flag|close|resolve|reopen|re-open|advance|take|kill)\b",
    re.I,
)
# "to $30,000", "to 30k", "to 45000": a sum of money (not "to 10 am", "to 12 seats")
_TO_MONEY = re.compile(
    r"\bto\s+(?:\$\s?\d|\d[\d,.]*\s*(?:k|m|grand)\b|\d{4,}(?![\d,.]*\s*(?:am|pm|seats?|users?|licen[cs]es?)\b))", re.I
)
# A record of a named type set to a value with no verb, the arrow read as "to": "umar novak's webhook ticket -> high",
# "the sso ticket from helixfield -> pending"
_SET_BY_ARROW = re.compile(
    r"^(?!\W*(?:how|what|why|when|where|who|which|can|could|should|do|does|is|are)\b)[^?]*?"
    r"\b(?:ticket|case|deal|opportunity|opp|lead)(?:\s+(?:from|for|of|at|with)\s+[\w'’-]+(?:\s+[\w'’-]+)?)?\s+to\s+(?:urgent|high|medium|low|pending|open|resolved|"
    r"closed|prospecting|qualification|proposal|negotiation|closed[\s_-]?(?:won|lost)|won|lost|contacted|qualified)\b",
    re.I,
)
# A deal's news said as a statement, no command verb: over ("deltagate expansion 178 is dead, reason: project
# cancelled", "prismlogic renewal 132 lost, no budget": its stage) or closing on another day ("... closes jan 31 now", "... isnt closing on the 14th, its oct 30
# now": its close date)
_DEAL_NEWS = re.compile(
    r"(?P<stage>^\W*[a-z][\w&'’-]*(?:\s+[\w&'’-]+){0,4}?\s+\d{1,4}\s+(?:(?:is|was|'s)\s+)?(?:now\s+)?"
    r"(?:dead|lost|won|closed[\s_-]?(?:won|lost))\b(?!['’]|\s+(?:deals?|opps?|opportunities|ones?|this|last|in)\b)[^?]*$)"
    r"|(?P<close_date>\bclos(?:e|es|ing)\b.*\bnow\W*$|\bnow\s+clos(?:es|ing)\b"
    r"|\b(?:isn'?t|is\s+not|not|won'?t|will\s+not|wont)\s+(?:be\s+)?clos(?:e|es|ing)\b)",
    re.I,
)


def deal_news(text: str) -> str | None:
    """The deal field a statement of news changes ("stage" or "close_date"), or None."""
    said = _DEAL_NEWS.search(text)
    return said.lastgroup if said else None


_BACK = re.compile(r"\b(?:it|this|that)\b(?!\s+(?:ticket|case|deal|opportunity|opp|lead)s?\b)", re.I)
_TYPE_WORDS = [
    (re.compile(p, re.I), kind)
    for p, kind in [
        (r"\b(?:ticket|case)\b|#\d+", "ticket"),
        (r"\b(?:deal|opportunity|opp)\b", "deal"),
        (r"\blead\b", "lead"),
    ]
]


def change_intent(text: str, focused: Collection[str]) -> str | None:
    """The update intent of a change command, from the record type it is about and the value it sets, whatever the
    classifier's vote: the type is a word of the message ("the ticket") or, for "it"/"this", the one record type in
    focus; the value says the field ("bump it to urgent" after a ticket: its priority; "move it to proposal" after a
    deal: its stage; after an account, its deal's). None when the message is no change command or its type or value is
    unclear."""
    if not _CHANGE_COMMAND.match(text) and not _SET_BY_ARROW.match(text) and deal_news(text) != "stage":
        return None
    said = {kind for pattern, kind in _TYPE_WORDS if pattern.search(text)}
    kinds = said or (set(focused) if _BACK.search(text) else set())
    stage = slots.find_stage(text)
    if (
        not kinds
        and not _BACK.search(text)
        and stage
        and text[stage.start : stage.end].lower() == "qualified"
        and (not re.search(r"\bto\s+$", text[: stage.start], re.I))
    ):
        kinds = {"lead"}  # "mark quinn fischer qualified": a lead's status, not a deal's stage ("qualification")
    if not kinds and not _BACK.search(text) and (stage or _TO_MONEY.search(text)):
        kinds = {"deal"}  # "set globex platform upgrade to 30k": only a deal has a stage or an amount
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind == "account":  # "bump it to 15k" after an account's view: an account has no stage or amount, its deal has
        kind = "deal"
    if kind == "ticket" and (slots.find_priority(text, loose=True) or slots.find_ticket_status(text)):
        return "update_ticket"
    if kind == "deal" and stage:
        return "move_deal_stage"
    if kind == "deal" and slots.find_amount(text):
        return "update_deal"
    if kind == "lead" and slots.find_lead_status(text):
        return "update_lead_status"
    return None


# The words each creation's record is called by. A note, a task or a meeting is asked for by being named at all ("note
# she has budget", "remind me", "book a slot"); the others by a making word before their noun ("file a ticket", "log
# the call", "new lead", "add him as a contact").
_RECORD_NOUNS = {
    "create_ticket": r"tickets?|cases?",
    "log_call": r"calls?",
    "add_note": r"notes?",
    "create_task": r"tasks?|reminders?|to-?dos?",
    "schedule_meeting": r"meetings?|mtgs?",
    "create_lead": r"leads?",
    "create_contact": r"contacts?",
    "create_deal": r"deals?|opps?|opportunit(?:y|ies)",
}
_NAMED_ALONE = {
    "add_note": r"\bnotes?\b",
    "create_task": r"\b(?:tasks?|reminders?|to-?dos?|remind)\b",
    "schedule_meeting": r"\b(?:meetings?|mtgs?|book|schedule|set\s+up)\b",
    "log_call": r"\bcall\s+(?:log|notes?)\b",
}
CREATIONS = frozenset(_RECORD_NOUNS)


def asks_creation(tool: str, text: str) -> bool:
    """Whether the words ask for the record the creation `tool` makes: a making word before its noun, a few words
    apart at most ("file a ticket", "log a quick call", "add him as a new contact"), or, for a note, a task or a
    meeting, its name said at all."""
    if tool not in _RECORD_NOUNS:
        return False
    made = rf"\b(?:{_MAKING}|make|cut)\s+(?:[\w'$.,-]+\s+){{0,3}}?(?:{_RECORD_NOUNS[tool]})\b"  # "add a 9.5k deal"
    return re.search(made, text, re.I) is not None or (
        tool in _NAMED_ALONE and re.search(_NAMED_ALONE[tool], text, re.I) is not None
    )


_TICKET_REF = (
    r"(?:it|this(?:\s+one)?|that(?:\s+one)?|the\s+(?:ticket|case|issue)|(?:ticket|case)\s*#?\d{3,5}|#?\d{3,5})"
)
_PERSON_REF = r"(?:her|him|them|the\s+lead|this\s+lead|that\s+lead)"
_DEAL_REF = r"(?:the\s+deal|this\s+deal|the\s+opp)"
# A record set to a value ("mark it as resolved", "mark him qualified", "mark the deal closed won"): which change it
# is follows from the record said and the value, read by the slot readers.
_SET_TO = re.compile(
    rf"\b(?:mark|set|move|flip)\s+(?:(?P<ticket>the\s+(?:ticket|case|issue)|(?:ticket|case)\s*#?\d{{3,5}}|#?\d{{3,5}})"
    rf"|(?P<lead>{_PERSON_REF})|(?P<deal>{_DEAL_REF})|(?P<any>it|this(?:\s+one)?|that(?:\s+one)?))\s+(?:as\s+|to\s+)?"
    r"(?P<value>closed[\s_-]?(?:won|lost)|re-?opened|[a-z]+)\b",
    re.I,
)
# A verb that is itself the new state: a ticket closed, resolved or reopened, a lead qualified.
_VERB_IS_STATE = [
    (
        re.compile(
            rf"\b(?:close|resolve|solve|reopen|re-open)\s+{_TICKET_REF}(?:\s+out)?\b|\bclose\s+out\s+{_TICKET_REF}",
            re.I,
        ),
        "update_ticket",
    ),
    (
        re.compile(
            rf"\b(?:qualify|disqualify|unqualify)\s+(?:{_PERSON_REF}|[a-z]+(?:\s+[a-z]+)?)\s*(?:[.!,;]|$)", re.I
        ),
        "update_lead_status",
    ),
]


# A lead's new status said as its state: "spoke to bruno quist ... so his lead is contacted now".
_LEAD_STATE_NOW = re.compile(r"\blead\s+is\s+(?:now\s+)?(?:contacted|qualified)\b", re.I)


def _set_to(named: re.Match[str]) -> str | None:
    """The change intent of a record set to a value, from the record said and what its value reads as."""
    value = named["value"]
    if (named["deal"] or named["any"]) and re.search(r"\b(?:won|lost)\b", value, re.I) and slots.find_stage(value):
        return "move_deal_stage"
    state = slots.find_ticket_status(value)  # "open" only as "reopened": "set it to open" says no change
    if (named["ticket"] or named["any"]) and state and (state.value != "open" or value.lower().startswith("re")):
        return "update_ticket"
    if named["lead"] and (status := slots.find_lead_status(value)) and status.value != "new":
        return "update_lead_status"
    return None


def named_change(text: str) -> tuple[str, str] | None:
    """The change of an existing record the words name anywhere in the message, as its intent and the words naming
    it ("go ahead and close it": update_ticket; "mark him as qualified", "his lead is contacted now":
    update_lead_status; "mark the deal closed won": move_deal_stage); None when they name none."""
    for pattern, intent in _VERB_IS_STATE:
        if named := pattern.search(text):
            return intent, named[0].strip()
    if named := _LEAD_STATE_NOW.search(text):
        return "update_lead_status", named[0].strip()
    for named in _SET_TO.finditer(text):
        if (changed := _set_to(named)) is not None:
            return changed, named[0].strip()
    return None
