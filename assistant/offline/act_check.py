"""The check beside the write guard: a proposed write is the ACT the words ask for.

`guard.unsure` checks which record a write lands on; this checks what the write does. A creation (a ticket opened, a
call logged, a note, a task, a meeting, a lead, a contact, a deal) is proposed only when the message does not name a
change of a record that exists instead (`acts.named_change`: closing, resolving or reopening a ticket, qualifying or
losing a lead, winning or losing a deal; `handoff.handed_to`: a ticket handed on, "pass it to noah", "loop in noah"). A
message that also says to create that kind of record keeps its creation (`acts.asks_creation`: "open a ticket for
sarah and assign it to noah"). A task the words give to a teammate ("nudge mike - a task for him to ...") is proposed
only with that teammate as its assignee.

When the check fires the plan makes the change the words name, through the same steps and the same record guard as
any change, or asks; it never proposes the creation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.offline.acts import CREATIONS, asks_creation, named_change
from assistant.offline.handoff import ticket_handed

# A teammate the words give a task to: "nudge mike - a task for him to ...", "a task for mike to ...".
_TASK_FOR = re.compile(
    r"\b(?:nudge|ping|tell|ask|remind|get|have)\s+(?!me\b|us\b|him\b|her\b|them\b)([a-z]+)\b.{0,60}?"
    r"\b(?:(?:tasks?|reminders?|to-?dos?)\s+for\s+(?:him|her|them)|(?:make|give|set)\s+(?:him|her|them)\s+an?\s+task)\b"
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


def asked_change(tool: str, arguments: Mapping[str, Any], text: str) -> Asked | None:
    """The change `text` names when `tool` (a proposed creation) is not what it asks for; None when it is."""
    if tool not in CREATIONS:
        return None
    if tool == "create_task" and not arguments.get("assignee") and (given := _TASK_FOR.search(text)):
        return Asked("create_task", given[0], {"assignee": next(g for g in given.groups() if g)})
    if asks_creation(tool, text):
        return None
    if (named := named_change(text)) is not None:
        return Asked(*named)
    if (handed := ticket_handed(text)) is not None and handed[0] != "me":
        return Asked("assign_ticket", handed[1], {"assignee": handed[0]})
    return None
