"""The agent loop: model steps, tool calls, approvals for writes, persistence, events."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from assistant.events import ApprovalNeeded, Event, Final, Pending, ToolFinished, ToolStarted, TurnResult
from assistant.messages import Message, ModelResponse, TextDelta, ToolCall
from assistant.model import ChatModel, ModelError
from prompts import render
from store.access import Actor, CallerRole, allowed
from store.db import Database
from store.embeddings import Embedder
from store.errors import DomainError, NotFound
from store.knowledge.citations import Citation, cite
from store.services.audit import audit
from store.intelligence.writer import Writer
from store.models import Account, Contact, Conversation, ConversationMessage, Deal, EmailMessage, Lead, PendingAction, Ticket
from store.serialize import plain
from store.services.conversations import ConversationService
from store.settings import Settings, get_settings
from tools import TOOLSET, Tool, ToolContext, Toolset

YES = re.compile(r"^\s*(y|yes|yep|yeah|sure|ok|okay|approve[d]?|confirm(ed)?|go ahead|do it|please do|correct)\b", re.I)
NO = re.compile(r"^\s*(n|no|nope|nah|cancel|reject|stop|don'?t|do not|abort)\b", re.I)
TARGETS = {"lead": Lead, "contact": Contact, "account": Account, "deal": Deal, "ticket": Ticket, "email": EmailMessage}


def verdict(text: str) -> bool | None:
    """True for an approval ("yes"), False for a refusal ("no"), None for anything else."""
    if NO.match(text):
        return False
    if YES.match(text):
        return True
    return None


@dataclass
class _Turn:
    """What one turn accumulates while it runs."""

    calls: list[dict[str, Any]]
    pending: list[Pending]
    refs: list[dict[str, str]]
    new: list[dict[str, Any]]
    passages: list[dict[str, str]] | None = None  # the last kb_search's articles, in [n] order


class Agent:
    """Runs turns for callers against one model and one toolset."""

    def __init__(self, db: Database, model: ChatModel, *, toolset: Toolset = TOOLSET, settings: Settings | None = None,
                 embedder: Embedder | None = None, fallback: ChatModel | None = None, writer: Writer | None = None,
                 max_steps: int = 8, result_limit: int = 6000) -> None:
        self.db, self.model, self.toolset = db, model, toolset
        self.settings = settings or get_settings()
        self.embedder, self.fallback, self.writer = embedder, fallback, writer
        self.max_steps, self.result_limit = max_steps, result_limit

    async def run(self, actor: Actor, message: str, conversation_id: uuid.UUID | str | None = None, *, external_ref: str | None = None) -> TurnResult:
        """One whole turn; returns its result."""
        result = None
        async for event in self.stream(actor, message, conversation_id, external_ref=external_ref):
            if isinstance(event, Final):
                result = event.result
        assert result is not None
        return result

    async def stream(self, actor: Actor, message: str, conversation_id: uuid.UUID | str | None = None, *,
                     external_ref: str | None = None) -> AsyncIterator[Event]:
        """One turn as events. A "yes" or "no" while writes are pending decides them."""
        async with self.db.session() as session:
            conversations = ConversationService(session, actor)
            conversation = await conversations.open(conversation_id, external_ref=external_ref)
            waiting = await conversations.pending(conversation)
            decision = verdict(message) if waiting else None
            if decision is not None:
                result = await self._decide(session, actor, conversation, waiting, decision)
                await conversations.append(conversation, [{"role": "user", "content": message}, {"role": "assistant", "content": result.answer}])
                yield Final(result)
                return
            for action in waiting:
                await conversations.claim(action.id, "expired")
            async for event in self._turn(session, actor, conversation, message):
                yield event

    async def decide(self, actor: Actor, conversation_id: uuid.UUID | str, action_id: uuid.UUID | str, approve: bool) -> TurnResult:
        """Approve or reject one pending write (buttons, the HTTP API). Applied at most once."""
        async with self.db.session() as session:
            conversations = ConversationService(session, actor)
            conversation = await conversations.get(conversation_id)
            action = await conversations.action(conversation, action_id)
            result = await self._decide(session, actor, conversation, [action], approve)
            await conversations.append(conversation, [{"role": "assistant", "content": result.answer}])
            return result

    # -- one model-driven turn -------------------------------------------------------------

    async def _turn(self, session, actor: Actor, conversation: Conversation, message: str) -> AsyncIterator[Event]:
        conversations = ConversationService(session, actor)
        ctx = ToolContext(session=session, actor=actor, settings=self.settings, embedder=self.embedder, writer=self.writer)
        tools = self._tools_for(actor)
        specs = [t.spec for t in tools.values()]
        history = [_to_message(m) for m in _from_user_turn(await conversations.history(conversation))]
        messages = [Message("system", self._system_prompt(actor, ctx.now)), *history, Message("user", message)]
        turn = _Turn(calls=[], pending=[], refs=[], new=[{"role": "user", "content": message}])
        model, notice, answer = self.model, None, None
        for _ in range(self.max_steps):
            response = None
            try:
                async for item in model.stream(messages, specs):
                    if isinstance(item, TextDelta):
                        yield item
                    else:
                        response = item
            except ModelError as err:
                if self.fallback is None or model is self.fallback:
                    raise
                model, notice = self.fallback, f"The language model is unavailable ({err}); I answered with the offline model."
                continue
            assert isinstance(response, ModelResponse)
            reply = response.message
            messages.append(reply)
            turn.new.append({"role": "assistant", "content": reply.content,
                             "tool_calls": [vars(c) for c in reply.tool_calls] or None})
            if not reply.tool_calls:
                answer = reply.content or ""
                break
            for call in reply.tool_calls:
                yield ToolStarted(call.name, _loads(call.arguments) or {})
                content, ok, error = await self._call(ctx, conversations, conversation, tools, call, turn)
                yield ToolFinished(call.name, ok, error)
                messages.append(Message("tool", content, tool_call_id=call.id, name=call.name))
                turn.new.append({"role": "tool", "content": content, "tool_call_id": call.id, "name": call.name})
            if turn.pending:
                yield ApprovalNeeded(list(turn.pending))
                answer = render("approval_request.md", pending=turn.pending, lead=reply.content or "")
                break
        if answer is None:
            answer = f"I stopped after {self.max_steps} steps without finishing. Try a narrower request."
        citations: list[Citation] = []
        if turn.passages is not None:
            answer, citations = cite(answer, turn.passages)
        final = {"role": "assistant", "content": answer, "citations": [c.as_dict() for c in citations] or None}
        if turn.new[-1]["role"] != "assistant" or turn.new[-1].get("tool_calls"):
            turn.new.append(final)
        else:
            turn.new[-1] = turn.new[-1] | final
        await conversations.append(conversation, turn.new)
        yield Final(TurnResult(conversation_id=str(conversation.id), answer=answer, tool_calls=turn.calls,
                               pending=turn.pending, references=_unique(turn.refs), notice=notice,
                               citations=[c.as_dict() for c in citations]))

    async def _call(self, ctx: ToolContext, conversations: ConversationService, conversation: Conversation,
                    tools: dict[str, Tool], call: ToolCall, turn: _Turn) -> tuple[str, bool, str | None]:
        """Run (or, for a write, validate and propose) one tool call; errors go back to the model."""
        arguments = _loads(call.arguments)
        tool = tools.get(call.name)
        if tool is None:
            error = f"unknown tool '{call.name}'; use one of: {', '.join(sorted(tools))}"
        elif arguments is None:
            error = f"the arguments of {call.name} are not a JSON object: {call.arguments[:200]!r}"
        else:
            try:
                parsed = tool.parse(arguments)
                if tool.writes:
                    pending = await self._propose(ctx, conversations, conversation, tool, parsed)
                    turn.pending.append(pending)
                    content = json.dumps({"ok": True, "status": "pending_approval", "approval_id": pending.id, "summary": pending.summary})
                else:
                    async with ctx.session.begin_nested():
                        result = await tool.run(ctx, parsed)
                    turn.refs.extend(result.refs)
                    if tool.name == "kb_search":
                        turn.passages = result.refs
                    content = result.to_json(self.result_limit)
                turn.calls.append({"name": call.name, "arguments": arguments, "ok": True})
                records = [r["id"] for r in result.refs] if not tool.writes else [pending.id]
                await audit(ctx.session, ctx.actor, action=f"tool:{call.name}", arguments=arguments,
                            status="proposed" if tool.writes else "ok", record_ids=records)
                return content, True, None
            except DomainError as err:
                turn.calls.append({"name": call.name, "arguments": arguments, "ok": False})
                await audit(ctx.session, ctx.actor, action=f"tool:{call.name}", arguments=arguments, status="refused", error=str(err))
                return json.dumps({"ok": False, "error": err.to_dict()}), False, str(err)
        turn.calls.append({"name": call.name, "arguments": arguments or {}, "ok": False})
        await audit(ctx.session, ctx.actor, action=f"tool:{call.name}", arguments=arguments or {}, status="invalid", error=error)
        return json.dumps({"ok": False, "error": {"code": "invalid_call", "reason": error}}), False, error

    async def _propose(self, ctx: ToolContext, conversations: ConversationService, conversation: Conversation,
                       tool: Tool, args: BaseModel) -> Pending:
        """Dry-run a write in a savepoint (so doomed writes fail now), then record it as pending."""
        target_type, target_id, version, name = await self._target(ctx, tool, args)
        savepoint = await ctx.session.begin_nested()
        try:
            await tool.run(replace(ctx, dry_run=True), args)
        finally:
            await savepoint.rollback()
        values = {k: _show(v) for k, v in args.model_dump().items()}
        summary = _format(tool.summary or f"{tool.name} {values}", values | {"target": name or ""})
        action = await conversations.propose(
            conversation, tool=tool.name, arguments=plain(args.model_dump(mode="json")), summary=summary,
            target_type=target_type, target_id=target_id, target_version=version)
        return Pending(id=str(action.id), tool=tool.name, arguments=action.arguments, summary=summary)

    async def _target(self, ctx: ToolContext, tool: Tool, args: BaseModel) -> tuple[str | None, str | None, datetime | None, str | None]:
        """The record a write changes (for the stale check) and a display name for its summary."""
        values = args.model_dump()
        if tool.target:
            kind, arg = tool.target
            record = await _find(ctx.session, kind, values[arg])
            return kind, str(record.id), record.updated_at, record.name
        for kind, arg in (("contact", "contact_id"), ("lead", "lead_id"), ("deal", "deal_id"), ("contact", "requester_contact_id")):
            if values.get(arg):
                return None, None, None, (await _find(ctx.session, kind, values[arg])).name
        if values.get("contact_ids"):
            names = [(await _find(ctx.session, "contact", cid)).name for cid in values["contact_ids"]]
            return None, None, None, ", ".join(names)
        if values.get("related_type") and values.get("related_id"):
            record = await _find(ctx.session, values["related_type"], values["related_id"])
            return None, None, None, record.name
        return None, None, None, None

    # -- approvals -----------------------------------------------------------------------------

    async def _decide(self, session, actor: Actor, conversation: Conversation, actions: list[PendingAction], approve: bool) -> TurnResult:
        conversations = ConversationService(session, actor)
        ctx = ToolContext(session=session, actor=actor, settings=self.settings, embedder=self.embedder, writer=self.writer)
        outcomes, calls = [], []
        for action in actions:
            if not await conversations.claim(action.id, "approved" if approve else "rejected"):
                outcomes.append({"status": "decided", "summary": action.summary, "detail": ""})
                continue
            if not approve:
                outcomes.append({"status": "rejected", "summary": action.summary, "detail": ""})
                await audit(session, actor, action=f"approve:{action.tool}", arguments=action.arguments, status="rejected",
                            record_ids=[action.id])
                continue
            status, detail = await self._apply(ctx, action)
            action.status, action.result = status, {"detail": detail}
            await audit(session, actor, action=f"approve:{action.tool}", arguments=action.arguments, status=status,
                        record_ids=[action.id, action.target_id], error=detail if status == "failed" else None)
            outcomes.append({"status": status, "summary": action.summary, "detail": detail})
            calls.append({"name": action.tool, "arguments": action.arguments, "ok": status == "applied"})
        await session.flush()
        return TurnResult(conversation_id=str(conversation.id), answer=render("approval_outcome.md", outcomes=outcomes), tool_calls=calls)

    async def _apply(self, ctx: ToolContext, action: PendingAction) -> tuple[str, str]:
        """Re-read the target; refuse if it changed since the proposal; else run the write."""
        tool = self.toolset.get(action.tool)
        if tool is None:
            return "failed", f"the tool {action.tool} no longer exists"
        if action.target_type and action.target_id:
            current = await ctx.session.get(TARGETS[action.target_type], uuid.UUID(action.target_id), populate_existing=True)
            if current is None or current.updated_at != action.target_version:
                return "stale", ""
        try:
            async with ctx.session.begin_nested():
                result = await tool.run(ctx, action.arguments)
        except DomainError as err:
            return "failed", str(err)
        return "applied", _describe(result.data)

    # -- helpers ---------------------------------------------------------------------------------

    def _tools_for(self, actor: Actor) -> dict[str, Tool]:
        """The tools this caller's role may use at all (records are checked again when used)."""
        return {name: tool for name, tool in self.toolset.tools.items()
                if allowed(actor, tool.area, "write" if tool.writes else "read")}

    def _system_prompt(self, actor: Actor, now: datetime) -> str:
        role = "admin" if actor.role in (CallerRole.system, CallerRole.service) else actor.role.value
        return render(f"system/{role}.md", today=now.date().isoformat(), weekday=now.strftime("%A"), tz="UTC",
                      user_name=actor.name, user_email=actor.email, role=actor.role.value, team=actor.team)


async def _find(session, kind: str, key: Any):
    model = TARGETS.get(kind)
    if model is None:
        raise NotFound("related_type", f"cannot refer to a {kind}")
    if model is Ticket and isinstance(key, int):
        record = await session.scalar(select(Ticket).where(Ticket.number == key))
    else:
        record = await session.get(model, key if isinstance(key, uuid.UUID) else uuid.UUID(str(key)))
    if record is None:
        raise NotFound(f"{kind}_id", f"no {kind} {key}")
    return record


def _loads(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _show(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v}" for k, v in value.items())
    return plain(value)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


_OPTIONAL = re.compile(r"\[([^\]]*)\]")


def _format(template: str, values: dict[str, Any]) -> str:
    """Fill a summary template; a [bracketed part] is dropped when a field in it is empty."""
    def optional(match: re.Match[str]) -> str:
        names = re.findall(r"\{(\w+)\}", match.group(1))
        return match.group(1) if all(values.get(n) not in (None, "", "-") for n in names) else ""

    return " ".join(_OPTIONAL.sub(optional, template).format_map(_Blank(values)).split())


def _describe(data: Any) -> str:
    """One line on what a write created, when the summary alone does not say it."""
    if not isinstance(data, dict):
        return ""
    if data.get("number"):
        return f"Ticket #{data['number']} ({data.get('status', '')})."
    deal = data.get("deal")
    if isinstance(deal, dict):
        return f"Account {data.get('account')}, deal {deal['deal_name']} ({deal['amount']}, closing {deal['close_date']})."
    return ""


def _to_message(row: ConversationMessage) -> Message:
    calls = [ToolCall(**c) for c in row.tool_calls or []]
    return Message(row.role, row.content, tool_calls=calls, tool_call_id=row.tool_call_id, name=row.name)  # type: ignore[arg-type]


def _from_user_turn(rows: list[ConversationMessage]) -> list[ConversationMessage]:
    """Drop leading messages until the first user message (a cut history must not start mid-turn)."""
    for index, row in enumerate(rows):
        if row.role == "user":
            return rows[index:]
    return []


def _unique(refs: list[dict[str, str]]) -> list[dict[str, str]]:
    seen, out = set(), []
    for r in refs:
        if (r["type"], r["id"]) not in seen:
            seen.add((r["type"], r["id"]))
            out.append(r)
    return out

