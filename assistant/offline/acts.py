"""The dialogue act of a message apart from its record type: whether it creates a record or changes one.

The nearest-neighbour vote mixes both (a deal's new amount lies as close to "new deal ... 20k" as to "the deal is now
25k"), and a quantised encoder can tip a near tie either way. What the user says decides instead: a creation is
said ("new", "add", "create", "open", "got a", "met", ...) or carries a new record's own details (an email address);
a change says the state a record is in now ("is now 32k", "went up to", "changed to"). A message that changes and
does not create is never planned as a creation.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.offline import slots

CREATION = re.compile(
    r"\b(?:new|add|create|open|start|set\s+up|log|capture|enter|book|schedule|file|raise|submit|report|register|"
    r"got\s+(?:a|an)|have\s+(?:a|an)|there'?s\s+(?:a|an)|met|meet|referred|introduced)\b|[\w.+-]+@[\w-]+\.\w",
    re.I,
)
CHANGE = re.compile(
    r"\b(?:is|are|was)\s+now\b|\bnow\s+(?:is|at|worth)\b|\b(?:changed?|updated?|increased?|decreased?|raised?|lowered?|"
    r"bumped?|dropped|reduced|revised|adjusted|corrected|went\s+(?:up|down)|goes\s+(?:up|down)|moved?|pushed?|slipped|"
    r"grew|grown|grows|rose|risen|jumped|climbed|expanded|shrank|shrunk|fell|cut|trimmed|doubled|halved)\b"
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
    r"put|switch|drop|downgrade|upgrade|flag|close|resolve|reopen|re-open|advance|take)\b",
    re.I,
)
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
    deal: its stage). None when the message is no change command or its type or value is unclear."""
    if not _CHANGE_COMMAND.match(text):
        return None
    said = {kind for pattern, kind in _TYPE_WORDS if pattern.search(text)}
    kinds = said or (set(focused) if _BACK.search(text) else set())
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind == "ticket" and (slots.find_priority(text, loose=True) or slots.find_ticket_status(text)):
        return "update_ticket"
    if kind == "deal" and slots.find_stage(text):
        return "move_deal_stage"
    if kind == "deal" and slots.find_amount(text):
        return "update_deal"
    if kind == "lead" and slots.find_lead_status(text):
        return "update_lead_status"
    return None
