"""The AI services: follow-up drafts, score reasons, next steps, anomalies, forecasts, slipping deals and
summaries.
"""

from __future__ import annotations

import re

from assistant.offline.dialogue import refers_back
from assistant.offline.nlu import read_slots
from assistant.offline.plan.core import ANYTHING, NEXT_VIEW
from assistant.offline.plan.tickets import TicketActs
from assistant.offline.slots import BARE_TICKET
from prompts.periods import period_words

_PURPOSES = [
    ("intro", "intro"),
    ("introduc", "intro"),
    ("demo", "demo"),
    ("proposal", "proposal"),
    ("check in", "check_in"),
    ("check-in", "check_in"),
    ("follow", "follow_up"),
]
_TONES = [
    ("formal", "formal"),
    ("brief", "brief"),
    ("short", "brief"),
    ("friendly", "friendly"),
    ("casual", "friendly"),
]


class InsightActs(TicketActs):
    """Plans of the AI services."""

    def do_draft_email(self, restyle: str = "") -> None:
        """A draft to a contact or lead, or to the primary contact of a deal (or of an account's open deal); in the
        tone a restyle asks for ("make it shorter") when the draft is asked again with one."""
        record = self._named(ANYTHING, "a contact, lead, deal or account")
        kind, record_id = record["type"], record["id"]
        if kind == "account":
            deals = self.call("search_deals", account_id=record_id, open_only=True, limit=1)["data"]["deals"]
            if not deals:
                self.answer("not_found", what="an open deal of", name=record["name"], writing=self.writing)
            kind, record_id = "deal", deals[0]["id"]
        lowered = self.text.lower()
        purpose = next((p for word, p in _PURPOSES if word in lowered), "follow_up")
        tone = next((t for word, t in _TONES if word in (restyle.lower() or lowered)), "friendly")
        topic = re.search(
            r"\b(about|regarding|re:?|on the subject of|covering|after|following|with(?=\s+(?:the|our|his|her|their)\b)"
            r"|(?<=email\s)on|(?<=e-mail\s)on|(?<=note\s)on|(?<=message\s)on|on(?=\s+(?:the|our|their)\s+(?!\d))"
            r"|asking\s+(?:for|about)|to\s+ask\s+(?:for|about)"
            r"|check(?:ing)?\s+in\s+(?:on|about)|thanking\s+(?:him|her|them|\w+)\s+for|to\s+thank\s+(?:him|her|them|\w+)\s+for)"
            r"\s+(.+?)(?:,?\s+(?:pls|plz|please|thx|thanks))?\s*[.?!]*$",
            self.text,
            re.I,
        )
        lead = {"regarding": "about", "re": "about", "re:": "about", "covering": "about", "on the subject of": "about"}
        lead |= {
            "checking in on": "to check in on",
            "check in on": "to check in on",
            "checking in about": "to check in on",
        }
        lead |= {"on": "about", "asking for": "to ask for", "asking about": "to ask about"}
        thanks = bool(topic and "thank" in topic[1].lower())  # "a note thanking him for the procurement review"
        opening = topic and ("" if thanks else lead.get(topic[1].lower(), topic[1].lower()))
        notes = (
            (f"Thank you for {topic[2]}." if thanks else f"I'm also writing {opening} {topic[2]}.") if topic else None
        )
        data = self.call("draft_email", **{f"{kind}_id": record_id}, purpose=purpose, tone=tone, notes=notes)["data"]
        self.answer("draft", d=data)

    def do_explain_score(self) -> None:
        """A lead's score and its factors; a contact's are those of the lead it was converted from."""
        lead = self._named(["lead"], "a lead", required=False) or self._named(["contact"], "a lead")
        if lead["type"] == "contact":  # "sarah johnson lead score": a lead converted since is found as the contact
            lead = self.call("get_contact", contact_id=lead["id"])["data"].get("converted_from") or {}
            if not lead.get("id"):
                self.answer(
                    "error", field=None, reason="they are a contact that was never a lead, so they have no score."
                )
        self.answer("score", d=self.call("explain_score", lead_id=lead["id"])["data"])

    def do_next_best_action(self) -> None:
        record = self._named(["deal", "lead", "contact"], "a deal, lead or contact")
        self.answer(
            "next_actions", d=self.call("next_best_action", record_type=record["type"], record_id=record["id"])["data"]
        )

    def do_anomalies(self) -> None:
        days = 30 if "month" in self.text.lower() else 7
        self.answer("alerts", d=self.call("find_anomalies", days=days)["data"])

    def do_forecast(self) -> None:
        if re.search(r"\btickets?\b|\bsupport\b|\bvolume\b", self.text, re.I):
            ahead = read_slots(self.text, self.model.now())
            days = {"today": 1, "this_week": 7, "next_week": 7, "this_month": 30, "next_month": 30}.get(
                str(ahead.get("period")), 14
            )
            self.answer("ticket_forecast", d=self.call("forecast_tickets", days=int(ahead.get("days") or days))["data"])
        self.answer("forecast", d=self.call("forecast_pipeline", quarters=2)["data"])

    def do_slipping(self) -> None:
        """Deals likely to slip: the open ones closing in the period (this month unless said), the longest in their stage first."""
        period = read_slots(self.text, self.model.now()).get("period")
        period = period if period not in (None, "overdue", "today") else "this_month"
        data = self.call("deals_closing", period=period, scope=self._scope(), limit=20)["data"]
        deals = sorted(data["deals"], key=lambda d: -int(d.get("days_in_stage") or 0))
        label = period_words(str(period))
        self.answer(
            "deals",
            deals=deals,
            title=f"Open deals closing {label} ({data['from']} to {data['to']}), the longest without a stage change first",
            empty=f"No open deals close {label}.",
        )

    def do_summarize(self) -> None:
        number = re.search(r"(?:#|\bticket\s*#?\s*)(\d{3,})\b", self.text, re.I)
        viewed = int(number.group(1)) if number else self._focus_ticket() if refers_back(self.text) else None
        if viewed is not None:  # "summarize it" after a ticket
            self.answer("summary", d=self.call("summarize_ticket", number=viewed)["data"])
        if self.role == "support" and (
            bare := BARE_TICKET.search(self.text)
        ):  # "summarize 1047": an agent's numbers are tickets
            self.answer("summary", d=self.call("summarize_ticket", number=int(bare[1]))["data"])
        described = self._described_ticket(focused=bool(self.focus.of(["ticket"]) or self._tickets_shown()))
        if described is not None:  # "summarise sarah johnson's ticket about the csv export"
            self.answer("summary", d=self.call("summarize_ticket", number=described)["data"])
        record = self._named(ANYTHING, "a ticket number or a record")
        if record["type"] != "account":  # "summarize Sarah Johnson": what we know about the person or deal
            tool, arg = NEXT_VIEW[record["type"]]
            data = self.call(tool, **{arg: record["id"]})["data"]
            self.answer(record["type"], **({"v": data} if record["type"] == "contact" else {"d": data}))
        self.answer("summary", d=self.call("summarize_account_status", account_id=record["id"])["data"])
