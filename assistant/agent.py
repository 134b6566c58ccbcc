"""The agent loop: a turn asks the model, runs the tool calls it makes through the turn's gated toolset, and ends with
an answer, a proposal that waits for approval, or a limit; it is persisted and streamed as events.

The rest lives next to it: `toolsets` (tool gating as wrappers), `injection` (the prompt-injection guards),
`output_guard` (what the model writes), `approvals` (proposing and deciding writes), `input_limits` (what a message
may be). Permissions stay in services and tools (`store/access.py`), whatever the model asks for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from assistant import injection, output_guard
from assistant.approval_words import verdict
from assistant.approvals import Approvals
from assistant.events import ApprovalNeeded, Event, Final, Outcome, Pending, ToolFinished, ToolStarted, TurnResult
from assistant.injection import Exposure
from assistant.input_limits import accepted
from assistant.messages import Message, ModelResponse, TextDelta, ToolCall
from assistant.model import ChatModel, ModelError, Preparing
from assistant.toolsets import (
    ApprovalRequired,
    Called,
    InjectionGuarded,
    RoleFiltered,
    Running,
    TurnTools,
    for_role,
)
from prompts import render
from store.access import Actor, CallerRole
from store.db import Database
from store.embeddings import Embedder, default_embedder
from store.errors import DomainError
from store.intelligence.writer import Writer
from store.knowledge.answers import faithful
from store.knowledge.citations import Citation, cite
from store.models import Conversation, ConversationMessage, PendingAction
from store.services.audit import audit
from store.services.conversations import ConversationService
from store.settings import Settings, get_settings
from tools import TOOLSET, Tool, ToolContext, ToolResult, Toolset


@dataclass
class Invocation:
    """The outcome of one tool call made outside a model turn: the JSON the model would have read."""

    conversation_id: str
    content: str
    ok: bool
    pending: list[Pending]


@dataclass
class _Turn:
    """What one turn works with and accumulates while it runs."""

    ctx: ToolContext
    conversations: ConversationService
    conversation: Conversation
    tools: TurnTools
    exposure: Exposure
    model: ChatModel
    system: str = ""
    messages: list[Message] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    refs: list[dict[str, str]] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)
    passages: list[dict[str, str]] | None = None  # the last kb_search's articles, in [n] order
    evidence: list[str] = field(
        default_factory=list
    )  # the texts of those passages (every answer sentence must rest on one)
    notice: str | None = None


class Agent:
    """Runs turns for callers against one model and one toolset."""

    def __init__(
        self,
        db: Database,
        model: ChatModel,
        *,
        toolset: Toolset = TOOLSET,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        fallback: ChatModel | None = None,
        writer: Writer | None = None,
        max_steps: int = 8,
        result_limit: int = 16_000,
    ) -> None:
        self.db, self.model, self.toolset = db, model, toolset
        self.settings = settings or get_settings()
        self.embedder, self.fallback, self.writer = embedder, fallback, writer
        self.max_steps, self.result_limit = max_steps, result_limit

    async def run(
        self,
        actor: Actor,
        message: str,
        conversation_id: uuid.UUID | str | None = None,
        *,
        external_ref: str | None = None,
    ) -> TurnResult:
        """One whole turn; returns its result."""
        result = None
        async for event in self.stream(actor, message, conversation_id, external_ref=external_ref):
            if isinstance(event, Final):
                result = event.result
        assert result is not None
        return result

    async def stream(
        self,
        actor: Actor,
        message: str,
        conversation_id: uuid.UUID | str | None = None,
        *,
        external_ref: str | None = None,
    ) -> AsyncIterator[Event]:
        """One turn as events. A "yes" or "no" while writes are pending decides them. An empty or over-long message
        is refused (`input_limits`) before anything is opened or stored."""
        message = accepted(message, self.settings)
        async with self._opened(actor) as ctx, self._preparing(message) as ready:
            conversations = ConversationService(ctx.session, actor)
            conversation = await conversations.open(conversation_id, external_ref=external_ref)
            waiting = await conversations.pending(conversation)
            decision = verdict(message) if waiting else None
            if decision is not None:
                result = await Approvals(ctx, self.toolset).decide(conversation, waiting, decision)
                await conversations.append(
                    conversation,
                    [{"role": "user", "content": message}, {"role": "assistant", "content": result.answer}],
                )
                yield Final(result)
                return
            for action in waiting:
                await conversations.claim(action.id, "expired")
            async for event in self._turn(ctx, conversations, conversation, message, ready):
                yield event

    async def decide(
        self, actor: Actor, conversation_id: uuid.UUID | str, action_id: uuid.UUID | str, approve: bool
    ) -> TurnResult:
        """Approve or reject one pending write (buttons, the HTTP API). Applied at most once."""
        async with self._opened(actor) as ctx:
            conversations = ConversationService(ctx.session, actor)
            conversation = await conversations.get(conversation_id)
            action: PendingAction = await conversations.action(conversation, action_id)
            result = await Approvals(ctx, self.toolset).decide(conversation, [action], approve)
            await conversations.append(conversation, [{"role": "assistant", "content": result.answer}])
            return result

    async def invoke(self, actor: Actor, name: str, arguments: dict[str, Any], *, external_ref: str) -> Invocation:
        """One tool call made by another agent (the MCP server), outside a model turn, in the caller's conversation
        with that `external_ref`: a read runs, a write is validated, dry-run and stored as a pending action that only
        `decide` applies. The same checks, proposal and audit trail as a call the model makes in a turn."""
        async with self._opened(actor) as ctx:
            conversations = ConversationService(ctx.session, actor)
            conversation = await conversations.open(None, external_ref=external_ref)
            turn = self._begin(ctx, conversations, conversation, Exposure())
            call = ToolCall(id=f"call_{uuid.uuid4().hex[:12]}", name=name, arguments=json.dumps(arguments, default=str))
            content, ok, _ = await self._call(turn, call)
            return Invocation(conversation_id=str(conversation.id), content=content, ok=ok, pending=turn.pending)

    def tools_for(self, actor: Actor) -> dict[str, Tool]:
        """The tools this caller's role may use at all (records are checked again when used)."""
        return for_role(self.toolset.tools, actor)

    # -- one model-driven turn -------------------------------------------------------------

    @asynccontextmanager
    async def _opened(self, actor: Actor) -> AsyncIterator[ToolContext]:
        """One session (one transaction) for the caller, as the context every tool receives."""
        async with self.db.session() as session:
            yield ToolContext(
                session=session, actor=actor, settings=self.settings, embedder=self.embedder, writer=self.writer
            )

    @asynccontextmanager
    async def _preparing(self, message: str) -> AsyncIterator[asyncio.Task[None] | None]:
        """The model's preparation for `message` (the offline model embeds it in a worker thread) running while the
        turn opens its conversation; none for an approval word, which a pending write may take."""
        if not isinstance(self.model, Preparing) or verdict(message) is not None:
            yield None
            return
        task = asyncio.create_task(self.model.prepare(message))
        try:
            yield task
        finally:
            if not task.done():
                task.cancel()
            with contextlib.suppress(BaseException):
                await task  # its error, if any, was the turn's or does not matter once the turn is over

    def _begin(
        self, ctx: ToolContext, conversations: ConversationService, conversation: Conversation, exposure: Exposure
    ) -> _Turn:
        """A turn's state, with its tools: run in savepoints, for the caller's role, writes proposed, guarded."""
        approvals = Approvals(ctx, self.toolset)

        async def propose(tool: Tool, args: Any) -> Pending:
            return await approvals.propose(conversation, tool, args)

        tools = InjectionGuarded(
            ApprovalRequired(RoleFiltered(Running(self.toolset, ctx), ctx.actor), propose), exposure
        )
        return _Turn(
            ctx=ctx,
            conversations=conversations,
            conversation=conversation,
            tools=tools,
            exposure=exposure,
            model=self.model,
        )

    async def _turn(
        self,
        ctx: ToolContext,
        conversations: ConversationService,
        conversation: Conversation,
        message: str,
        ready: asyncio.Task[None] | None = None,
    ) -> AsyncIterator[Event]:
        history = [injection.replay(m) for m in _from_user_turn(await conversations.history(conversation))]
        before = next((m.content or "" for m in reversed(history) if m.role == "user"), "")
        turn = self._begin(ctx, conversations, conversation, Exposure(read_only=injection.reads_only(message, before)))
        turn.system = self._system_prompt(ctx.actor, ctx.now)
        turn.messages = [Message("system", turn.system), *history, Message("user", message)]
        turn.new = [{"role": "user", "content": message}]
        answer, outcome = self._over_budget(conversation)
        deadline = time.monotonic() + self.settings.turn_seconds
        if ready is not None:
            await ready
        for _ in range(self.max_steps if answer is None else 0):
            if time.monotonic() > deadline:
                answer = f"I stopped after {self.settings.turn_seconds:.0f} seconds without finishing. Try a narrower request."
                break
            reply = None
            async for item in self._reply(turn):
                if isinstance(item, Message):
                    reply = item
                else:
                    yield item
            if reply is None:
                continue  # the model failed and the fallback takes over
            if not reply.tool_calls:
                answer, outcome = reply.content or "", Outcome.answered
                break
            async for event in self._run_calls(turn, reply):
                yield event
            if turn.pending:
                yield ApprovalNeeded(list(turn.pending))
                answer, outcome = (
                    render("approval_request.md", pending=turn.pending, lead=reply.content or ""),
                    Outcome.proposed,
                )
                break
        if answer is None:
            answer = f"I stopped after {self.max_steps} steps without finishing. Try a narrower request."
        yield Final(await self._finish(turn, answer, outcome))

    def _over_budget(self, conversation: Conversation) -> tuple[str | None, Outcome]:
        """The refusal when the conversation has spent its token budget; else no answer yet."""
        if conversation.tokens_used >= self.settings.token_budget:
            return (
                f"This conversation has used its budget of {self.settings.token_budget:,} model tokens. "
                "Start a new conversation to go on (nothing was changed)."
            ), Outcome.refused
        return None, Outcome.stopped  # the outcome if no step ends the turn

    async def _reply(self, turn: _Turn) -> AsyncIterator[TextDelta | Message]:
        """One model step: its text streamed through the output guard, then the whole reply (filtered the same way,
        kept and counted). Nothing but a switch to the fallback when the model fails and a fallback is left."""
        strip_links = turn.exposure.tainted_by is not None
        guard = output_guard.OutputGuard(turn.system, strip_links=strip_links)
        specs = [t.spec for t in turn.tools.offered()]
        response = None
        streamed, shown = [], []  # the model's deltas and what the guard let out of them
        try:
            async for item in turn.model.stream(turn.messages, specs):
                if isinstance(item, TextDelta):
                    streamed.append(item.text)
                    if text := guard.feed(item.text):
                        shown.append(text)
                        yield TextDelta(text)
                else:
                    response = item
        except ModelError as err:
            if self.fallback is None or turn.model is self.fallback:
                raise
            turn.model, turn.notice = (
                self.fallback,
                f"The language model is unavailable ({err}); I answered with the offline model.",
            )
            return
        if tail := guard.finish():
            shown.append(tail)
            yield TextDelta(tail)
        assert isinstance(response, ModelResponse)
        if response.usage is not None:
            turn.conversation.tokens_used += response.usage.prompt_tokens + response.usage.completion_tokens
        reply = response.message
        if reply.content:  # the guard's output of the stream is what `clean` gives for the same whole text
            if reply.content == "".join(streamed):
                cleaned = "".join(shown)
            else:
                cleaned = output_guard.OutputGuard(turn.system, strip_links=strip_links).clean(reply.content)
            reply = replace(reply, content=cleaned)
        turn.messages.append(reply)
        turn.new.append(
            {"role": "assistant", "content": reply.content, "tool_calls": [vars(c) for c in reply.tool_calls] or None}
        )
        yield reply

    async def _run_calls(self, turn: _Turn, reply: Message) -> AsyncIterator[Event]:
        """The reply's tool calls, one after the other, each answered with a tool message."""
        for call in reply.tool_calls:
            yield ToolStarted(call.name, injection.loads(call.arguments) or {})
            content, ok, error = await self._call(turn, call)
            yield ToolFinished(call.name, ok, error)
            turn.messages.append(Message("tool", content, tool_call_id=call.id, name=call.name))
            turn.new.append({"role": "tool", "content": content, "tool_call_id": call.id, "name": call.name})

    async def _finish(self, turn: _Turn, answer: str, outcome: Outcome) -> TurnResult:
        """The answer checked against the knowledge base it cites, stored with the turn, as the turn's result."""
        notice = " ".join(n for n in (turn.notice, turn.exposure.notice()) if n) or None
        citations: list[Citation] = []
        if turn.passages is not None:
            if turn.evidence:  # it embeds the answer's sentences: in a worker thread, off the event loop
                embedder = self.embedder or default_embedder()
                answer = await asyncio.to_thread(faithful, answer, turn.evidence, embedder) or render(
                    "offline/kb_not_found.md"
                )
            answer, citations = cite(answer, turn.passages)
        final = {"role": "assistant", "content": answer, "citations": [c.as_dict() for c in citations] or None}
        if turn.new[-1]["role"] != "assistant" or turn.new[-1].get("tool_calls"):
            turn.new.append(final)
        else:
            turn.new[-1] = turn.new[-1] | final
        await turn.conversations.append(turn.conversation, turn.new, durable=False)  # a model turn applies no write
        return TurnResult(
            conversation_id=str(turn.conversation.id),
            answer=answer,
            outcome=outcome,
            tool_calls=turn.calls,
            pending=turn.pending,
            references=_unique(turn.refs),
            notice=notice,
            citations=[c.as_dict() for c in citations],
        )

    async def _call(self, turn: _Turn, call: ToolCall) -> tuple[str, bool, str | None]:
        """Run (or, for a write, propose) one tool call through the turn's tools; errors go back to the model."""
        ctx, arguments = turn.ctx, injection.loads(call.arguments)
        tools = turn.tools.callable()
        tool = tools.get(call.name)
        if tool is None or arguments is None:
            error = (
                f"unknown tool '{call.name}'; use one of: {', '.join(sorted(tools))}"
                if tool is None
                else f"the arguments of {call.name} are not a JSON object: {call.arguments[:200]!r}"
            )
            turn.calls.append({"name": call.name, "arguments": arguments or {}, "ok": False})
            await audit(
                ctx.session,
                ctx.actor,
                action=f"tool:{call.name}",
                arguments=arguments or {},
                status="invalid",
                error=error,
            )
            return json.dumps({"ok": False, "error": {"code": "invalid_call", "reason": error}}), False, error
        try:
            called = await turn.tools.call(tool, arguments)
        except DomainError as err:
            turn.calls.append({"name": call.name, "arguments": arguments, "ok": False})
            if isinstance(err, injection.Withheld):
                turn.exposure.withheld.append(call.name)
            await audit(
                ctx.session,
                ctx.actor,
                action=f"tool:{call.name}",
                arguments=arguments,
                status="refused",
                error=str(err),
            )
            return json.dumps({"ok": False, "error": err.to_dict()}), False, str(err)
        turn.calls.append({"name": call.name, "arguments": arguments, "ok": True})
        records = [called.pending.id] if called.pending else [r["id"] for r in called.refs]
        await audit(
            ctx.session,
            ctx.actor,
            action=f"tool:{call.name}",
            arguments=arguments,
            status="proposed" if called.pending else "ok",
            record_ids=records,
        )
        return self._content(turn, tool, called), True, None

    def _content(self, turn: _Turn, tool: Tool, called: Called) -> str:
        """What the model reads of a call: the proposal, or the result (in an envelope when other people wrote it)."""
        if called.pending is not None:
            turn.pending.append(called.pending)
            return json.dumps(
                {
                    "ok": True,
                    "status": "pending_approval",
                    "approval_id": called.pending.id,
                    "summary": called.pending.summary,
                }
            )
        turn.refs.extend(called.refs)
        if tool.name == "kb_search":
            turn.passages = called.refs
            turn.evidence = [p["text"] for p in called.data.get("passages", [])]
        if called.untrusted:
            return injection.envelope(tool.name, called.data, called.refs, self.result_limit)
        return ToolResult(called.data, called.refs).to_json(self.result_limit)

    def _system_prompt(self, actor: Actor, now: datetime) -> str:
        role = "admin" if actor.role in (CallerRole.system, CallerRole.service) else actor.role.value
        return _system_prompt(role, now.date(), actor.name, actor.email, actor.role.value, actor.team)


@lru_cache(maxsize=256)
def _system_prompt(
    template: str, today: date, user_name: str, user_email: str | None, role: str, team: str | None
) -> str:
    """The system prompt of a caller on a day: the same for all their turns that day, rendered once."""
    return render(
        f"system/{template}.md",
        today=today.isoformat(),
        weekday=today.strftime("%A"),
        tz="UTC",
        user_name=user_name,
        user_email=user_email,
        role=role,
        team=team,
    )


def _from_user_turn(rows: list[ConversationMessage]) -> list[ConversationMessage]:
    """Drop leading messages until the first user message (a cut history must not start mid-turn)."""
    for index, row in enumerate(rows):
        if row.role == "user":
            return rows[index:]
    return []


def _unique(refs: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, str]] = []
    for r in refs:
        if (r["type"], r["id"]) not in seen:
            seen.add((r["type"], r["id"]))
            out.append(r)
    return out
