"""The check beside the write guard: a proposed write is the ACT the words ask for.

`guard.unsure` checks which record a write lands on; this checks what the write does. A creation (a ticket opened, a
call logged, a note, a task, a meeting, a lead, a contact, a deal) is proposed only when the message does not name a
change of a record that exists instead: closing, resolving or reopening a ticket, qualifying or losing a lead, winning
or losing a deal, handing a ticket on ("pass it to noah", "loop in noah"). A message that also says to create that
kind of record keeps its creation ("open a ticket for sarah and assign it to noah"). A task the words give to a
teammate ("nudge mike - a task for him to ...") is proposed only with that teammate as its assignee.

When the check fires the plan makes the change the words name, through the same steps and the same record guard as
any change, or asks; it never proposes the creation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_TICKET_REF = (
    r"(?:it|this(?:\s+one)?|that(?:\s+one)?|the\s+(?:ticket|case|issue)|(?:ticket|case)\s*#?\d{3,5}|#?\d{3,5})"
)
_PERSON_REF = r"(?:her|him|them|the\s+lead|this\s+lead|that\s+lead)"
_DEAL_REF = r"(?:it|this(?:\s+one)?|that(?:\s+one)?|the\s+deal|this\s+deal|the\s+opp)"
# The changes a message can name, each with the change intent that makes it.
_CHANGES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(p, re.I),
        intent,
    )
    for p, intent in [
        (
            rf"\b(?:close|resolve|solve|reopen|re-open)\s+{_TICKET_REF}(?:\s+out)?\b|\bclose\s+out\s+{_TICKET_REF}"
            rf"|\b(?:mark|set|move|flip)\s+{_TICKET_REF}\s+(?:as\s+|to\s+)?(?:resolved|closed|solved|fixed|pending|"
            r"re-?opened)\b",
            "update_ticket",
        ),
        (
            rf"\b(?:qualify|disqualify|unqualify)\s+(?:{_PERSON_REF}|[a-z]+(?:\s+[a-z]+)?)\s*(?:[.!,;]|$)"
            rf"|\b(?:mark|set|move)\s+{_PERSON_REF}\s+(?:as\s+|to\s+)?(?:qualified|unqualified|disqualified|lost|"
            r"contacted)\b",
            "update_lead_status",
        ),
        (
            rf"\b(?:mark|set|move)\s+{_DEAL_REF}\s+(?:as\s+|to\s+)?(?:closed[\s_-]?)?(?:won|lost)\b",
            "move_deal_stage",
        ),
        (
            rf"\b(?:assign|reassign|pass|hand|give|route|transfer|send|escalate)\s+{_TICKET_REF}\s+(?:over\s+|back\s+|up\s+)?"
            r"to\s+(?!me\b|myself\b|the\b|a\b|him\b|her\b|them\b|urgent\b|high\b|low\b|medium\b|normal\b|critical\b|"
            r"p\d\b)([a-z]+)\b|\bloop\s+in\s+(?!me\b|the\b|him\b|her\b|them\b)([a-z]+)\b",
            "assign_ticket",
        ),
    ]
]
# The words that ask for the creation itself: with them, the creation stands beside the change.
_MADE = {
    "create_ticket": r"\b(?:new|open|file|raise|create|log|submit|make|cut)\s+(?:a\s+|an\s+)?(?:new\s+)?(?:[\w-]+\s+)?(?:ticket|case)\b",
    "log_call": r"\blog\b.{0,30}\bcall\b|\bcall\s+(?:log|notes?)\b",
    "add_note": r"\bnotes?\b",
    "create_task": r"\b(?:tasks?|reminders?|to-?dos?|remind)\b",
    "schedule_meeting": r"\b(?:book|schedule|set\s+up)\b|\bmeeting\b",
    "create_lead": r"\bnew\b|\b(?:add|create)\b.{0,20}\blead\b",
    "create_contact": r"\bnew\b|\b(?:add|create)\b.{0,20}\bcontact\b",
    "create_deal": r"\bnew\b|\b(?:add|create|open)\b.{0,20}\b(?:deal|opp|opportunity)\b",
}
CREATIONS = frozenset(_MADE)
# A teammate the words give a task to: "nudge mike - a task for him to ...", "a task for mike to ...".
_TASK_FOR = re.compile(
    r"\b(?:nudge|ping|tell|ask|remind|get|have)\s+(?!me\b|us\b|him\b|her\b|them\b)([a-z]+)\b.{0,40}?"
    r"\b(?:tasks?|reminders?|to-?dos?)\s+for\s+(?:him|her|them)\b"
    r"|\b(?:tasks?|reminders?|to-?dos?)\s+for\s+(?!me\b|myself\b|us\b|him\b|her\b|them\b|the\b|a\b|an\b|today\b|"
    r"tomorrow\b|monday\b|tuesday\b|wednesday\b|thursday\b|friday\b|next\b|this\b)([a-z]+)\s+to\b",
    re.I,
)


@dataclass(frozen=True)
class Asked:
    """The act the words ask for instead of a proposed creation: a change intent, the words that name it, and the
    slots those words fill beyond the intent's own reading (the teammate a ticket or task is handed to)."""

    intent: str
    words: str
    slots: dict[str, Any] = field(default_factory=dict)


_HANDED = _CHANGES[-1][0]


def handed_to(text: str) -> str | None:
    """The teammate the words hand a ticket on to ("pass it to noah", "loop in noah"), else None."""
    named = _HANDED.search(text)
    return next((g for g in named.groups() if g), None) if named else None


def asks_creation(tool: str, text: str) -> bool:
    """Whether the words ask for the creation `tool` makes ("file a ticket", "log a call", "a task to ...")."""
    return tool in _MADE and re.search(_MADE[tool], text, re.I) is not None


def asked_change(tool: str, arguments: Mapping[str, Any], text: str) -> Asked | None:
    """The change `text` names when `tool` (a proposed creation) is not what it asks for; None when it is."""
    if tool not in CREATIONS:
        return None
    if tool == "create_task" and not arguments.get("assignee") and (given := _TASK_FOR.search(text)):
        return Asked("create_task", given[0], {"assignee": next(g for g in given.groups() if g)})
    if asks_creation(tool, text):
        return None
    for pattern, intent in _CHANGES:
        if (named := pattern.search(text)) is None:
            continue
        who = next((g for g in named.groups() if g), None)
        return Asked(intent, named[0].strip(), {"assignee": who} if who else {})
    return None
