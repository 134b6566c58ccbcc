"""Approvals: a write is proposed (its record read-checked, dry-run in a savepoint, stored as pending with a
summary) and applied only when its user says yes, at most once, after a stale re-check of its record."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

from assistant import injection
from assistant.events import Outcome, Pending, TurnResult
from prompts import render
from store.errors import DomainError
from store.models import MONEY_FIELDS, Contact, Conversation, EmailMessage, PendingAction
from store.serialize import plain
from store.services.audit import audit
from store.services.conversations import ConversationService
from store.services.proposals import ProposalService
from tools import Tool, ToolContext, Toolset

Target = tuple[
    str | None, str | None, datetime | None, str | None
]  # (type, id, version) of the record a write changes, and a name
NAMED_BY = (("contact", "contact_id"), ("lead", "lead_id"), ("deal", "deal_id"), ("contact", "requester_contact_id"))


class Approvals:
    """Proposes and decides writes in one session, for one caller."""

    def __init__(self, ctx: ToolContext, toolset: Toolset) -> None:
        self.ctx, self.toolset = ctx, toolset
        self.conversations = ConversationService(ctx.session, ctx.actor)
        self.targets = ProposalService(ctx.session, ctx.actor)

    async def propose(self, conversation: Conversation, tool: Tool, args: BaseModel) -> Pending:
        """Dry-run a write in a savepoint (so doomed writes fail now), then record it as pending."""
        target_type, target_id, version, name = await self._target(tool, args)
        recipients = (
            await injection.check_recipients(self.targets, target_id) if target_type == EmailMessage.record_type else []
        )
        savepoint = await self.ctx.session.begin_nested()
        try:
            trial = await tool.run(replace(self.ctx, dry_run=True), args)
        finally:
            await savepoint.rollback()
        values = {k: _show(v) for k, v in args.model_dump().items()}
        found = (
            {f"result_{k}": _show(v) for k, v in trial.data.items()} if isinstance(trial.data, dict) else {}
        )  # {result_x} in summaries
        summary = _format(tool.summary or f"{tool.name} {values}", found | values | {"target": name or ""})
        if recipients:
            summary += f" to {', '.join(recipients)}"
        action = await self.conversations.propose(
            conversation,
            tool=tool.name,
            arguments=plain(args.model_dump(mode="json")),
            summary=summary,
            target_type=target_type,
            target_id=target_id,
            target_version=version,
        )
        return Pending(id=str(action.id), tool=tool.name, arguments=action.arguments, summary=summary)

    async def _target(self, tool: Tool, args: BaseModel) -> Target:
        """The record a write changes (for the stale check) and a display name for its summary."""
        values = args.model_dump()
        if tool.target:
            kind, arg = tool.target
            record = await self.targets.target(kind, values[arg])
            return kind, str(record.id), record.updated_at, record.name
        for kind, arg in NAMED_BY:
            if values.get(arg):
                return None, None, None, (await self.targets.target(kind, values[arg])).name
        if values.get("contact_ids"):
            names = [(await self.targets.target(Contact.record_type, cid)).name for cid in values["contact_ids"]]
            return None, None, None, ", ".join(names)
        if values.get("related_type") and values.get("related_id"):
            record = await self.targets.target(values["related_type"], values["related_id"])
            return None, None, None, record.name
        return None, None, None, None

    async def decide(self, conversation: Conversation, actions: list[PendingAction], approve: bool) -> TurnResult:
        """Approve or reject `actions`; each is claimed first, so it is applied at most once."""
        outcomes: list[dict[str, str]] = []
        calls: list[dict[str, Any]] = []
        written: set[tuple[str, str]] = set()  # records this decision changed already (their version moved on)
        for action in actions:
            if not await self.conversations.claim(action.id, "approved" if approve else "rejected"):
                outcomes.append({"status": "decided", "summary": action.summary, "detail": ""})
                continue
            if not approve:
                outcomes.append({"status": "rejected", "summary": action.summary, "detail": ""})
                await audit(
                    self.ctx.session,
                    self.ctx.actor,
                    action=f"approve:{action.tool}",
                    arguments=action.arguments,
                    status="rejected",
                    record_ids=[action.id],
                )
                continue
            status, detail = await self._apply(action, ours=written)
            if status == "applied" and action.target_type and action.target_id:
                written.add((action.target_type, str(action.target_id)))
            action.status, action.result = status, {"detail": detail}
            await audit(
                self.ctx.session,
                self.ctx.actor,
                action=f"approve:{action.tool}",
                arguments=action.arguments,
                status=status,
                record_ids=[action.id, action.target_id],
                error=detail if status == "failed" else None,
            )
            outcomes.append({"status": status, "summary": action.summary, "detail": detail})
            calls.append({"name": action.tool, "arguments": action.arguments, "ok": status == "applied"})
        await self.ctx.session.flush()
        return TurnResult(
            conversation_id=str(conversation.id),
            answer=render("approval_outcome.md", outcomes=outcomes),
            outcome=_outcome([o["status"] for o in outcomes]),
            tool_calls=calls,
        )

    async def _apply(self, action: PendingAction, *, ours: set[tuple[str, str]]) -> tuple[str, str]:
        """Re-read the target; refuse if it changed since the proposal (other than by an earlier write of the same
        decision, "bump it to high and hand it to noah", whose own check covered the time before); else run the write."""
        tool = self.toolset.get(action.tool)
        if tool is None:
            return "failed", f"the tool {action.tool} no longer exists"
        if action.target_type and action.target_id and (action.target_type, str(action.target_id)) not in ours:
            if await self.targets.changed_since(action.target_type, action.target_id, action.target_version):
                return "stale", ""
        try:
            if action.target_type == EmailMessage.record_type and action.target_id:
                await injection.check_recipients(self.targets, action.target_id)
            async with self.ctx.session.begin_nested():
                result = await tool.run(self.ctx, action.arguments)
        except DomainError as err:
            return "failed", str(err)
        return "applied", _describe(result.data)


def _outcome(statuses: list[str]) -> Outcome:
    """The decision's outcome from each action's status (decided, rejected, applied, stale, failed)."""
    if all(s == "decided" for s in statuses):
        return Outcome.already_decided
    if "rejected" in statuses:
        return Outcome.declined
    return Outcome.applied if "applied" in statuses else Outcome.not_applied


def _show(value: Any) -> Any:
    """A tool argument as a proposal's summary shows it; a changes mapping as "field = value" pairs."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k} = {_figure(k, v)}" for k, v in value.items())
    return plain(value)


def _figure(field: str, value: Any) -> Any:
    """A money field's value with thousands separators ("amount = 45,000"; the currency is the record's own)."""
    if field in MONEY_FIELDS:
        try:
            return f"{Decimal(str(value)):,}"
        except InvalidOperation:
            return value
    return value


class _Blank(dict[str, Any]):
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
        return (
            f"Account {data.get('account')}, deal {deal['deal_name']} ({deal['amount']}, closing {deal['close_date']})."
        )
    return ""
