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
from assistant.offline.dialogue import PART, Focus, focus_of, is_question
from assistant.offline.plan import Plan
from assistant.offline.plan.core import WRITES, Done, Step
from assistant.offline.reading import Reader
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


class OfflineModel:
    """A `ChatModel` that plans tool calls from intent classification and slot extraction."""

    name = "offline"

    def __init__(self, embedder: Embedder, *, now: Callable[[], datetime] | None = None) -> None:
        self.classifier = IntentClassifier(embedder)
        self.now = now or utcnow
        self.reader = Reader(self.classifier, self.now)
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
        parse, steps, role, text, fresh = self.reader.read(messages)
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

    def next_id(self) -> str:
        self._counter += 1
        return f"offline_{self._counter}"


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
