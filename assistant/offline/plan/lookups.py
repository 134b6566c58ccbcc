"""Reads of one record or a simple list: a record and its fields, leads, meetings, past conversations and
the help center.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.messages import Message
from assistant.offline.dialogue import (
    asked_field,
    asked_fields,
    asks_history,
    field_request,
    generic_party,
    is_howto,
    is_question,
    possessor,
)
from assistant.offline.nlu import read_slots
from assistant.offline.plan.core import ANYTHING, NEXT_VIEW, Done, PlanCore
from assistant.offline.slots import STOPWORDS, find_floor, find_group_by, find_scope, find_window
from prompts.periods import period_words

FIELD_KEYS = {
    "contact": {
        "phone": "phone",
        "mobile": "mobile",
        "email": "email",
        "title": "title",
        "owner": "owner",
        "department": "department",
    },
    "lead": {
        "phone": "phone",
        "email": "email",
        "title": "title",
        "score": "score",
        "stage": "status",
        "owner": "owner",
        "industry": "industry",
        "employees": "company_size",
        "source": "source",
    },
    "account": {
        "owner": "owner",
        "phone": "phone",
        "account_number": "account_number",
        "health_score": "health_score",
        "industry": "industry",
        "employees": "employees",
        "website": "website",
        "revenue": "annual_revenue",
        "tier": "tier",
        "address": "billing_address",
    },
    "deal": {
        "amount": "amount",
        "close_date": "close_date",
        "stage": "stage",
        "owner": "owner",
        "probability": "probability",
    },
}
_WHO_IS = re.compile(r"^\W*(?:who(?:'?s|\s+is|\s+was)|whos)\s+(?!the\b|my\b|our\b|on\b|working\b)", re.I)
MEETING_PERIODS = ("today", "this_week", "next_week", "this_month", "next_month")
# Reads whose words alone say what to show ("what did I win", "mike's deals"): a question the classifier could not
# place goes to them rather than to the help text.
EVIDENT_READS = (
    "won_deals",
    "lost_deals",
    "stage_deals",
    "teammate_deals",
    "team_tasks",
    "my_meetings",
    "my_tasks",
    "list_tickets",
    "list_leads",
)
STATUS_OF = re.compile(r"\bstatus\b|\bwhere\b.{0,30}\bstands?\b|\bhow(?:'?s|\s+is)\b.{0,30}\bgoing\b", re.I)
SEEN_BEFORE = re.compile(
    r"\b(have we|did we|has anyone)\b.*?\b(seen|had|hit|met)\b.*?\bbefore\b|\bsimilar (tickets?|issues?|cases?)\b", re.I
)
MEMORY_FLOOR = 0.3
# "the second one - what's the close date" after an account's view: the second of its deals
_ORDINAL_PICK = re.compile(r"\bthe\s+(?:first|second|third|fourth|fifth|last)\s+(?:one|deal)\b", re.I)
_DEAL_ONLY = ("close_date", "stage", "probability", "amount")


class RecordReads(PlanCore):
    """Plans that read one record or a simple list."""

    def do_memory(self) -> None:
        """Earlier tickets and conversations like the problem the user describes."""
        problem = SEEN_BEFORE.sub(" ", self.text).strip(" ?.,:;-") or self.text
        matches = [
            m for m in self.call("search_conversations", query=problem, limit=5)["data"] if m["score"] >= MEMORY_FLOOR
        ]
        self.answer("memory", matches=matches, problem=problem)

    def do_kb_question(self, *, fallback: bool = False) -> None:
        """Answer from the help center only, with the passage composed for the question's need (store.knowledge.answers),
        cited as [1]; say so plainly when nothing matches. Staff questions that the help center does not answer go on
        to the CRM intents, unless they tell of a customer by kind and the name read in them is no record the CRM
        holds: then the help center had nothing."""
        data = self.call("kb_search", query=self.text, limit=3)["data"]
        if not data["found"]:
            if self.role == "customer":
                self.answer("kb_not_found")
            if _WHO_IS.match(self.text) and read_slots(self.text, self.model.now()).get("name"):
                return  # "who is lisa chen": a person the CRM may know
            named = read_slots(self.text, self.model.now()).get("name")
            if self.parse.intent == "unknown" and not fallback and named and is_question(self.text):
                self.slots = {**self.slots, "name": named}  # "when did i have the discovery call w sarah johnson"
                if self.find(ANYTHING, what="a record", required=False) is not None:
                    self.writing = False
                    self.do_show_record()
            party = generic_party(self.text)  # "An Enterprise customer asks ...": the kind of customer names no record
            if not fallback and (
                is_howto(self.text) or (party and named and (named.lower() in party.lower() or not self._holds(named)))
            ):
                # "how do I add contacts to a list?": a how-to never turns into a change; "customer ... sees sign-ins
                # from a country she's never been to ... what are the steps on our side?": no record called "country"
                self.answer("kb_none")
            if (
                self.parse.intent == "unknown"
                and not fallback
                and not (is_question(self.text) and self._read_intent() in EVIDENT_READS)
            ):
                self.answer("help", unknown=True)
            return
        self.answer("kb_answer", body=data["answer"]["text"], others=data["passages"][1:])

    def _holds(self, name: str) -> bool:
        """Whether the CRM holds a record by that name (the request's own `name` slot is left as it was)."""
        said = self.slots
        self.slots = {**said, "name": name}
        try:
            return self.find(ANYTHING, what="a record", required=False) is not None
        finally:
            self.slots = said

    def do_show_record(self) -> None:
        asked = asked_field(self.text)
        kinds = ["deal"] if _ORDINAL_PICK.search(self.text) and asked in _DEAL_ONLY else ANYTHING
        kinds = ["account"] if asked == "subsidiaries" else kinds  # "novaline systems incl its subs": the account
        record = self.find(kinds, what="a contact, lead, account or deal")
        tool, arg = NEXT_VIEW[record["type"]]
        data = self.call(tool, **{arg: record["id"]})["data"]
        if (kind := asks_history(self.text)) and record["type"] in ("contact", "account"):
            self._answer_history(record["type"], data, kind)
        field = asked_field(self.text) if is_question(self.text) or field_request(self.text) else None
        if field and len(fields := asked_fields(self.text)) > 1:
            self._answer_fields(record["type"], data, fields)
            field = None  # "what stage and how much", "what industry and how big": the record's view says both
        if field:
            self._answer_field(record["type"], data, field)
        if record["type"] in ("contact", "account"):
            self.answer(record["type"], v=data)
        self.answer(record["type"], d=data)

    def _answer_history(self, kind: str, data: dict[str, Any], asked: str) -> None:
        """What already passed with a contact or account, newest first: calls (a contact's include those of the lead it
        was converted from), meetings, notes and emails, or only the kind asked; meetings still ahead apart."""
        logged: tuple[str, ...] = ("call", "meeting", "note", "email")  # an account's: its timeline has them all
        entries: list[dict[str, Any]] = []
        if kind == "contact":
            entries = [
                {"at": c["call_at"], "kind": "call", "text": f"{c['direction'].capitalize()} call: {c['notes'] or ''}"}
                for c in data.get("calls") or []
            ] + [{"at": m["start_at"], "kind": "meeting", "text": f"Meeting '{m['title']}'"} for m in data["meetings"]]
            logged = ("note", "email")  # a contact's calls and meetings come from their own lists
        entries += [
            {"at": e["at"], "kind": e["type"], "text": e["subject"]}
            for e in data.get("timeline") or []
            if e["type"] in logged
        ]
        entries = sorted(  # a call asked about may be a meeting called one ("the discovery call")
            (e for e in entries if asked in ("any", e["kind"]) or asked in e["text"].lower()),
            key=lambda e: str(e["at"]),
            reverse=True,
        )
        now = self.model.now().isoformat()
        self.answer(
            "history",
            name=str(data[kind]["name"]),
            what={"any": "", "call": "calls", "meeting": "meetings", "note": "notes", "email": "emails"}[asked],
            past=[e for e in entries if str(e["at"]) <= now][:8],
            ahead=sorted((e for e in entries if str(e["at"]) > now), key=lambda e: str(e["at"]))[:3],
        )

    def _answer_fields(self, kind: str, data: dict[str, Any], fields: list[str]) -> None:
        """Several fields asked at once ("who does she report to and what's her email"), one line each, when the record
        holds every one of them (else the record's view, which says them all, follows)."""
        lines = []
        for field in fields:
            try:
                self._answer_field(kind, data, field)
            except Done as said:
                if said.message.tool_calls or not said.message.content:
                    raise  # a lookup the field needs (a manager's contact, an account's one deal)
                lines.append(said.message.content)
            else:
                return
        raise Done(Message("assistant", "\n".join(lines)))

    def _answer_field(self, kind: str, data: dict[str, Any], field: str) -> None:
        """One field of the record, said first; the view follows when the field is not one it holds. A deal's field
        asked of its account ("the win probability on globex") is the account's one open deal's; a deal's contact is its
        primary contact's view."""
        if kind == "account" and field == "contact" and len(data.get("contacts") or []) == 1:
            # "whos our main contact at globex": its one contact, whose view puts her in focus ("whats her email")
            person = self.call("get_contact", contact_id=str(data["contacts"][0]["id"]))["data"]["contact"]
            self.answer(
                "field",
                name=str((data.get("account") or {}).get("name") or ""),
                label="main contact",
                fallback="",
                value=person["name"]
                + (f", {person['title']}" if person.get("title") else "")
                + (f" ({person['email']})" if person.get("email") else ""),
            )
        if kind == "account" and field in FIELD_KEYS["deal"] and field not in FIELD_KEYS["account"]:
            deals = [d for d in data.get("deals") or [] if d.get("stage") not in ("closed_won", "closed_lost")]
            if len(deals) == 1 and deals[0].get("id"):
                self._answer_field("deal", self.call("get_deal", deal_id=str(deals[0]["id"]))["data"], field)
            return
        if kind == "deal" and field == "stage" and STATUS_OF.search(self.text):
            self.answer("deal", d=data)  # "status of the northline pilot?": where it stands, not only its stage
        if kind == "deal" and field == "contact" and data.get("primary_contact_id"):
            view = self.call("get_contact", contact_id=str(data["primary_contact_id"]))["data"]
            self.answer(
                "field",
                name=data.get("deal_name") or "",
                label="main contact",
                fallback="",
                value=f"{view['contact']['name']}"
                + (f", {view['contact']['title']}" if view["contact"].get("title") else "")
                + (f" ({view['contact']['email']})" if view["contact"].get("email") else ""),
            )
        own = data.get(kind) if kind in ("contact", "account") else data
        if kind == "contact" and field == "company" and isinstance(own, dict):  # "sarah connor, title and company?"
            company = (data.get("account") or {}).get("name")
            self.answer("field", name=own.get("name") or "", label="company", value=company, fallback="")
        if (
            kind == "contact" and field == "reports_to" and isinstance(own, dict)
        ):  # "who does she report to": that contact
            boss = (
                self.call("get_contact", contact_id=str(own["reporting_to_id"]))["data"]["contact"]
                if own.get("reporting_to_id")
                else None
            )
            self.answer(
                "field",
                name=own.get("name") or "",
                label="manager (reports to)",
                fallback="",
                value=f"{boss['name']}" + (f", {boss['title']}" if boss.get("title") else "") if boss else None,
            )
        if not isinstance(own, dict) or field not in FIELD_KEYS.get(kind, {}):
            return
        key = FIELD_KEYS[kind][field]
        value = own.get(key)
        fallback = ""
        if field == "mobile" and not value and own.get("phone"):
            fallback = f"the phone number is {own['phone']}"
        if field in ("amount", "revenue") and value is not None:
            from prompts.money import money_short

            value = money_short(value)
        if isinstance(value, dict):  # an address
            value = ", ".join(str(v) for v in value.values() if v)
        if field == "probability" and value is not None:
            value = f"{value}%"
        label = {
            "close_date": "close date",
            "account_number": "account number",
            "health_score": "health score",
            "employees": "number of employees" if kind == "account" else "company size",
            "revenue": "annual revenue",
        }.get(field, field)
        self.answer(
            "field", name=own.get("name") or own.get("deal_name") or "", label=label, value=value, fallback=fallback
        )

    def do_list_leads(self) -> None:
        status = self.slots.get("lead_status")
        hot = bool(
            re.search(
                r"\b(?:hot|hottest|top|best|highest|warmest|rank\w*|sort\w*)\b|\bby\s+(?:lead\s+)?score\b",
                self.text,
                re.I,
            )
        )
        floor = find_floor(self.text)
        least = int(floor.value[0]) + floor.value[1] if floor is not None and floor.value[0] <= 100 else None
        whose = self._teammate() or possessor(self.text, STOPWORDS)  # "mike's new leads": his
        scope = find_scope(self.text)  # "my leads": the rep's own; "leads on my team": the team's
        mine = not whose and self.role == "rep" and scope is not None and scope.value == "mine"
        grouped = find_group_by(self.text)
        by_owner = not whose and self.role in ("manager", "admin") and grouped is not None and grouped.value == "owner"
        result = self._as_teammate(
            "search_leads",
            "owner",
            query=None,
            status=status,
            limit=25 if hot else 20,
            order="score" if hot or least is not None else "newest",  # "leads scoring above 80": the highest first
            **({"min_score": least} if least is not None else {}),
            **({"owner": whose} if whose else {"owner": "me"} if mine else {}),
            **({} if status else {"open_only": True}),
            **({"by_owner": True} if by_owner else {}),
        )
        if not result.get("ok"):
            error = result.get("error") or {}
            self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
        data = result["data"]
        leads = data["leads"]
        if hot:  # the highest scores first
            leads = sorted(leads, key=lambda lead: -(lead.get("score") or 0))[:10]
        owner = f"{self._who(whose)}'s " if whose else "Your " if mine else "Your team's " if self.role == "rep" else ""
        title = f"{owner}{status or 'open'} leads".strip()
        if by_owner:
            self.answer(
                "leads_by_owner", owners=data["by_owner"], total=data["total"], title=title[0].upper() + title[1:]
            )
        title += f" scoring {least} or more" if least is not None else ""
        self.answer("leads", leads=leads, total=data["total"], title=title[0].upper() + title[1:])

    def do_my_meetings(self) -> None:
        named = read_slots(self.text, self.model.now()).get("name")
        if named and asks_history(self.text):  # "did i have any meetings w sarah johnson recently?": hers
            said, self.slots = self.slots, {**self.slots, "name": named}
            if self.find(["contact", "account"], what="a contact or account", required=False) is not None:
                self.do_show_record()
            self.slots = said  # "over the last 7 days": no one's name
        today = self.model.now().date()
        if (window := find_window(self.text, today)) is not None:  # "over the last 7 days", "since monday"
            start, end = window
            months = ["last_month", "this_month"] if start.month != today.month else ["this_month"]
            held = [m for period in months for m in self.call("my_meetings", period=period)["data"]]
            inside = [m for m in held if start.isoformat() <= str(m["start_at"])[:10] <= end.isoformat()]
            label = f"from {start.isoformat()} to {end.isoformat()}"
            self.answer("meetings", meetings=sorted(inside, key=lambda m: str(m["start_at"])), label=label)
        period = str(self.slots["period"]) if self.slots.get("period") in MEETING_PERIODS else "this_week"
        if re.search(r"\btomorrow\b", self.text, re.I):
            period = "next_week" if self.model.now().weekday() == 6 else "this_week"
        data = self.call("my_meetings", period=period)["data"]
        self.answer("meetings", meetings=data, label=period_words(period))
