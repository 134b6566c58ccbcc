"""Lead and contact plans: creating and qualifying a lead, converting it, adding and changing a contact."""

from __future__ import annotations

import re
from typing import Any

from assistant.offline import Parse
from assistant.offline.acts import asks_creation
from assistant.offline.linking import covers
from assistant.offline.plan.activities import ActivityActs
from assistant.offline.plan.core import PERSON
from assistant.offline.plan.deals import DealActs
from assistant.offline.replies import BANT_KEYS

# A note on a person we may already have, instead of a new lead: "kara zhou (the ceo one) - note: sent the intro deck"
_NOTE_SAID = re.compile(r"[-–—,]\s*note\s*[:–—-]\s*(?P<body>\S.*)$", re.I)


class PeopleActs(DealActs, ActivityActs):
    """Plans over leads and contacts."""

    def do_create_lead(self) -> None:
        self._known_person()
        company = self.slots.get("company")
        if company and not self.slots.get("source") and not asks_creation("create_lead", self.text):
            accounts = self.call("search_crm", query=str(company), types=["account"], limit=8)["data"]
            if len([a for a in accounts if covers(str(company), str(a["name"]))]) == 1:
                # "add oskar brandt @ helixfield llc 24, CFO, ...": a person at a customer we have is its contact
                self.parse = Parse("create_contact", self.parse.confidence, self.slots)
                self.do_create_contact()
        self.need("first_name", "last_name", "email", hint="For example: Dana Whitfield, dana@brightwave.io.")
        self.need("source", hint="Where did the lead come from: website, referral, event, cold call or social media?")
        s = self.slots
        self.write(
            "create_lead",
            first_name=s["first_name"],
            last_name=s["last_name"],
            email=s["email"],
            source=s["source"],
            company=s.get("company"),
            title=s.get("title"),
            phone=s.get("phone"),
            company_size=s.get("company_size"),
        )

    def _known_person(self) -> None:
        """A person we have, named with a note and no creation asked for: the note on her record, never a second record
        of the same person."""
        s = self.slots
        note = _NOTE_SAID.search(self.text)
        if not note or s.get("email") or asks_creation("create_lead", self.text):
            return
        name = f"{s.get('first_name') or ''} {s.get('last_name') or ''}".strip()
        people = self.call("search_crm", query=name, types=["contact", "lead"], limit=5)["data"] if name else []
        if not any(str(p["name"]).lower() == name.lower() for p in people):
            return
        self.parse = Parse("add_note", self.parse.confidence, {"name": name, "body": note["body"].strip()})
        self.slots = self.parse.slots
        self.do_add_note()

    def do_create_contact(self) -> None:
        self.need(
            "first_name", "last_name", "email", hint="For example: Oliver Grant, oliver.grant@acme.test, at Acme UK."
        )
        s, account = self.slots, None
        if s.get("company"):
            self.slots = {**s, "name": s["company"]}
            account = self.find(["account"], what="an account")
        self.write(
            "create_contact",
            first_name=s["first_name"],
            last_name=s["last_name"],
            email=s["email"],
            account_id=account and account["id"],
            title=s.get("title"),
            phone=s.get("phone"),
        )

    def do_update_contact(self) -> None:
        field = str(self.slots.get("field") or "phone")
        self.need("value", hint=f"What should the {field.replace('_url', '')} be?")
        who = self.find(PERSON, what="a contact or lead")
        changes = dict(self.slots.get("changes") or {field: self.slots["value"]})  # several fields in one message
        if who["type"] == "lead":
            changes = {{"mobile": "phone"}.get(k, k): v for k, v in changes.items()}
        self.write(f"update_{who['type']}", **{f"{who['type']}_id": who["id"]}, changes=changes)

    def do_update_lead_status(self) -> None:
        self.need("status", hint="Contacted, qualified or lost?")
        if self.slots["status"] == "lost":
            self.need("reason", hint="Why was the lead lost?")
        lead = self.find(["lead"], what="a lead", required=self.slots["status"] != "lost")
        if lead is not None and self.slots["status"] == "qualified":
            self._ask_bant(lead)
        if lead is None:  # "Emberforge Co - Upgrade 15 is lost": a deal's name, not a lead's
            self.slots = {**self.slots, "stage": "closed_lost"}
            self.writing = True
            deal = self._deal()
            self.write("move_deal_stage", deal_id=deal["id"], stage="closed_lost", reason=self.slots.get("reason"))
        self.write(
            "update_lead_status",
            lead_id=lead["id"],
            status=self.slots["status"],
            reason=self.slots.get("reason"),
            **{k: self.slots.get(k) for k in ("budget", "authority", "need", "timeline")},
        )

    def _ask_bant(self, lead: dict[str, Any]) -> None:
        """Qualifying needs all four BANT answers: those typed, else those the lead holds; ask for exactly the missing
        ones in one question ("unknown" is an answer)."""
        held = self._lead_state(lead)
        missing = [
            k
            for k in BANT_KEYS
            if not str(self.slots.get(k) or "").strip() and k in held.get("bant_missing", BANT_KEYS)
        ]
        if missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            self.answer(
                "ask",
                missing=f"to know the {listed}",
                hint=f"To qualify {held.get('name') or lead.get('name')}, tell me the {listed} "
                "(BANT); 'unknown' is fine for any you don't know.",
            )

    def _lead_state(self, lead: dict[str, Any]) -> dict[str, Any]:
        """The lead's status and the BANT answers it lacks, from the lead list (no free text of others in the turn, so
        the write that follows is still offered)."""
        rows = self.call("search_leads", query=str(lead.get("name") or ""), limit=10)["data"]["leads"]
        return next((row for row in rows if row["id"] == str(lead["id"])), {"name": lead.get("name"), "status": None})

    def do_convert_lead(self) -> None:
        lead = self.find(["lead"], what="a lead")
        held = self._lead_state(lead)
        override = self.slots.get("override_reason")
        if held.get("status") in ("new", "contacted") and not override:
            self.answer(
                "ask",
                missing="override reason",
                hint=f"{held.get('name') or lead.get('name')} is {held.get('status')}, "
                "not qualified: why convert it anyway? (Or qualify it first, with budget, authority, need and timeline.)",
            )
        self.write(
            "convert_lead",
            lead_id=lead["id"],
            amount=self.slots.get("amount"),
            close_date=self.slots.get("close_date"),
            deal_name=self.slots.get("deal_name"),
            override_reason=override,
        )
