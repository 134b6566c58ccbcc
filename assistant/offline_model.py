"""The offline model: no LLM. It understands a request (intent + slots), reaches the CRM only
through tools (search, then act), asks when something is missing or ambiguous, and answers
from the templates in prompts/offline/.

It keeps no state: every step re-reads the conversation, the current request and the tool
results of this turn, and decides the next tool call or the answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from assistant.messages import Message, ModelResponse, TextDelta, ToolCall
from assistant.offline import IntentClassifier, Parse, compound, english, understand
from assistant.offline.amend import (
    corrected_values,
    draft_turn,
    is_correction,
    named_as,
    proposal_turn,
    proposed_tool,
    restyles,
    retarget,
    tells_more,
)
from assistant.offline.areas import asked_area
from assistant.offline.dialogue import (
    PART,
    Focus,
    asked_after_holding_off,
    company_in_brackets,
    focus_of,
    is_question,
    other_shown,
    smalltalk,
)
from assistant.offline.handoff import handoff
from assistant.offline.listed import line_pointed
from assistant.offline.nlu import FILLERS
from assistant.offline.plan import Plan
from assistant.offline.plan.core import WRITES, Done, Step
from assistant.offline.plan.route import SEND_IT
from assistant.offline.refine import refined
from assistant.offline.replies import (
    ASK,
    CLARIFY,
    YES,
    bant_reply,
    beyond_choice,
    choose,
    follow_up,
    object_first,
    object_implied,
    without_greeting,
)
from assistant.offline.slots import find_date
from prompts import render
from store.clock import utcnow
from store.embeddings import Embedder
from tools.spec import ToolSpec

log = logging.getLogger(__name__)
# The reads a part of a two-change message may make to find its record: none of them carries other people's text, which
# would withhold every write of the turn (a help-center search for a part that names nothing would).
_LOOKUPS = {"search_crm", "search_deals", "my_tasks", "find_tasks", "find_tickets"}  # what a part may look up first
# A part's reply that answers nothing asked (a question back, a failure, the help text): the message is planned whole
_NO_ANSWER = {
    "help",
    "ask",
    "clarify",
    "not_found",
    "not_found_near",
    "misread",
    "smalltalk",
    "cannot",
    "error",
    "failed",
}
_VIEWS = {"get_deal", "get_contact", "get_account", "get_lead"}  # what a question answered beside a write may read
FREE_TEXT = {"reason", "body", "subject", "title", "notes", "override_reason"}


class OfflineModel:
    """A `ChatModel` that plans tool calls from intent classification and slot extraction."""

    name = "offline"

    def __init__(self, embedder: Embedder, *, now: Callable[[], datetime] | None = None) -> None:
        self.classifier = IntentClassifier(embedder)
        self.now = now or utcnow
        self._counter = 0

    async def prepare(self, message: str) -> None:
        """Embed the message in a worker thread, off the event loop, ahead of the request that classifies it."""
        await asyncio.to_thread(self.classifier.prepare, english.plain_words(message))

    async def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        """The plan's next step; in a worker thread unless the last message is classified without embedding
        (prepared, or an earlier step's), since an embedding costs milliseconds of CPU that would hold up the event
        loop's other requests."""
        last = english.plain_words(next((m.content or "" for m in reversed(messages) if m.role == "user"), ""))
        if self.classifier.ready(last):
            return self._respond(messages, tools)
        return await asyncio.to_thread(self._respond, messages, tools)

    def _respond(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        parse, steps, role, text, fresh = self._read(messages)
        last_user = max(i for i, m in enumerate(messages) if m.role == "user")
        focus = focus_of(messages[:last_user])
        system = messages[0].content if messages and messages[0].role == "system" else ""
        caller = (re.search(r"<([^<>\s]+@[^<>\s]+)>", system or "") or [None, None])[1]
        latest = english.plain_words(messages[last_user].content or "")
        names = {t.name for t in tools}
        try:
            if fresh and (requests := compound.parts(text)) is not None:
                writes = {t.name for t in tools if t.writes}
                together = self._together(requests, steps, role, names, writes, focus, caller)
                if together is not None:
                    return ModelResponse(together)
            whole = [s for s in steps if not s.part]  # the parts' lookups are none of the whole message's
            return ModelResponse(
                _ended(Plan(self, parse, whole, role, names, text, focus, caller=caller, latest=latest))
            )
        except Exception:  # a rule that breaks on one message must not break the conversation: logged, nothing done
            log.exception("the offline plan failed on a message")
            return ModelResponse(Message("assistant", render("offline/failed.md")))

    def _together(
        self,
        requests: list[str],
        steps: list[Step],
        role: str,
        names: set[str],
        writes: set[str],
        focus: Focus,
        caller: str | None,
    ) -> Message | None:
        """The next step of a message of several requests (`compound`): a lookup a part needs, else every part's write
        proposed at once, a question first answered beside them; a message of reads only ("show me A and B") reads
        and answers each part. None when a part does not end in a write or an answer, needs another read, or asks back:
        the message is then planned whole."""
        proposed: list[ToolCall] = []
        answers: list[str] = []
        parses = [self._understand(part) for part in requests]
        only_reads = all(parse.intent not in WRITES for parse in parses)  # "show me A and B"
        focused = focus  # a part after the first is about the record the part before wrote or showed
        for index, (part, parse) in enumerate(zip(requests, parses)):
            reads = only_reads or (index == 0 and is_question(part))
            plan = Plan(self, parse, steps, role, names, part, focused, caller=caller)
            step = _ended(plan)
            called = {c.name for c in step.tool_calls}
            if reads and not step.tool_calls and plan.answered not in _NO_ANSWER:
                answers.append(step.content or "")  # "what's the amount on X?": answered, X in focus
                record = _shown(plan.used)
            elif step.tool_calls and called <= (_VIEWS | _LOOKUPS if reads else _LOOKUPS):
                return replace(step, tool_calls=[replace(c, id=f"{PART}{c.id}") for c in step.tool_calls])
            elif step.tool_calls and called <= writes and not (only_reads and index > 0):
                proposed.extend(step.tool_calls)
                record = _record(json.loads(step.tool_calls[0].arguments or "{}"), steps)
            else:
                return None
            focused = replace(focus, records=[record]) if record else focus
        if not proposed and len(answers) < 2:
            return None
        return Message("assistant", "\n\n".join(answers) or None, tool_calls=proposed)

    async def stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelResponse]:
        response = await self.request(messages, tools)
        if response.message.content:
            yield TextDelta(response.message.content)
        yield response

    def warm_up(self) -> None:
        """Load the model and embed the examples now rather than on the first request (spaCy stays lazy: only
        some messages need it, and a server should start fast)."""
        self.classifier.classify("hello")

    def _understand(self, text: str) -> Parse:
        """`text` classified and its slots read at the model's clock."""
        return understand(text, now=self.now(), classifier=self.classifier)

    def _read(self, messages: Sequence[Message]) -> tuple[Parse, list[Step], str, str, bool]:
        """The request to serve (merged with the one we asked about), this turn's steps, the caller's role, the
        request's text (the original one when this message answers our "which one" question) and whether the request
        is this message alone (no question of ours, no correction of a proposal and no follow-up merged into it)."""
        last_user = max(i for i, m in enumerate(messages) if m.role == "user")
        text = _as_said(messages[last_user].content or "")
        before = [
            Message(m.role, english.plain_words(m.content or "") if m.role == "user" else m.content)
            for m in messages[:last_user]
            if m.role in ("user", "assistant") and m.content
        ]
        if before and before[-1].role == "assistant":
            text = line_pointed(text, before[-1].content or "")  # "the export one" of the tickets just listed
            text = object_implied(text)  # "set to pending": the record just shown
            if _THE_OTHER.search(text) and proposal_turn(messages, last_user) is None:
                other = other_shown(messages[:last_user])  # "assign the other one to sam" after two tickets shown
                text = _THE_OTHER.sub(other, text) if other else text
        text = asked_after_holding_off(text) or text  # "no wait leave it. whats mike's pipeline total": that question
        text = object_first(text)  # "prismpoint sso ticket - put it on me": "put prismpoint sso ticket on me"
        now = self.now()
        parse = None
        proposed = proposal_turn(messages, last_user)
        if proposed is not None and is_correction(text, now.date()) and not smalltalk(text):
            corrected = self._correct(messages[: proposed + 1], text, proposed_tool(messages, last_user))
            if corrected is not None:
                parse, text = corrected
        if (
            parse is None
            and proposed is not None
            and proposed_tool(messages, last_user) == "log_call"
            and tells_more(text)
        ):
            call, _, _, logged, _ = self._read(messages[: proposed + 1])
            if call.intent == "log_call" and not call.slots.get("notes"):
                text = (
                    f"{logged}: {text}"  # "log a call with sarah connor" - "she asked about calendar sync": its summary
                )
        drafted = draft_turn(messages, last_user)
        if (
            parse is None
            and drafted is not None
            and (is_correction(text, now.date()) or restyles(text))
            and not SEND_IT.match(text)
        ):
            text = f"{text}. {messages[drafted].content}"  # "make it more formal": the same draft again, as now asked
        prompt = before[-1].content or "" if before else ""
        if parse is None and len(before) >= 2 and before[-1].role == "assistant" and prompt.startswith((ASK, CLARIFY)):
            request = object_first(_asked_request(before) if prompt.startswith(CLARIFY) else before[-2].content or "")
            original = understand(request, now=now, classifier=self.classifier)
            if prompt.startswith(CLARIFY):
                chosen = choose(prompt, text)
                number = re.match(r"^\W*#?(\d{3,})\W*$", text)
                if chosen:
                    slots = {**original.slots, "name": chosen[0], "pick": chosen[1]}
                    if ticket := re.match(r"#(\d+)\b", chosen[1]):  # a ticket listed by its number
                        slots["ticket_number"] = int(ticket[1])
                    extra = beyond_choice(text, chosen[1])
                    if extra and original.intent in FILLERS:  # what the reply adds: "10 min, she said the PO is ..."
                        more = FILLERS[original.intent](f"{request}: {extra}", now)
                        slots.update({k: v for k, v in more.items() if k not in ("name", "pick") and not slots.get(k)})
                    parse = Parse(original.intent, original.confidence, slots)
                    text = request
                elif number and re.search(
                    r"^\d\. #\d+ ", prompt, re.M
                ):  # a ticket's number, listed or not, answers "which ticket"
                    parse = Parse(
                        original.intent, original.confidence, {**original.slots, "ticket_number": int(number[1])}
                    )
                    text = request
                elif YES.match(text):  # "yes" to a question listing several picks none: asked again
                    parse, text = original, request
            elif original.intent in FILLERS:
                meant = retarget(text)  # "no sorry, i meant the platform 171 one": another record, not the reason
                asked = re.match(r"To do that I need (\w+(?: \w+)?)\.", prompt)
                teammate = bool(asked and asked[1] == "assignee" and re.fullmatch(r"\W*[a-z]+\W*", text, re.I))
                teammate = teammate and not YES.match(text)  # "who is the task for?" - "mike"
                merged = request if YES.match(text) or meant or teammate else f"{request}. {text}"
                slots = FILLERS[original.intent](merged, now)  # "yes" to "what is the problem?": the request alone
                if meant is not None:
                    slots["name"] = meant[0]
                elif asked and asked[1].replace(" ", "_") in FREE_TEXT and not smalltalk(text) and not YES.match(text):
                    slots[asked[1].replace(" ", "_")] = text.strip().rstrip(".")
                elif teammate:
                    slots["assignee"] = text.strip(" .!")
                slots.update(bant_reply(prompt, text, slots))  # the reply to "I need reason" is the reason
                parse = Parse(original.intent, original.confidence, {**original.slots, **slots})
                text = request if teammate else f"{request}. {text}"
            elif asked_area(request) is not None:
                text = f"{request}: {text}"  # "which products?" answered: "10 pro seats" completes "quote acme"
        if parse is None and (again := refined(_exchanges(before), text)):
            text = again  # "only the ones over 50k" after "emma's deals in proposal": that list again, as refined
        elif (
            parse is None
            and (said := [m.content or "" for m in before if m.role == "user"])
            and (again := follow_up(said[-1], text, now))
        ):
            text = again  # "and john's?" after "show mike's overdue tasks": the same question about john
        fresh = parse is None and text == object_first(_as_said(messages[last_user].content or ""))
        parse = parse or understand(text, now=now, classifier=self.classifier)
        calls = {c.id: c for m in messages[last_user:] if m.role == "assistant" for c in m.tool_calls}
        steps = [
            Step(
                calls[m.tool_call_id].name,
                json.loads(calls[m.tool_call_id].arguments or "{}"),
                json.loads(m.content or "{}"),
                part=m.tool_call_id.startswith(PART),
            )
            for m in messages[last_user:]
            if m.role == "tool" and m.tool_call_id in calls
        ]
        system = messages[0].content if messages and messages[0].role == "system" else ""
        role = stated[1] if (stated := re.search(r"role is (\w+)", system or "")) else "rep"
        return parse, steps, role, text, fresh

    def _correct(self, proposal: Sequence[Message], correction: str, tool: str | None) -> tuple[Parse, str] | None:
        """The proposal's request with the values a correction states ("make it urgent", "no wait, tuesday", "put it
        on the Acme account instead"), or None when the correction states nothing the proposal's write takes. The
        request is read as the write proposed (`tool`) when the plan proposed another act than the words' first reading."""
        original, _, _, said, _ = self._read(proposal)
        target = retarget(correction)
        if target is not None and (handed := handoff(said)) is not None and handed.words:
            # "sorry, pilot 184" after "reassign silverline platform 26 to carlos": the hand-off, of that record
            return original, said.replace(handed.words, f"{handed.kind} {target[0]}", 1)
        if tool in FILLERS and tool != original.intent:
            original = Parse(tool, original.confidence, FILLERS[tool](said, self.now()))
        filler = FILLERS.get(original.intent)
        if original.intent not in WRITES or filler is None:
            return None
        now = self.now()
        values = corrected_values(filler(correction, now), filler("", now)) | named_as(original.intent, correction)
        start = original.slots.get("start")
        hour = _BARE_HOUR.search(correction)
        if (
            isinstance(start, datetime) and "start" not in values and hour
        ):  # "make it 11": that hour, same day, working hours
            values["start"] = start.replace(
                hour=int(hour[1]) % 12 + (12 if int(hour[1]) < 8 else 0), minute=int(hour[2] or 0)
            )
        stated = values.get("start")
        if isinstance(stated, datetime) and isinstance(start, datetime) and find_date(correction, now.date()) is None:
            values["start"] = datetime.combine(start.date(), stated.timetz())  # "make it 3pm": same day
        if not values and target is None:
            return None
        for key, value in values.items():  # "close 1050" -> "not that one, 1054"; "set 1048 to high" -> "no - make it
            old = original.slots.get(key)  # urgent": the words the plan reads again say the new value
            if isinstance(old, (str, int)) and isinstance(value, (str, int)) and not isinstance(old, bool):
                said = re.sub(rf"\b{re.escape(str(old))}\b", str(value), said, flags=re.I)
        slots = {**original.slots, **values}
        if target is not None:  # the record named now goes first, so its type word ("the Acme account") is read
            meant = target[0]
            before = original.slots.get("name")
            if original.intent in _ABOUT_A_PERSON and isinstance(before, str):
                meant = _same_person(meant, before)
            elif original.intent in _ABOUT_A_DEAL and isinstance(before, str):
                meant = _same_account(meant, before)
                said = re.sub(
                    rf"{re.escape(before)}(?:\s+\d+)?", meant, said, count=1, flags=re.I
                )  # the deal said no longer meant
            slots = {**{k: v for k, v in slots.items() if k != "pick"}, "name": meant}
            said = f"{meant} {target[1] or ''}. {said}"
        return Parse(original.intent, original.confidence, slots), said

    def next_id(self) -> str:
        self._counter += 1
        return f"offline_{self._counter}"


def _as_said(content: str) -> str:
    """A user's message in plain words, without its greeting, a company in brackets after a person read as where they
    work ("nils varga (brightpath) direct line ..." is Nils Varga at Brightpath)."""
    return company_in_brackets(without_greeting(english.plain_words(content)))


_THE_OTHER = re.compile(r"\bthe\s+other\s+(?:one|ticket|deal|contact|lead|account)\b", re.I)
_BARE_HOUR = re.compile(r"\b(?:make\s+it|at|to)\s+(1[0-2]|[1-9])(?::([0-5]\d))?\s*(?:instead)?\W*$", re.I)


# Writes about one person, whose "no, the northpath one" is the same name at another company (a deal's "the globex one"
# is another deal)
_ABOUT_A_PERSON = {"update_contact", "log_call", "schedule_meeting", "update_lead_status", "convert_lead"}


# Writes to one deal, whose "no wait, the renewal" is the deal of that kind at the same company
_ABOUT_A_DEAL = {"update_deal", "move_deal_stage"}
# Words that name a deal's kind, not a company: the spec's deal types and the usual words of deal names
_DEAL_KIND = re.compile(
    r"(?:new\s+business|upsell|up-sell|renewal|cross[\s-]?sell|expansion|pilot|upgrade|platform|add-?on|licen[cs]e"
    r"|subscription|poc|trial)",
    re.I,
)


def _same_account(meant: str, before: str) -> str:
    """The deal a correction naming only a kind means: "the expansion one" after a proposal about "orbitpath renewal
    32" is Orbitpath's expansion deal (said as "orbitpath expansion"); any other correction is taken as said."""
    kind = re.sub(r"\s+(?:one|deal|opp|opportunity)$", "", meant, flags=re.I)
    company = re.split(r"\s+[-–—]\s+", before)[0] if re.search(r"\s[-–—]\s", before) else ""
    company = company or re.sub(rf"\s+{_DEAL_KIND.pattern}(?:\s+\d+)?$", "", before, flags=re.I)
    if not _DEAL_KIND.fullmatch(kind) or company.lower() == before.lower():
        return meant
    return f"{company} {kind}"


def _same_person(meant: str, before: str) -> str:
    """The person a correction means when it names the company of the same name: "no, the northpath one" and "the
    helixfield ben weber" after a proposal about Ben Weber are Ben Weber at Northpath or Helixfield."""
    name = re.sub(r"\s+(?:at|from|@)\s+.*$", "", before, flags=re.I)
    if re.search(r"\sone$", meant, re.I):
        return f"{before} {meant[:-4]}"
    if meant.lower().endswith(f" {name.lower()}"):
        return f"{name} at {meant[: -len(name) - 1]}"
    return meant


def _shown(steps: Sequence[Step]) -> dict[str, Any] | None:
    """The record this turn's latest view showed."""
    view = next((s for s in reversed(steps) if s.name in _VIEWS), None)
    return _record(view.arguments, steps) if view else None


def _record(arguments: dict[str, Any], steps: Sequence[Step]) -> dict[str, Any] | None:
    """The record a call's arguments name by id, as this turn's steps found it (type, id and name)."""
    key = next((k for k in arguments if k.endswith("_id")), None)
    if key is None:
        return None
    record = {"type": key[:-3], "id": str(arguments[key])}
    for step in steps:
        for hit in _dicts(step.result):
            if str(hit.get("id")) == record["id"] and (hit.get("name") or hit.get("deal_name")):
                return record | {"name": hit.get("name") or hit.get("deal_name")}
    return record


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside a tool result."""
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _dicts(item)


def _ended(plan: Plan) -> Message:
    """The message a plan ends with: its next tool call(s) or its answer."""
    try:
        plan.run()
    except Done as done:
        return done.message
    raise AssertionError("a plan always ends with Done")


def _exchanges(before: Sequence[Message]) -> list[tuple[str, str]]:
    """Each user message of the conversation with the answer that closed its turn."""
    turns: list[tuple[str, str]] = []
    for message in before:
        if message.role == "user":
            turns.append((message.content or "", ""))
        elif turns:
            turns[-1] = (turns[-1][0], message.content or "")
    return turns


def _asked_request(before: Sequence[Message]) -> str:
    """The request our "which one" question asks about: the user's message before it, past any "yes" that answered an
    earlier "which one" listing several records (it picked none, so the question was asked again)."""
    at = len(before) - 2
    while (
        at >= 2
        and YES.match(before[at].content or "")
        and (before[at - 1].content or "").startswith(CLARIFY)
        and len(re.findall(r"^\d+\. ", before[at - 1].content or "", re.M)) > 1
    ):
        at -= 2
    return before[at].content or ""
