"""Deal plans: the pipeline and its reports, a teammate's deals, creating, changing and moving a deal."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from assistant.offline import Parse
from assistant.offline.acts import asks_creation
from assistant.offline.guard import COMPANY_SUFFIXES, name_words
from assistant.offline.linking import NAME_NOISE, covers, numbered
from assistant.offline.nlu import read_slots
from assistant.offline.plan.core import STUCK
from assistant.offline.plan.lookups import RecordReads
from assistant.offline.reports import asked_grouping, asked_metric, report_lines
from assistant.offline.slots import STOPWORDS, find_date, find_floor, find_period, find_shift, find_stage, name_runs
from prompts.money import money_short
from prompts.periods import period_words

COACH = re.compile(
    r"\bcoach(?:ing)?\s+([a-z]+)\b|\bwhere\s+is\s+([a-z]+)\s+(?:weakest|struggling|falling\s+short)\b", re.I
)
_BIGGEST = re.compile(r"\b(?:biggest|largest|top|highest|most\s+valuable|big)\b", re.I)
_AT_COMPANY = re.compile(r"\b(?:at|with|w)\s+([a-z][\w&'-]+)\W*$", re.I)  # "john's open deals at cedarline"
_ONE_DEAL = re.compile(r"\bdeal\b|\bopp(?:ortunity)?\b", re.I)
_OWNER_OF_DEAL = re.compile(r"\b([a-z]+)['’]s\s+((?:[\w&-]+\s+){1,5}?)(?:deal|opportunity|opp)\b", re.I)
_OWNER_OF_NAMED_DEAL = re.compile(
    r"\b([a-z]+)['’]s\s+([\w&]+(?:\s+[\w&]+){0,3}\s+[-–]\s+[\w&]+(?:\s+\d{1,4})?)\b", re.I
)  # "emma's falconpath co - upgrade 60": a deal's whole name
_OWNER_OF_NUMBERED_DEAL = re.compile(
    r"\b([a-z]+)['’]s\s+([a-z][\w&]*(?:\s+[a-z][\w&]*){1,3}\s+\d{1,4})\b(?!\s*(?:k|m|%|[.,]\d))", re.I
)  # "carlos's orbitpath platform 61": a deal's name ending in its number
TEAMMATE_DEALS = re.compile(
    r"\b(?:deals|opportunities|opps|pipeline)\b|\b(?:biggest|largest|top)\s+(?:open\s+)?deal\b"
    r"|\bhow\s+much\b.*\b(?:open|carrying)\b|\bin\s+(?:the\s+same|one|a)\s+stage\b",
    re.I,
)  # "mike's deals", "emma's biggest deal", "how much has john got open", "stuck in the same stage"
# "novaline pipeline?", "whats the pipeline on acme corp": an account's
_PIPELINE_OF = re.compile(
    r"^\W*(?:(?:what'?s|how'?s|show\s+me)\s+)?(?:the\s+)?([a-z][\w&'-]*(?:\s+[a-z][\w&'-]*)?)\s+pipe(?:line)?\W*$"
    r"|\bpipe(?:line)?\s+(?:for|on|at|of|with)\s+(?:the\s+)?([a-z][\w&'-]*(?:\s+[a-z][\w&'-]*)?)\W*$",
    re.I,
)
PERFORMANCE = re.compile(
    r"\bhow(?:'?s|\s+is|\s+are)\s+\w+\s+(?:doing|performing|tracking|getting\s+on|going)\b|\b\w+['’]s\s+numbers\b", re.I
)
# the caller's own: "my deals", "i won" ("across my team" is the team's)
_MINE = re.compile(r"\b(?:i|me|mine)\b|\bmy\b(?!\s+(?:whole\s+|own\s+)?(?:team|reps|people|org|group)\b)", re.I)
PIPELINE_WORDS = re.compile(r"\bpipeline\b|\bweighted\b|\btotal\b", re.I)
# A new open stage said beside a deal's other changes ("90k and negotiation", "close june 30, to proposal"), never a
# stage naming the deals ("the proposal deal").
_STAGE_TOO = re.compile(
    r"(?:\band|[,:]|->|→|\bto|\binto)\s+(?:stage\s+)?(prospecting|qualification|proposal|negotiations?)\b"
    r"(?!\s+(?:deals?|stage\b|one\b))",
    re.I,
)
_NEW_CLOSE_DATE = re.compile(
    r"\bclose\s+date\b|\bclos(?:e|es|ing)\s+(?:on|by)\b|\bsign(?:s|ing)?\s+(?:on|by)\b"
    r"|\bclos(?:e|es|ing)\s+(?=(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d|\d{1,2}/\d|end\s+of\b)"
    r"|\b(?:push|move|pull|slip|bump)\w*\s+(?:the\s+|its\s+)?close\b",  # "push the close to sept 30": "the close" is its date
    re.I,
)
_REST_OF_MONTH = re.compile(
    r"\b(?:between\s+now\s+and|from\s+now\s+(?:to|till|until)|rest\s+of)\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+)?)?month\b",
    re.I,
)


class DealActs(RecordReads):
    """Plans over deals and the pipeline."""

    def do_won_deals(self, stage: str = "closed_won", verb: str = "won") -> None:
        """The deals won (or lost) in a period (this quarter unless said): the caller's, a teammate's, or the team's."""
        period = (
            self.slots.get("period") if self.slots.get("period") not in (None, "overdue", "today") else "this_quarter"
        )
        person = self._teammate()
        mine = person is None and (self.role == "rep" or bool(_MINE.search(self.text)))
        result = self._as_teammate(
            "search_deals", "owner", stage=stage, period=period, mine=mine, owner=person, limit=50
        )
        if not result.get("ok"):
            error = result.get("error", {})
            self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
        data = result["data"]
        who = f"{self._who(person)} {verb}" if person else f"You {verb}" if mine else verb.capitalize()
        label = period_words(str(period))
        self.answer(
            "deals",
            deals=data["deals"],
            empty=f"No deals were {verb} {label} ({data['from']} to {data['to']}).",
            title=f"{who} {label} ({data['from']} to {data['to']}): {data['total']} deal{'s' if data['total'] != 1 else ''}"
            + (f", {money_short(data['amount'])} in total" if data.get("amount") is not None else ""),
        )

    def do_sales_report(self) -> None:
        """A sales metric (win rate, deal size, cycle, conversions, quota attainment) for a period (this year, or this
        quarter for quotas, unless said), split as asked, with how it is computed."""
        metric = str(asked_metric(self.text))
        slots = read_slots(self.text, self.model.now())
        period = slots.get("period")
        period = (
            period
            if period not in (None, "overdue", "today")
            else "this_quarter"
            if metric == "quota_attainment"
            else "this_year"
        )
        data = self.call("sales_report", metric=metric, group_by=asked_grouping(self.text), period=period)["data"]
        title = metric.replace("_", " ").replace("avg", "average").capitalize()
        said = slots.get("person") or slots.get("name")
        if said and data.get("group_by") == "none" and self.role in ("manager", "admin"):
            # "win rate for mike this year": his line of the figures by rep (a name that is no rep: the whole report)
            by_rep = self.call("sales_report", metric=metric, group_by="rep", period=period)["data"]
            rows = [r for r in by_rep.get("rows") or [] if covers(str(said), str(r.get("key") or ""))]
            if len(rows) == 1:
                data, title = {**by_rep, "rows": rows, "total": None}, f"{title} of {rows[0]['key']}"
        self.answer("report", d=data, lines=report_lines(data), title=f"{title}, {period_words(str(period))}")

    def do_lost_deals(self) -> None:
        self.do_won_deals("closed_lost", "lost")

    def do_stage_deals(self) -> None:
        """The deals in one stage ("which of my deals are in negotiation", "biggest deals in proposal across the team"):
        the caller's for a rep or when they say "my", else the team's; the biggest first when asked; with the count."""
        stage = find_stage(self.text)
        assert stage is not None
        mine = self.role == "rep" or bool(_MINE.search(self.text))
        period = self.slots.get("period") if self.slots.get("period") not in ("overdue",) else None
        data = self.call("search_deals", stage=stage.value, mine=mine, period=period, limit=50, **self._floor())["data"]
        deals = data["deals"]
        if _BIGGEST.search(self.text):
            deals = sorted(deals, key=lambda d: -float(d.get("amount") or 0))[:10]
        label = stage.value.replace("_", " ")
        total = f": {data['total']} deal{'s' if data['total'] != 1 else ''}" + (
            f", {money_short(data['amount'])} in total" if data.get("amount") is not None else ""
        )
        self.answer(
            "deals",
            deals=deals,
            title=f"{'Your' if mine else 'Team'} deals in {label}{total}",
            empty=f"{'You have' if mine else 'The team has'} no deals in {label}.",
        )

    def do_teammate_deals(self) -> None:
        """A teammate's deals (a stage or open ones) or their pipeline figures; a name that is no teammate is an account."""
        person = str(self._teammate())
        if STUCK.search(self.text):
            days = int(self.slots.get("days") or 14)
            result = self._as_teammate("stuck_deals", "owner", min_days=days, scope="all", limit=10, owner=person)
            if result.get("ok"):
                self.answer(
                    "deals",
                    deals=result["data"]["deals"],
                    empty=f"None of {self._who(person)}'s deals has been stuck for more than {days} days.",
                    title=f"{self._who(person)}'s deals with no stage change for more than {days} days",
                )
        elif (
            (  # "how much has john got open": the figures; "carlos negotiation deals + total": a list
                (PIPELINE_WORDS.search(self.text) or re.search(r"\bhow\s+much\b", self.text, re.I))
                and not find_stage(self.text)
            )
            or PERFORMANCE.search(self.text)
            or COACH.search(self.text)
        ):
            result = self._as_teammate(
                "pipeline_summary",
                "owner",
                scope="all",
                group_by="stage",
                period=self.slots.get("period"),
                owner=person,
            )
            if result.get("ok"):
                self.answer("pipeline", d=result["data"], title=f"{self._who(person)}'s pipeline by stage")
        else:
            stage = find_stage(self.text)
            late = self.slots.get("period") == "overdue" and stage is None  # "john's deals that blew the close date"
            period = self.slots.get("period") if self.slots.get("period") not in ("overdue", "today") or late else None
            today, within = self.model.now().date(), self.slots.get("within_days")
            rest = _REST_OF_MONTH.search(self.text)
            period = "this_month" if rest else period
            at = _AT_COMPANY.search(self.text)
            company = at[1] if at and at[1].lower() not in STOPWORDS and not find_period(at[1]) else None
            arguments = {
                "query": company,  # "john's open deals at cedarline": those whose names hold it
                "stage": stage.value if stage else None,
                "open_only": stage is None,
                "owner": person,
                "period": period,
                "limit": 100 if within or rest else 50 if period or stage or _BIGGEST.search(self.text) else 25,
                **self._floor(),
            }
            result = self._as_teammate("search_deals", "owner", **arguments)
            if result.get("ok"):
                data = result["data"]
                self._the_biggest(data)
                what = (
                    (f"in {stage.value.replace('_', ' ')}" if stage else "still open")
                    + (f" at {company.capitalize()}" if company else "")
                    + (" past their close date" if late else f" closing {period_words(str(period))}" if period else "")
                )
                if isinstance(least := arguments.get("min_amount"), Decimal):
                    what += f" of {money_short(least)} or more"
                if within or rest:  # "in the next 10 days", "between now and end of month": from today on
                    end = today + timedelta(days=int(within)) if within else date.max
                    kept = [
                        d
                        for d in data["deals"]
                        if today.isoformat() <= str(d.get("close_date"))[:10] <= end.isoformat()
                    ]
                    what = f"still open closing {f'in the next {within} days' if within else 'from today to the end of the month'}"
                    data = {
                        **data,
                        "deals": kept,
                        "total": len(kept),
                        "amount": sum(Decimal(str(d.get("amount") or 0)) for d in kept),
                    }
                self.answer(
                    "deals",
                    deals=data["deals"],
                    empty=f"{self._who(person)} has no deals {what}.",
                    title=f"{self._who(person)}'s deals {what}: {data['total']} deal{'s' if data['total'] != 1 else ''}"
                    + (f", {money_short(data['amount'])} in total" if data.get("amount") is not None else ""),
                )
        error = result.get("error", {})
        if error.get("code") != "not_found":
            self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
        if PERFORMANCE.search(self.text) and not TEAMMATE_DEALS.search(self.text):
            self.do_show_record()  # "how is Acme doing": an account
        self.do_list_deals()  # "Acme's deals": an account's

    def do_my_deals(self) -> None:
        """The caller's open deals ("list my deals", "show me all my opps"; "my biggest deal": the largest first): how
        many, their total, the first 20."""
        biggest = bool(_BIGGEST.search(self.text))
        over = self._floor()
        least = over.get("min_amount")
        data = self.call("search_deals", mine=True, open_only=True, **over, limit=50 if biggest else 20)["data"]
        self._the_biggest(data)
        deals = sorted(data["deals"], key=lambda d: -float(d.get("amount") or 0))[:20] if biggest else data["deals"]
        count = f"{data['total']} deal{'s' if data['total'] != 1 else ''}"
        total = f", {money_short(data['amount'])} in total" if data.get("amount") is not None else ""
        shown = f", the first {len(deals)}" if data["total"] > len(deals) else ""
        worth = f" of {money_short(least)} or more" if least is not None else ""
        self.answer(
            "deals",
            deals=deals,
            title=f"Your open deals{worth}{', biggest first' if biggest else ''} ({count}{total}{shown})",
            empty=f"You have no open deals{worth}.",
        )

    def _the_biggest(self, data: dict[str, Any]) -> None:
        """ "whats my biggest deal", "emma's biggest open deal": the one largest deal of a whole list (no tie), shown
        alone and in focus for "move it to negotiation"; nothing for deals said in the plural."""
        if not (_BIGGEST.search(self.text) and _ONE_DEAL.search(self.text)) or data["total"] > len(data["deals"]):
            return
        ranked = sorted(data["deals"], key=lambda d: -float(d.get("amount") or 0))
        if len(ranked) == 1 or (len(ranked) > 1 and ranked[0].get("amount") != ranked[1].get("amount")):
            self.answer("deal", d=self.call("get_deal", deal_id=str(ranked[0]["id"]))["data"])

    def _floor(self) -> dict[str, Decimal]:
        """The least amount a deal list is asked for ("my deals over 100k", "only the ones over 50k"), as the
        `search_deals` argument; none for a number below 1,000 (a count, not money)."""
        floor = find_floor(self.text)
        return {"min_amount": floor.value[0]} if floor is not None and floor.value[0] >= 1000 else {}

    def do_list_deals(self) -> None:
        """The deals of a named account: those whose names hold the words ("what deals do i have w northpath"), else the
        account's own; a contact's: those they are the primary contact of."""
        open_only = not re.search(r"\b(?:all|closed|won|lost|past)\b", self.text, re.I)
        said = name_words(str(self.slots.get("name") or ""))
        named = " ".join(w for w in said if w not in NAME_NOISE | COMPANY_SUFFIXES)
        suffixes = [w for w in said if w in COMPANY_SUFFIXES]
        if named and not self.slots.get("pick"):
            mine = bool(re.search(r"\b(?:i|my)\b", self.text, re.I)) and self.role == "rep"
            found = self.call("search_deals", query=named, open_only=open_only, mine=mine, limit=20, **self._floor())[
                "data"
            ]["deals"]
            suffixed = [d for d in found if set(suffixes) <= set(name_words(str(d["deal_name"])))]
            found = suffixed or found  # "deals on northworks inc": not Northworks Partners'
            if found and all(covers(named, str(d["deal_name"])) for d in found):
                named = " ".join([named, *suffixes]) if suffixed else named
                title = f"{'Your o' if mine else 'O'}{'pen deals' if open_only else 'deals'} named {named.title()}"
                self.answer("deals", deals=found, title=title, empty="")
        record = self.find(["account", "contact"], what="an account or contact")
        of = {f"{record['type']}_id": record["id"]}  # "ines dubois's deals", "her deals?": those she is the contact of
        data = self.call("search_deals", **of, open_only=open_only, limit=20, **self._floor())["data"]
        self.answer(
            "deals",
            deals=data["deals"],
            title=f"{'Open deals' if open_only else 'Deals'} of {record['name']}",
            empty=f"{record['name']} has no {'open ' if open_only else ''}deals.",
        )

    def do_create_deal(self) -> None:
        name = str(self.slots.get("name") or "")
        if name and not asks_creation("create_deal", self.text) and numbered(name, self.text) != name:
            existing = self.find(["deal"], what="a deal", required=False)
            if existing is not None:  # "atlasstone renewal 12: 40k and close 7/15": that deal's change, no new deal
                self.parse = Parse("update_deal", self.parse.confidence, self.slots)
                self.do_update_deal()
        self.need("amount", hint="How much is the deal worth?")
        account = self.find(["account"], what="an account", required=False)
        company = account["name"] if account else self.slots.get("name") or "New deal"
        named = self.slots.get("deal_name")
        said_account = " - " in str(named) and covers(str(named).split(" - ")[0], account["name"]) if account else False
        if named and account and account["name"].lower() not in str(named).lower() and not said_account:
            named = f"{account['name']} - {str(named)[:1].upper()}{str(named)[1:]}"
        contact = None
        if self.slots.get("contact"):  # "..., contact vera meyer": the deal's main contact
            said, self.slots = self.slots, {**self.slots, "name": self.slots["contact"]}
            contact = self.find(["contact"], what="a contact")
            self.slots = said
        self.write(
            "create_deal",
            deal_name=named or f"{company} - New Business",
            amount=self.slots["amount"],
            account_id=account and account["id"],
            close_date=self.slots.get("close_date"),
            stage=self.slots.get("stage"),
            **({"primary_contact_id": contact["id"]} if contact else {}),
        )

    def do_update_deal(self) -> None:
        changes = {k: self.slots[k] for k in ("amount", "close_date", "probability") if self.slots.get(k) is not None}
        shift = find_shift(self.text) if "close_date" not in changes else None
        if not changes and shift is None:
            self.need("amount", hint="What should change: the amount or the close date?")
        deal = self._deal()
        if shift is not None:  # "push it a week": its close date, a week later
            closing = self.call("get_deal", deal_id=str(deal["id"]))["data"].get("close_date")
            if not closing:
                self.need("close_date", hint="It has no close date yet: which date?")
            changes["close_date"] = date.fromisoformat(str(closing)) + shift.value
        if (stage := _STAGE_TOO.search(self.text)) is not None:  # "granitewave pilot 139: 90k and negotiation"
            moved = {"deal_id": deal["id"], "stage": stage[1].lower().rstrip("s")}
            self.write_all([("move_deal_stage", moved), ("update_deal", {"deal_id": deal["id"], "changes": changes})])
        self.write("update_deal", deal_id=deal["id"], changes=changes)

    def do_move_deal_stage(self) -> None:
        self.need("stage", hint="Which stage: prospecting, qualification, proposal, negotiation, won or lost?")
        if self.slots["stage"] == "closed_lost":
            self.need("reason", hint="Why was it lost?")
        deal = self._deal()
        moved = {
            "deal_id": deal["id"],
            "stage": self.slots["stage"],
            "reason": self.slots.get("reason"),
            "amount": self.slots.get("amount"),
        }
        today = self.model.now().date()
        when = find_date(self.text, today) if _NEW_CLOSE_DATE.search(self.text) else None
        if when is not None and when.value >= today and self.slots["stage"] not in ("closed_won", "closed_lost"):
            # "they'll sign by dec 1 - move the close date and set it to proposal": both changes, one approval
            self.write_all(
                [
                    ("move_deal_stage", {k: v for k, v in moved.items() if v is not None}),
                    ("update_deal", {"deal_id": deal["id"], "changes": {"close_date": when.value}}),
                ]
            )
        self.write("move_deal_stage", **moved)

    def _deal(self) -> dict[str, Any]:
        """The deal the request names: by deal name first, else the one open deal of the named account; a deal said to
        be someone's ("carlos's orbitpath platform deal") only among that person's deals.

        "Dana is lost" names a lead, not a deal: that becomes the lead's status change.
        """
        owned = self._owned_deal()
        if owned is not None:
            return owned
        deal = self.find(["deal"], what="a deal", required=False)
        if deal is not None:
            return deal
        account = self.find(["account"], what="a deal or account", required=self.slots.get("stage") != "closed_lost")
        if account is None:
            lead = self.find(["lead"], what="a deal, account or lead")
            self.write("update_lead_status", lead_id=lead["id"], status="lost", reason=self.slots.get("reason"))
        deals: list[dict[str, Any]] = self.call("search_deals", account_id=account["id"], open_only=True, limit=10)[
            "data"
        ]["deals"]
        if len(deals) == 1:
            return deals[0]
        if deals:
            self.answer(
                "clarify",
                candidates=[{"name": d["deal_name"], "type": "deal", "detail": d["stage"]} for d in deals],
                confirm=False,
            )
        self.answer("not_found", what="an open deal of", name=account["name"], writing=self.writing)
        raise AssertionError("unreachable")

    def _owned_deal(self) -> dict[str, Any] | None:
        """The deal of the person a possessive names ("carlos's orbitpath platform deal"), found among their open deals
        (`search_deals` with `owner`, which says when the caller may not see them; a closed deal's lost reason is
        other people's text, which would withhold the write); None when the possessive names no teammate ("acme's
        deal") or none is said."""
        said = (
            _OWNER_OF_DEAL.search(self.text)
            or _OWNER_OF_NAMED_DEAL.search(self.text)
            or _OWNER_OF_NUMBERED_DEAL.search(self.text)
        )
        if said is None or said[1].lower() in STOPWORDS:
            return None
        words = " ".join(run.value for run in name_runs(said[2]))
        number = re.search(r"\b(\d{1,4})\b", said[2])
        key = f"{words} {number[1]}" if number else words
        named = {"query": words.split()[0]} if words else {}  # those the first word names: a teammate has many
        result = self.attempt("search_deals", owner=said[1], open_only=True, limit=50, **named)
        if named and result.get("ok") and not any(covers(key, str(d["deal_name"])) for d in result["data"]["deals"]):
            by_number = {"query": number[1]} if number else {}  # a typo in that word: the deal's number, else all
            result = self.attempt("search_deals", owner=said[1], open_only=True, limit=50, **by_number)
        error = result.get("error") or {}
        if not result.get("ok") and error.get("code") == "not_found" and error.get("field") == "owner":
            return None  # no teammate by that name: an account's or a record's name
        if not result.get("ok"):
            reason = error.get("reason", "it failed")
            self.answer("error", field=None, reason=f"you can't change {said[1].capitalize()}'s deals here ({reason}).")
        deals = [d for d in result["data"]["deals"] if key.strip() and covers(key, str(d["deal_name"]))]
        if len(deals) == 1:
            return {"type": "deal", "id": deals[0]["id"], "name": deals[0]["deal_name"]}
        if deals:
            self.answer(
                "clarify",
                candidates=[{"name": d["deal_name"], "type": "deal", "detail": d.get("stage")} for d in deals[:4]],
                confirm=False,
            )
        self.answer(
            "not_found", what=f"a deal of {said[1].capitalize()}'s", name=key.strip() or said[2], writing=self.writing
        )
        raise AssertionError("unreachable")

    def do_pipeline(self) -> None:
        company = self._pipeline_of()
        if company is not None:  # "novaline pipeline?": that account's open deals
            self.slots = {**self.slots, "name": company}
            self.do_list_deals()
        scope = self.slots.get("scope") or (
            "team" if self.role == "manager" else "mine" if self.role == "rep" else "all"
        )
        data = self.call(
            "pipeline_summary",
            scope=scope,
            group_by=self.slots.get("group_by") or "stage",
            period=self.slots.get("period"),
        )["data"]
        title = {"mine": "Your pipeline", "team": "Your team's pipeline", "all": "The pipeline"}[scope]
        if data["group_by"] == "owner":  # "which rep has the biggest pipeline": the biggest first, named
            data = {**data, "rows": sorted(data["rows"], key=lambda r: -float(r.get("amount") or 0))}
        reps = []
        if scope == "team" and data["group_by"] == "stage":  # a manager's team pipeline says who holds it too
            owners = self.call("pipeline_summary", scope=scope, group_by="owner", period=self.slots.get("period"))[
                "data"
            ]
            reps = sorted(owners["rows"], key=lambda r: -float(r.get("amount") or 0))
        self.answer(
            "pipeline", d=data, title=title + (" by owner" if data["group_by"] == "owner" else " by stage"), reps=reps
        )

    def _pipeline_of(self) -> str | None:
        """The one account whose pipeline the words ask for ("novaline pipeline?", "pipeline for acme corp"); None
        for a person's, the team's or a period's."""
        said = _PIPELINE_OF.search(self.text)
        words = (said[1] or said[2]) if said else ""
        if not words or any(w in STOPWORDS or find_period(w) is not None for w in words.lower().split()):
            return None
        found = self.call("search_crm", query=words, types=["account"], limit=8)["data"]
        return words if any(covers(words, str(h["name"])) for h in found) else None

    def do_stuck_deals(self) -> None:
        days = int(self.slots.get("days") or 14)
        least = self._floor().get("min_amount")  # "anything stuck?" - "only the ones over 100k"
        data = self.call("stuck_deals", min_days=days, scope=self._scope(), limit=10 if least is None else 50)["data"]
        self.answer(
            "deals",
            deals=[d for d in data["deals"] if least is None or Decimal(str(d.get("amount") or 0)) >= least],
            title=f"Deals with no stage change for more than {days} days",
            empty=f"No deals have been stuck for more than {days} days.",
        )

    def do_deals_closing(self) -> None:
        within = self.slots.get("within_days")
        if within:
            data = self.call("deals_closing", period="this_month", scope=self._scope(), limit=20, within_days=within)[
                "data"
            ]
            self.answer(
                "deals",
                deals=data["deals"],
                title=f"Open deals closing in the next {within} days ({data['from']} to {data['to']})",
                empty=f"No open deals close in the next {within} days.",
            )
        period = self.slots.get("period") or "this_month"
        data = self.call("deals_closing", period=period, scope=self._scope(), limit=20)["data"]
        if period == "overdue":
            self.answer(
                "deals",
                deals=data["deals"],
                title="Open deals past their close date",
                empty="No open deal is past its close date.",
            )
        label = period_words(period)
        self.answer(
            "deals",
            deals=data["deals"],
            title=f"Open deals closing {label} ({data['from']} to {data['to']})",
            empty=f"No open deals close {label}.",
        )
