"""Activity plans: logging a call or a note, scheduling a meeting, and the calls someone logged."""

from __future__ import annotations

import re

from assistant.offline.nlu import read_slots
from assistant.offline.plan.core import ANYTHING, PERSON, PlanCore
from prompts.periods import period_words
from tools.periods import MONTHS

# "how many calls has mike logged this week", "calls i made last week", "number of calls john did today"
CALLS_LOGGED = re.compile(
    r"\b(?:how\s+many|number\s+of|count\s+of|#\s*of)\s+(?:\w+\s+)?calls?\b"
    r"|\bcalls?\s+(?:has|have|did)\s+[a-z]+\s+(?:logged|made|log|make|done|do|had)\b"
    r"|\b(?:my|[a-z]+['’]s)\s+calls\b|\bcalls\s+(?:by\s+[a-z]+|[a-z]+\s+(?:logged|made|had))\b",
    re.I,
)  # "emma's calls this month", "calls by emma", "calls emma logged last month"
_CALLER = re.compile(
    r"\b(?:has|have|did)\s+([a-z]+)\b|\b([a-z]+)['’]s\s+calls\b|\bcalls?\s+(?:by|from|for)\s+([a-z]+)\b"
    r"|\bcalls\s+([a-z]+)\s+(?:logged|made|had)\b",
    re.I,
)
_CALL_PERIODS = {
    "today",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
}


class ActivityActs(PlanCore):
    """Plans that log an activity on a record."""

    def do_log_call(self) -> None:
        who = self.find(PERSON, what="a contact or lead")
        self.write(
            "log_call",
            contact_id=who["id"] if who["type"] == "contact" else None,
            lead_id=who["id"] if who["type"] == "lead" else None,
            notes=self.slots.get("notes"),
            direction=self.slots.get("direction"),
            duration_minutes=self.slots.get("duration_minutes"),
            outcome=self.slots.get("outcome"),
            called_on=self.slots.get("called_on"),
        )

    def do_add_note(self) -> None:
        self.need("body", hint="What should the note say?")
        if (
            self.slots.get("name_in_body") and self.focus.of(ANYTHING) is not None
        ):  # "add a note: champion is Olga Zhou"
            self.slots = {**self.slots, "name": None}
        kinds = [str(self.slots["on_kind"])] if self.slots.get("on_kind") else ANYTHING  # "... on the deal"
        record = self.find(kinds, what="a record")
        self.write("add_note", related_type=record["type"], related_id=record["id"], body=self.slots["body"])

    def do_schedule_meeting(self) -> None:
        self.need("start", hint="When (for example: next Wednesday at 10am)?")
        people = []
        for name in self.slots.get("names") or [self.slots.get("name")]:
            self.slots = {**self.slots, "name": name}
            people.append(self.find(["contact"], what="a contact")["id"])
        self.write(
            "schedule_meeting",
            title=self.slots.get("title") or "Meeting",
            start_at=self.slots["start"],
            contact_ids=list(dict.fromkeys(people)),
            duration_minutes=self.slots.get("duration_minutes"),
        )

    def do_calls_logged(self) -> None:
        """How many calls the caller or a teammate logged in a period (this week unless said), and the latest ones."""
        said = _CALLER.search(self.text)
        person = next((g for g in said.groups() if g), None) if said else None
        person = None if person is None or person.lower() in ("i", "we", "you", "my", "me", "the") else person
        period = read_slots(self.text, self.model.now()).get("period")
        period = period if period in _CALL_PERIODS or period in MONTHS else "this_week"
        data = self.call("search_calls", person=person, period=period, limit=20)["data"]
        who = str(data.get("person") or "You") if person else "You"
        self.answer("calls", d=data, who=who, label=period_words(str(period)))
