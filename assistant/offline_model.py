"""The offline model: no LLM. It understands a request (intent + slots), reaches the CRM only
through tools (search, then act), asks when something is missing or ambiguous, and answers
from the templates in prompts/offline/.

It keeps no state: every step re-reads the conversation, the current request and the tool
results of this turn, and decides the next tool call or the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz

from assistant.messages import Message, ModelResponse, TextDelta, ToolCall
from assistant.offline import IntentClassifier, Parse, understand
from assistant.offline.dialogue import (
    Focus,
    asked_field,
    focus_of,
    is_howto,
    is_question,
    out_of_scope,
    smalltalk,
)
from assistant.offline.nlu import FILLERS, read_slots
from assistant.offline.slots import find_name
from prompts import render
from store.clock import utcnow
from store.embeddings import Embedder
from tools.spec import ToolSpec

ASK, CLARIFY = "To do that I need", "Which one did you mean?"
FREE_TEXT = {"reason", "body", "subject", "title", "notes"}
MATCH_FLOOR, TIE_MARGIN = 60, 4
# A write names its record for sure only when the match is exact, or scores at least WRITE_FLOOR with no other
# record within WRITE_MARGIN (search_crm's 0-100 score); anything weaker is asked back as "which one".
WRITE_FLOOR, WRITE_MARGIN = 88, 8
# Below this kNN confidence a write intent is not acted on (measured: under 0.85, about 4 in 10 were right).
WRITE_CONFIDENCE = 0.85
WRITES = {"create_lead", "update_lead_status", "convert_lead", "create_deal", "update_deal", "move_deal_stage", "log_call",
          "add_note", "schedule_meeting", "create_task", "create_ticket", "update_ticket"}
READS = {"show_record", "pipeline", "stuck_deals", "deals_closing", "my_tasks", "list_tickets", "help"}
PERSON, ANYTHING = ["contact", "lead"], ["contact", "lead", "account", "deal"]
NEXT_VIEW = {"contact": ("get_contact", "contact_id"), "account": ("get_account", "account_id"),
             "lead": ("get_lead", "lead_id"), "deal": ("get_deal", "deal_id")}


@dataclass
class Step:
    """A tool this turn already called, with its arguments and parsed result."""

    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class Done(Exception):
    """Raised by a plan with the message to send (a tool call or the answer)."""

    def __init__(self, message: Message) -> None:
        self.message = message


class OfflineModel:
    """A `ChatModel` that plans tool calls from intent classification and slot extraction."""

    name = "offline"

    def __init__(self, embedder: Embedder, *, now: Callable[[], datetime] | None = None) -> None:
        self.classifier = IntentClassifier(embedder)
        self.now = now or utcnow
        self._counter = 0

    async def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        parse, steps, role = self._read(messages)
        last_user = max(i for i, m in enumerate(messages) if m.role == "user")
        text = messages[last_user].content or ""
        focus = focus_of(messages[:last_user])
        try:
            Plan(self, parse, steps, role, {t.name for t in tools}, text, focus).run()
        except Done as done:
            return ModelResponse(done.message)
        raise AssertionError("a plan always ends with Done")

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> AsyncIterator[TextDelta | ModelResponse]:
        response = await self.request(messages, tools)
        if response.message.content:
            yield TextDelta(response.message.content)
        yield response

    def warm_up(self) -> None:
        """Load the model and embed the examples now rather than on the first request (spaCy stays lazy: only
        some messages need it, and a server should start fast)."""
        self.classifier.classify("hello")

    def _read(self, messages: Sequence[Message]) -> tuple[Parse, list[Step], str]:
        """The request to serve (merged with the one we asked about), this turn's steps and the caller's role."""
        last_user = max(i for i, m in enumerate(messages) if m.role == "user")
        text = messages[last_user].content or ""
        before = [m for m in messages[:last_user] if m.role in ("user", "assistant") and m.content]
        now = self.now()
        parse = None
        if len(before) >= 2 and before[-1].role == "assistant" and before[-1].content.startswith((ASK, CLARIFY)):
            original = understand(before[-2].content or "", now=now, classifier=self.classifier)
            if before[-1].content.startswith(CLARIFY):
                chosen = _choose(before[-1].content, text)
                if chosen:
                    parse = Parse(original.intent, original.confidence, {**original.slots, "name": chosen})
            elif original.intent in FILLERS:
                slots = FILLERS[original.intent](f"{before[-2].content}. {text}", now)
                asked = re.match(r"To do that I need (\w+)\.", before[-1].content)
                if asked and asked[1] in FREE_TEXT and not smalltalk(text):
                    slots[asked[1]] = text.strip().rstrip(".")  # the reply to "I need reason" is the reason
                parse = Parse(original.intent, original.confidence, {**original.slots, **slots})
        parse = parse or understand(text, now=now, classifier=self.classifier)
        calls = {c.id: c for m in messages[last_user:] if m.role == "assistant" for c in m.tool_calls}
        steps = [Step(calls[m.tool_call_id].name, json.loads(calls[m.tool_call_id].arguments or "{}"), json.loads(m.content or "{}"))
                 for m in messages[last_user:] if m.role == "tool" and m.tool_call_id in calls]
        system = messages[0].content if messages and messages[0].role == "system" else ""
        role = (re.search(r"role is (\w+)", system or "") or [None, "rep"])[1]
        return parse, steps, role

    def next_id(self) -> str:
        self._counter += 1
        return f"offline_{self._counter}"


def _covers(query: str, name: str) -> bool:
    """Whether every word the user wrote is in the record's name (typos allowed: rapidfuzz ratio >= 80 per word)."""
    words = [w for w in re.findall(r"[a-z0-9]+", query.lower()) if w not in _NAME_NOISE]
    have = re.findall(r"[a-z0-9]+", name.lower())
    return bool(words) and all(any(w == h or (len(w) > 3 and fuzz.ratio(w, h) >= 80) for h in have) for w in words)


_NAME_NOISE = {"the", "a", "an", "deal", "deals", "opportunity", "opp", "account", "lead", "contact", "corp", "inc", "co", "s"}
ORDINALS = ["first", "second", "third", "fourth", "fifth"]
_YES = re.compile(r"^\W*(?:y|yes|yep|yeah|sure|ok|okay|correct|right|that one|exactly)\W*$", re.I)


def _choose(question: str, reply: str) -> str | None:
    """The candidate a reply to our "which one" question picks: by number, by name, by a word of its details
    ("the one at Globex"), or "yes" when there was one candidate."""
    lines = re.findall(r"^\d+\. (.+)$", question, re.M)
    options = [re.sub(r" \(.*$", "", line) for line in lines]
    number = re.search(r"\b(\d)\b|\b(first|second|third|fourth|fifth|last)\b", reply, re.I)
    if number:
        word = (number.group(2) or "").lower()
        index = int(number.group(1)) if number.group(1) else len(options) if word == "last" else ORDINALS.index(word) + 1
        if 1 <= index <= len(options):
            return options[index - 1]
    if len(options) == 1 and _YES.match(reply):
        return options[0]
    lowered = reply.lower()
    picked = [o for o in options if o.lower() in lowered or lowered in o.lower()]
    if len(picked) == 1:
        return picked[0]
    words = {w for w in re.findall(r"[a-z0-9]+", lowered) if len(w) > 2 and w not in _FILLER_WORDS}
    scored = [(len(words & set(re.findall(r"[a-z0-9]+", line.lower()))), option) for line, option in zip(lines, options)]
    best = max((n for n, _ in scored), default=0)
    top = [option for n, option in scored if n == best]
    return top[0] if best and len(top) == 1 else None


_FILLER_WORDS = {"the", "one", "that", "this", "with", "from", "for", "and", "deal", "contact", "lead", "account", "mean", "meant"}


class Plan:
    """One intent's sequence of tool calls, resumed from the steps already taken."""

    def __init__(self, model: OfflineModel, parse: Parse, steps: list[Step], role: str, tools: set[str], text: str,
                 focus: Focus | None = None) -> None:
        self.model, self.parse, self.steps, self.role, self.tools, self.text = model, parse, steps, role, tools, text
        self.slots = parse.slots
        self.focus = focus or Focus()
        self.writing = parse.intent in WRITES

    # -- building blocks ------------------------------------------------------------------------

    def answer(self, template: str, **values: Any) -> None:
        raise Done(Message("assistant", render(f"offline/{template}.md", **values)))

    def call(self, name: str, **arguments: Any) -> dict[str, Any]:
        """The result of `name(arguments)` if this turn called it already; else call it now."""
        for step in self.steps:
            if step.name == name and step.arguments == _jsonable(arguments):
                if not step.result.get("ok", False):
                    error = step.result.get("error", {})
                    self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
                return step.result
        if name not in self.tools:
            self.answer("error", field=None, reason=f"your role cannot use {name.replace('_', ' ')}.")
        raise Done(Message("assistant", None, tool_calls=[ToolCall(self.model.next_id(), name, json.dumps(_jsonable(arguments)))]))

    def write(self, name: str, **arguments: Any) -> None:
        """Propose a write (the loop pauses for approval); if it was refused at proposal, say why."""
        self.call(name, **{k: v for k, v in arguments.items() if v is not None})
        self.answer("error", field=None, reason="the change was not accepted.")

    def need(self, *slots: str, hint: str = "") -> None:
        missing = [s for s in slots if self.slots.get(s) in (None, "", [])]
        if missing:
            self.answer("ask", missing=" and ".join(s.replace("_", " ") for s in missing), hint=hint)

    def find(self, kinds: list[str], *, what: str = "a record", required: bool = True) -> dict[str, Any] | None:
        """Resolve the request's `name` slot to one record of `kinds`, asking when it is ambiguous."""
        name = self.slots.get("name")
        if not name:
            focused = self.focus.of(kinds)
            if focused is not None and focused.get("id"):
                return focused
            name = focused["name"] if focused else None
        if not name:
            if required:
                self.need("name", hint=f"Who or what is it about ({what})?")
            return None
        hits = [h for h in self.call("search_crm", query=str(name), types=kinds, limit=5)["data"] if h["score"] >= MATCH_FLOOR]
        exact = [h for h in hits if h["exact"]]
        if len(exact) == 1:
            return exact[0]
        if not hits:
            if required:
                self.answer("not_found", what=what, name=name)
            return None
        if self.writing:  # never act on a guess: a near tie or a weak match is asked back
            covering = [h for h in hits if _covers(str(name), h["name"])]
            own = [h for h in covering if h.get("mine")]
            if len(covering) == 1 or len(own) == 1:  # the one record every word names (the user's own among several)
                return (own or covering)[0]
            rivals = [h for h in hits[1:] if h["score"] >= hits[0]["score"] - WRITE_MARGIN and h["name"] != hits[0]["name"]]
            if hits[0]["score"] < WRITE_FLOOR or rivals or len(covering) > 1:
                self.answer("clarify", candidates=(covering or [hits[0], *rivals])[:4])
            return hits[0]
        close = [h for h in hits if h["score"] >= hits[0]["score"] - TIE_MARGIN]
        own = [h for h in close if h.get("mine") and _covers(str(name), h["name"])]
        if len(own) == 1 and len(close) > 1:
            return own[0]
        if len(close) > 1 and len({h["name"] for h in close}) > 1:
            self.answer("clarify", candidates=close)
        return hits[0]

    # -- the plans, one per intent ------------------------------------------------------------------

    def run(self) -> None:
        text = self.text
        if self.role == "customer" and "kb_search" in self.tools:
            self.do_kb_question()
        kind = smalltalk(text)
        if kind:
            self.answer("smalltalk", kind=kind)
        if _SEND_IT.match(text) and self.focus.draft_id:
            self.writing = True
            self.write("send_email", email_id=self.focus.draft_id)
        if "search_conversations" in self.tools and _SEEN_BEFORE.search(text):
            self.do_memory()
        howto = "kb_search" in self.tools and is_howto(text)
        cannot = None if howto else out_of_scope(text)
        if cannot:
            self.answer("cannot", what=cannot)
        for pattern, insight in _INSIGHTS:
            if pattern.search(text):
                self.writing = False
                getattr(self, f"do_{insight}")()
        if howto or ("kb_search" in self.tools and self.parse.intent == "unknown" and _QUESTION.search(text)):
            self.do_kb_question()
        intent = self.parse.intent
        if is_question(text) and intent not in ("help",):
            intent = self._read_intent()
        elif intent in WRITES and self.parse.confidence < WRITE_CONFIDENCE and not self._evident(intent):
            self.answer("help", unknown=True)
        self.writing = intent in WRITES
        handler = getattr(self, f"do_{intent}", None)
        if handler is None:
            self.answer("help", unknown=intent != "help")
        handler()

    def _evident(self, intent: str) -> bool:
        """Whether the message carries what the write needs (a weakly classified write is acted on only then)."""
        return any(all(self.slots.get(k) not in (None, "", []) for k in keys) for keys in EVIDENCE.get(intent, ()))

    def _read_intent(self) -> str:
        """The read a question asks for: a question is never turned into a write (nor asked for a write's field)."""
        lowered, intent = self.text.lower(), self.parse.intent
        self.slots = {**read_slots(self.text, self.model.now()), **{k: v for k, v in self.slots.items() if k == "name" and intent in READS}}
        person = self.slots.get("person")
        if person and self.role in ("manager", "admin") and "team_tasks" in self.tools and _TASK_WORDS.search(lowered):
            return "team_tasks"
        if _MEETING_WORDS.search(lowered):
            return "my_meetings"
        if _TASK_WORDS.search(lowered) and not self.slots.get("name"):
            return "my_tasks"
        if self.slots.get("ticket_number"):
            return "show_ticket"
        if re.search(r"\btickets\b|\bsupport (?:issues|cases|requests)\b|\bcomplaints\b|\bescalations\b", lowered):
            return "list_tickets"
        if re.search(r"\bleads\b", lowered) and not self.slots.get("name"):
            return "list_leads"
        if re.search(r"\b(?:deals|opportunities|opps)\b", lowered) and self.slots.get("name") and not re.search(
                r"\b(?:stuck|stalled|closing|close|pipeline|moved?|movement|total|sum)\b", lowered):
            return "list_deals"
        if intent in ("pipeline", "stuck_deals", "deals_closing", "list_tickets", "my_tasks"):
            return intent
        if intent == "show_record" or self.slots.get("name") or self.focus.records:
            return "show_record"
        return intent if intent in READS else "help"

    def do_memory(self) -> None:
        """Earlier tickets and conversations like the problem the user describes."""
        problem = _SEEN_BEFORE.sub(" ", self.text).strip(" ?.,:;-") or self.text
        matches = [m for m in self.call("search_conversations", query=problem, limit=5)["data"] if m["score"] >= MEMORY_FLOOR]
        self.answer("memory", matches=matches, problem=problem)

    def do_kb_question(self) -> None:
        """Answer from the help center only, with the passage composed for the question's need (store.knowledge.answers),
        cited as [1]; say so plainly when nothing matches. Staff questions that the help center does not answer go on
        to the CRM intents."""
        data = self.call("kb_search", query=self.text, limit=3)["data"]
        if not data["found"]:
            if self.role == "customer":
                self.answer("kb_not_found")
            if self.parse.intent == "unknown":
                self.answer("help", unknown=True)
            return
        self.answer("kb_answer", body=data["answer"]["text"], others=data["passages"][1:])

    def _named(self, kinds: list[str], what: str, *, required: bool = True) -> dict[str, Any] | None:
        """The record the request names after "to", "for", "on", "about", "with" or "of"."""
        found = find_name(self.text, after=("to", "for", "on", "about", "with", "of", "is"))
        self.slots = {**self.slots, "name": found.value if found else None}
        return self.find(kinds, what=what, required=required)

    def do_draft_email(self) -> None:
        """A draft to a contact or lead, or to the primary contact of a deal (or of an account's open deal)."""
        record = self._named(ANYTHING, "a contact, lead, deal or account")
        kind, record_id = record["type"], record["id"]
        if kind == "account":
            deals = self.call("search_deals", account_id=record_id, open_only=True, limit=1)["data"]["deals"]
            if not deals:
                self.answer("not_found", what="an open deal of", name=record["name"])
            kind, record_id = "deal", deals[0]["id"]
        lowered = self.text.lower()
        purpose = next((p for word, p in _PURPOSES if word in lowered), "follow_up")
        tone = next((t for word, t in _TONES if word in lowered), "friendly")
        topic = re.search(r"\b(?:about|regarding|re:|on the subject of|covering)\s+(.+?)\s*[.?!]*$", self.text, re.I)
        notes = f"About {topic[1]}." if topic else None
        data = self.call("draft_email", **{f"{kind}_id": record_id}, purpose=purpose, tone=tone, notes=notes)["data"]
        self.answer("draft", d=data)

    def do_explain_score(self) -> None:
        lead = self._named(["lead"], "a lead")
        self.answer("score", d=self.call("explain_score", lead_id=lead["id"])["data"])

    def do_next_best_action(self) -> None:
        record = self._named(["deal", "lead", "contact"], "a deal, lead or contact")
        self.answer("next_actions", d=self.call("next_best_action", record_type=record["type"], record_id=record["id"])["data"])

    def do_anomalies(self) -> None:
        days = 30 if "month" in self.text.lower() else 7
        self.answer("alerts", d=self.call("find_anomalies", days=days)["data"])

    def do_forecast(self) -> None:
        if re.search(r"\btickets?\b|\bsupport\b|\bvolume\b", self.text, re.I):
            self.answer("ticket_forecast", d=self.call("forecast_tickets", days=14)["data"])
        self.answer("forecast", d=self.call("forecast_pipeline", quarters=2)["data"])

    def do_summarize(self) -> None:
        number = re.search(r"(?:#|\bticket\s*#?\s*)(\d{3,})\b", self.text, re.I)
        if number:
            self.answer("summary", d=self.call("summarize_ticket", number=int(number.group(1)))["data"])
        record = self._named(["account"], "a ticket number or an account")
        self.answer("summary", d=self.call("summarize_account_status", account_id=record["id"])["data"])

    def do_create_lead(self) -> None:
        self.need("first_name", "last_name", "email", hint="For example: Dana Whitfield, dana@brightwave.io.")
        self.need("source", hint="Where did the lead come from: website, referral, event, cold call or social media?")
        s = self.slots
        self.write("create_lead", first_name=s["first_name"], last_name=s["last_name"], email=s["email"], source=s["source"],
                   company=s.get("company"), title=s.get("title"), phone=s.get("phone"))

    def do_show_record(self) -> None:
        record = self.find(ANYTHING, what="a contact, lead, account or deal")
        tool, arg = NEXT_VIEW[record["type"]]
        data = self.call(tool, **{arg: record["id"]})["data"]
        field = asked_field(self.text) if is_question(self.text) else None
        if field:
            self._answer_field(record["type"], data, field)
        if record["type"] in ("contact", "account"):
            self.answer(record["type"], v=data)
        self.answer(record["type"], d=data)

    def _answer_field(self, kind: str, data: dict[str, Any], field: str) -> None:
        """One field of the record, said first; the view follows when the field is not one it holds."""
        own = data.get(kind) if kind in ("contact", "account") else data
        if not isinstance(own, dict) or field not in FIELD_KEYS.get(kind, {}):
            return
        key = FIELD_KEYS[kind][field]
        value = own.get(key)
        fallback = ""
        if field == "mobile" and not value and own.get("phone"):
            fallback = f"the phone number is {own['phone']}"
        if field == "amount" and value is not None:
            from prompts.money import money_short

            value = money_short(value)
        label = {"close_date": "close date", "owner": "owner"}.get(field, field)
        self.answer("field", name=own.get("name") or own.get("deal_name") or "", label=label, value=value, fallback=fallback)

    def do_list_leads(self) -> None:
        status = self.slots.get("lead_status")
        data = self.call("search_leads", query=None, status=status, limit=20)["data"]
        leads = [lead for lead in data["leads"] if status or lead["status"] not in ("converted", "lost")]
        title = f"{'Your ' if self.role == 'rep' else ''}{status or 'open'} leads".strip()
        self.answer("leads", leads=leads, total=len(leads) if not status else data["total"], title=title[0].upper() + title[1:])

    def do_list_deals(self) -> None:
        account = self.find(["account"], what="an account")
        open_only = not re.search(r"\b(?:all|closed|won|lost|past)\b", self.text, re.I)
        data = self.call("search_deals", account_id=account["id"], open_only=open_only, limit=20)["data"]
        self.answer("deals", deals=data["deals"], title=f"{'Open deals' if open_only else 'Deals'} of {account['name']}",
                    empty=f"{account['name']} has no {'open ' if open_only else ''}deals.")

    def do_my_meetings(self) -> None:
        period = self.slots.get("period") if self.slots.get("period") in MEETING_PERIODS else "this_week"
        if re.search(r"\btomorrow\b", self.text, re.I):
            period = "next_week" if self.model.now().weekday() == 6 else "this_week"
        data = self.call("my_meetings", period=period)["data"]
        self.answer("meetings", meetings=data, label=period.replace("_", " "))

    def do_team_tasks(self) -> None:
        period = self.slots.get("period") or ("overdue" if re.search(r"\bbehind\b|\boverdue\b|\blate\b", self.text, re.I) else None)
        data = self.call("team_tasks", person=str(self.slots["person"]), period=period)["data"]
        self.answer("tasks", tasks=data["tasks"], period=period, person=data["person"], label="overdue" if period == "overdue" else "")

    def do_show_ticket(self) -> None:
        self.answer("ticket", d=self.call("get_ticket", number=int(self.slots["ticket_number"]))["data"])

    def do_update_lead_status(self) -> None:
        self.need("status", hint="Contacted, qualified or lost?")
        if self.slots["status"] == "lost":
            self.need("reason", hint="Why was the lead lost?")
        lead = self.find(["lead"], what="a lead")
        self.write("update_lead_status", lead_id=lead["id"], status=self.slots["status"], reason=self.slots.get("reason"),
                   **{k: self.slots.get(k) for k in ("budget", "authority", "need", "timeline")})

    def do_convert_lead(self) -> None:
        lead = self.find(["lead"], what="a lead")
        self.write("convert_lead", lead_id=lead["id"], amount=self.slots.get("amount"), close_date=self.slots.get("close_date"),
                   deal_name=self.slots.get("deal_name"))

    def do_create_deal(self) -> None:
        self.need("amount", hint="How much is the deal worth?")
        account = self.find(["account"], what="an account", required=False)
        company = account["name"] if account else self.slots.get("name") or "New deal"
        named = self.slots.get("deal_name")
        if named and account and account["name"].lower() not in str(named).lower():
            named = f"{account['name']} - {str(named)[:1].upper()}{str(named)[1:]}"
        self.write("create_deal", deal_name=named or f"{company} - New Business", amount=self.slots["amount"],
                   account_id=account and account["id"], close_date=self.slots.get("close_date"))

    def do_update_deal(self) -> None:
        changes = {k: self.slots[k] for k in ("amount", "close_date") if self.slots.get(k) is not None}
        if not changes:
            self.need("amount", hint="What should change: the amount or the close date?")
        deal = self._deal()
        self.write("update_deal", deal_id=deal["id"], changes=changes)

    def do_move_deal_stage(self) -> None:
        self.need("stage", hint="Which stage: prospecting, qualification, proposal, negotiation, won or lost?")
        if self.slots["stage"] == "closed_lost":
            self.need("reason", hint="Why was it lost?")
        deal = self._deal()
        self.write("move_deal_stage", deal_id=deal["id"], stage=self.slots["stage"], reason=self.slots.get("reason"))

    def _deal(self) -> dict[str, Any]:
        """The deal the request names: by deal name first, else the one open deal of the named account.

        "Dana is lost" names a lead, not a deal: that becomes the lead's status change.
        """
        deal = self.find(["deal"], what="a deal", required=False)
        if deal is not None:
            return deal
        account = self.find(["account"], what="a deal or account", required=self.slots.get("stage") != "closed_lost")
        if account is None:
            lead = self.find(["lead"], what="a deal, account or lead")
            self.write("update_lead_status", lead_id=lead["id"], status="lost", reason=self.slots.get("reason"))
        deals = self.call("search_deals", account_id=account["id"], open_only=True, limit=10)["data"]["deals"]
        if len(deals) == 1:
            return deals[0]
        if deals:
            self.answer("clarify", candidates=[{"name": d["deal_name"], "type": "deal", "detail": d["stage"]} for d in deals])
        self.answer("not_found", what="an open deal of", name=account["name"])
        raise AssertionError("unreachable")

    def do_pipeline(self) -> None:
        scope = self.slots.get("scope") or ("team" if self.role == "manager" else "mine" if self.role == "rep" else "all")
        data = self.call("pipeline_summary", scope=scope, group_by=self.slots.get("group_by") or "stage", period=self.slots.get("period"))["data"]
        title = {"mine": "Your pipeline", "team": "Your team's pipeline", "all": "The pipeline"}[scope]
        self.answer("pipeline", d=data, title=title + (" by owner" if data["group_by"] == "owner" else " by stage"))

    def do_stuck_deals(self) -> None:
        days = int(self.slots.get("days") or 14)
        data = self.call("stuck_deals", min_days=days, scope=self._scope(), limit=10)["data"]
        self.answer("deals", deals=data["deals"], title=f"Deals with no stage change for more than {days} days",
                    empty=f"No deals have been stuck for more than {days} days.")

    def do_deals_closing(self) -> None:
        within = self.slots.get("within_days")
        if within:
            data = self.call("deals_closing", period="this_month", scope=self._scope(), limit=20, within_days=within)["data"]
            self.answer("deals", deals=data["deals"], title=f"Open deals closing in the next {within} days ({data['from']} to {data['to']})",
                        empty=f"No open deals close in the next {within} days.")
        period = self.slots.get("period") or "this_month"
        data = self.call("deals_closing", period=period, scope=self._scope(), limit=20)["data"]
        label = period.replace("_", " ")
        self.answer("deals", deals=data["deals"], title=f"Open deals closing {label} ({data['from']} to {data['to']})",
                    empty=f"No open deals close {label}.")

    def _scope(self) -> str:
        return self.slots.get("scope") or ("team" if self.role == "manager" else "mine" if self.role == "rep" else "all")

    def do_log_call(self) -> None:
        who = self.find(PERSON, what="a contact or lead")
        self.write("log_call", contact_id=who["id"] if who["type"] == "contact" else None, lead_id=who["id"] if who["type"] == "lead" else None,
                   notes=self.slots.get("notes"), direction=self.slots.get("direction"), duration_minutes=self.slots.get("duration_minutes"))

    def do_add_note(self) -> None:
        self.need("body", hint="What should the note say?")
        record = self.find(ANYTHING, what="a record")
        self.write("add_note", related_type=record["type"], related_id=record["id"], body=self.slots["body"])

    def do_schedule_meeting(self) -> None:
        self.need("start", hint="When (for example: next Wednesday at 10am)?")
        people = []
        for name in self.slots.get("names") or [self.slots.get("name")]:
            self.slots = {**self.slots, "name": name}
            people.append(self.find(["contact"], what="a contact")["id"])
        self.write("schedule_meeting", title=self.slots.get("title") or "Meeting", start_at=self.slots["start"],
                   contact_ids=list(dict.fromkeys(people)), duration_minutes=self.slots.get("duration_minutes"))

    def do_create_task(self) -> None:
        self.need("title", hint="What should I remind you to do?")
        related = self.find(ANYTHING, what="a record", required=False)
        title = str(self.slots["title"])
        if related and related.get("name") and not self.slots.get("name"):
            title = re.sub(r"\b(?:him|her|them|it)\b", related["name"], title, count=1)
        self.write("create_task", title=title, due_date=self.slots.get("due_date"), priority=self.slots.get("priority"),
                   related_type=related and related["type"], related_id=related and related["id"])

    def do_my_tasks(self) -> None:
        period, within = self.slots.get("period"), self.slots.get("within_days")
        if within:
            data = self.call("my_tasks", period=None, include_done=False, within_days=within)["data"]
            self.answer("tasks", tasks=data["tasks"], period=None, label=f"due in the next {within} days")
        data = self.call("my_tasks", period=period, include_done=False)["data"]
        self.answer("tasks", tasks=data["tasks"], period=period, label="overdue" if period == "overdue" else "")

    def do_list_tickets(self) -> None:
        record = self.find(["account", "contact"], what="an account or contact", required=False)
        status = self.slots.get("status")
        arguments = {"query": None, "status": status, "priority": self.slots.get("priority"),
                     "account_id": record["id"] if record and record["type"] == "account" else None,
                     "contact_id": record["id"] if record and record["type"] == "contact" else None,
                     "open_only": status is None, "limit": 10}
        data = self.call("search_tickets", **arguments)["data"]
        title = f"{(status or 'open').capitalize()} tickets" + (f" for {record['name']}" if record else "")
        self.answer("tickets", tickets=data["tickets"], total=data["total"], title=title)

    def do_create_ticket(self) -> None:
        self.need("subject", hint="What is the problem?")
        who = self.find(["contact"], what="a contact", required=False)
        self.write("create_ticket", subject=self.slots["subject"], priority=self.slots.get("priority") or "medium",
                   requester_contact_id=who and who["id"])

    def do_update_ticket(self) -> None:
        self.need("ticket_number", hint="Which ticket number?")
        changes = {k: self.slots[k] for k in ("status", "priority") if self.slots.get(k)}
        if not changes:
            self.need("status", hint="What should change: the status or the priority?")
        self.write("update_ticket", number=self.slots["ticket_number"], changes=changes)


EVIDENCE: dict[str, tuple[tuple[str, ...], ...]] = {
    "create_lead": (("first_name", "email"),), "update_lead_status": (("status", "name"),), "convert_lead": (("name",),),
    "create_deal": (("amount",),), "update_deal": (("amount", "name"), ("close_date", "name")),
    "move_deal_stage": (("stage", "name"),), "log_call": (("name", "notes"),), "add_note": (("body", "name"),),
    "schedule_meeting": (("start", "name"),), "create_task": (("title",),), "create_ticket": (("subject",),),
    "update_ticket": (("ticket_number", "status"), ("ticket_number", "priority")),
}
FIELD_KEYS = {
    "contact": {"phone": "phone", "mobile": "mobile", "email": "email", "title": "title", "owner": "owner"},
    "lead": {"phone": "phone", "email": "email", "title": "title", "score": "score", "stage": "status", "owner": "owner"},
    "account": {"owner": "owner", "phone": "phone"},
    "deal": {"amount": "amount", "close_date": "close_date", "stage": "stage", "owner": "owner"},
}
MEETING_PERIODS = ("today", "this_week", "next_week", "this_month", "next_month")
_TASK_WORDS = re.compile(r"\btasks?\b|\bto-?dos?\b|\bon my plate\b|\bbehind\b|\bto do list\b|\boverdue\b(?!.{0,20}\bdeals?\b)", re.I)
_MEETING_WORDS = re.compile(r"\bmeetings?\b|\bcalendar\b|\bagenda\b|\bappointments?\b|\bdiary\b", re.I)
_SEND_IT = re.compile(r"^\W*(?:(?:ok(?:ay)?|great|good|perfect|looks good|yes)[,.!\s]+)?(?:please\s+)?(?:go\s+ahead\s+and\s+)?"
                      r"(?:send|ship|fire\s+off|mail)\s*(?:it|that|this|the\s+draft|the\s+email|it\s+off|it\s+out)?\W*(?:now|please)?\W*$", re.I)
_INSIGHTS: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.I), name) for p, name in [
    (r"\b(?:draft|write|compose|prepare)\b.{0,40}\b(?:e-?mail|follow[- ]?up|message|intro|proposal|check[- ]?in|reply|"
     r"note\s+to)\b", "draft_email"),
    (r"\bwhy\b.{0,40}\bscor|\bexplain\b.{0,30}\bscore|\bscore\b.{0,30}\bwhy\b", "explain_score"),
    (r"\bnext best action\b|\bwhat should (?:i|we) do next\b|\bnext steps? (?:on|for|with)\b", "next_best_action"),
    (r"\b(?:unusual|anomal\w*|out of the ordinary|spikes?)\b|\bany (?:alerts|red flags)\b", "anomalies"),
    (r"\bforecast\b|\bwill we (?:close|win)\b|\b(?:expect(?:ed)?|going) to close\b(?!.{0,30}\b(?:month|week)\b)"
     r"|\bhow many tickets will\b", "forecast"),
    (r"\bsummar(?:y|i[sz]e)\b|\brecap\b|\btl;?dr\b", "summarize"),
]]
_PURPOSES = [("intro", "intro"), ("introduc", "intro"), ("demo", "demo"), ("proposal", "proposal"), ("check in", "check_in"),
             ("check-in", "check_in"), ("follow", "follow_up")]
_TONES = [("formal", "formal"), ("brief", "brief"), ("short", "brief"), ("friendly", "friendly"), ("casual", "friendly")]
_SEEN_BEFORE = re.compile(r"\b(have we|did we|has anyone)\b.*?\b(seen|had|hit|met)\b.*?\bbefore\b|\bsimilar (tickets?|issues?|cases?)\b", re.I)
MEMORY_FLOOR = 0.3
_QUESTION = re.compile(r"\?\s*$|^\s*(how|what|why|where|when|can|could|is|are|do|does|should|which|who)\b", re.I)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
