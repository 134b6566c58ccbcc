"""Activity plans: logging a call or a note and scheduling a meeting."""

from __future__ import annotations

from assistant.offline.plan.core import ANYTHING, PERSON, PlanCore


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
        record = self.find(ANYTHING, what="a record")
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
