"""Handing records on: a deal, a lead, a task or several tickets given to a teammate in one request."""

from __future__ import annotations

import re
from datetime import date

from assistant.offline.handoff import Handoff, pointed
from assistant.offline.linking import clean_words
from assistant.offline.nlu import read_slots
from assistant.offline.plan.tasks import TaskActs
from assistant.offline.plan.tickets import TicketActs, ticket_description
from assistant.offline.slots import find_date

_DUE_TOO = re.compile(
    r"(?:,|\band)\s+(?:make\s+it\s+|set\s+it\s+|and\s+)*due(?:\s+date)?\s+(?:to\s+|on\s+|by\s+)?(.+?)\W*$", re.I
)
BULK_LIMIT = 10  # tickets handed on in one request, at most


class HandoffActs(TaskActs, TicketActs):
    """Plans that hand records on to a teammate."""

    def do_handoff(self, handed: Handoff) -> None:
        """Give a deal, a lead or a task to a teammate: the one record the words name for sure (a task among the open ones of
        the person it belongs to: the caller's, or the teammate's the message names); else ask which."""
        if handed.kind == "ticket" and handed.bulk:
            self._assign_tickets(handed)
        if (index := pointed(handed.words)) is not None:
            self._hand_on_shown(handed, index)
        if handed.kind == "ticket":  # "hand the falconstone export ticket over to sam"
            number = self.slots.get("ticket_number") or read_slots(self.text, self.model.now()).get("ticket_number")
            self.slots = {**self.slots, "assignee": handed.to, "ticket_number": number}
            self.do_assign_ticket()
        if handed.kind == "deal":
            if handed.owner:  # "give carlos's northline pilot 144 to john": carlos must be within the caller's reach
                self.within_reach(handed.owner, f"hand on {handed.owner.capitalize()}'s deals")
            named = self.slots.get("name") if self.slots.get("pick") else clean_words(handed.words)
            self.slots = {**self.slots, "name": named}
            deal = self.find(["deal"], what="a deal")
            self.write("reassign_deal", deal_id=deal["id"], owner=handed.to)
        if handed.kind == "lead":
            self.slots = {
                **self.slots,
                "name": self.slots.get("name")
                if self.slots.get("pick")
                else re.sub(r"\s+lead\b.*$|\s+(?:at|from|@)\s+.*$", "", clean_words(handed.words), flags=re.I),
                # "the bruno quist lead at pinebridge": Bruno Quist, told apart by the company the words also say
            }
            lead = self.find(["lead"], what="a lead")
            self.write("reassign_lead", lead_id=lead["id"], owner=handed.to)
        task = self._task(handed.words, handed.owner)
        self.write("update_task", task_id=task["id"], assignee=handed.to, **self._due_too())

    def _due_too(self) -> dict[str, date]:
        """A new due date said beside a task's hand-off ("... give it to emma, and make it due friday")."""
        said = _DUE_TOO.search(self.text)
        day = find_date(said[1], self.model.now().date()) if said else None
        return {"due_date": day.value} if day is not None else {}

    def _hand_on_shown(self, handed: Handoff, index: int) -> None:
        """Give on the record "it" or "the n-th one" points to among those the last turn showed; ask which when none
        (or several) of that kind is in focus."""
        line = self.focus.shown[index - 1] if 0 < index <= len(self.focus.shown) else ""
        if handed.kind == "ticket" and (listed := re.match(r"#(\d+)\b", line)):  # a ticket's line starts "#1002 ..."
            self.slots = {**self.slots, "assignee": handed.to, "ticket_number": int(listed[1])}
            self.do_assign_ticket()
        record = self.focus.pick(index, [handed.kind]) if index else self.focus.of([handed.kind])
        if record is None or not record.get("id"):
            self.answer("ask", missing=f"the {handed.kind}", hint=f"Which {handed.kind} (a few words of it)?")
        if handed.kind == "ticket":
            number = record.get("number") or self.call("get_ticket", ticket_id=str(record["id"]))["data"]["number"]
            self.slots = {**self.slots, "assignee": handed.to, "ticket_number": int(number)}
            self.do_assign_ticket()
        if handed.kind in ("deal", "lead"):
            self.write(f"reassign_{handed.kind}", **{f"{handed.kind}_id": record["id"]}, owner=handed.to)
        self.write("update_task", task_id=record["id"], assignee=handed.to, **self._due_too())

    def _assign_tickets(self, handed: Handoff) -> None:
        """Every open ticket the words describe ("assign all the globex calendar sync tickets to me": each word in its
        subject, requester's or account's name, `find_tickets`), proposed together; more than ten are not guessed at."""
        words = ticket_description(handed.words)
        if not words:
            self.answer("ask", missing="tickets", hint="Which tickets (words of their subject, account or requester)?")
        found = self.call("find_tickets", description=words, open_only=True, limit=BULK_LIMIT + 1)["data"]
        if not found:
            self.answer("not_found", what="open tickets", name=words, writing=self.writing)
        if len(found) > BULK_LIMIT:
            self.answer(
                "error",
                field=None,
                reason=f'more than {BULK_LIMIT} open tickets match "{words}": say more about the ones you mean.',
            )
        to = self.caller if handed.to.lower() in ("me", "myself") and self.caller else handed.to
        self.write_all([("assign_ticket", {"number": int(t["number"]), "assignee": to}) for t in found])
