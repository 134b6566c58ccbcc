"""Shared-inbox tools: what is waiting on someone, the inbox's views, a thread's summary, and assigning a thread.

Threads are named the way people name them ("the thread from Globex", "the SSO thread", "#1042"); the service
resolves the name within the inboxes the caller works and asks which one when several match.
"""

from __future__ import annotations

from typing import Any, Literal

from store.inbox.assist import summarize
from store.inbox.service import InboxService
from store.models.inbox import ConversationStatus, InboxConversation
from store.serialize import ref
from tools.context import ToolContext
from tools.registry import ToolResult, tool


def _row(service: InboxService, conversation: InboxConversation) -> dict[str, Any]:
    brief = service.brief(conversation)
    return {
        k: brief[k]
        for k in (
            "id",
            "subject",
            "status",
            "priority",
            "customer_email",
            "last_message_at",
            "sla",
            "resolution_due",
            "assignee_id",
        )
    }


@tool(area="inbox", untrusted=True)
async def inbox_waiting_on_me(ctx: ToolContext, limit: int = 10) -> ToolResult:
    """The shared-inbox threads assigned to the user whose last message is the customer's (waiting on the user's
    answer), the most urgent first; use it for "what's waiting on me?".

    Args:
        limit: at most this many threads
    """
    service = InboxService(ctx.session, ctx.actor)
    rows = await service.waiting_on(limit=min(limit, 50))
    return ToolResult(data={"waiting": [_row(service, c) for c in rows]}, refs=[ref(c) for c in rows])


@tool(area="inbox", untrusted=True)
async def list_inbox_threads(
    ctx: ToolContext,
    view: Literal["unassigned", "mine", "all"] = "all",
    *,
    status: ConversationStatus | None = None,
    sla: Literal["breached", "due_soon", "on_track"] | None = None,
    inbox: str | None = None,
    limit: int = 10,
) -> ToolResult:
    """Threads of the shared inboxes the user works (support@, sales@), newest activity first, with counts per view.

    Args:
        view: unassigned threads, the user's own, or all
        status: only threads in this status (open, pending, snoozed, closed)
        sla: only threads in this SLA state (breached: a due time passed; due_soon: within the hour)
        inbox: only this inbox (its name, e.g. support)
        limit: at most this many threads
    """
    service = InboxService(ctx.session, ctx.actor)
    assignee = {"unassigned": "none", "mine": "me", "all": None}[view]
    found = await service.conversations(
        inbox=inbox,
        status=status,
        assignee=assignee,  # type: ignore[arg-type]
        sla_state=sla,
        limit=min(limit, 50),
    )
    return ToolResult(
        data={"total": found.total, "counts": found.counts, "threads": [_row(service, c) for c in found.items]},
        refs=[ref(c) for c in found.items],
    )


@tool(area="inbox", untrusted=True)
async def summarize_inbox_thread(ctx: ToolContext, thread: str) -> ToolResult:
    """Summarize a shared-inbox email thread ("summarize the thread from Globex"): key points, open questions, intent
    and sentiment; the summary is saved on the thread.

    Args:
        thread: words naming the thread (its subject, the customer or their company) or its ticket number
    """
    service = InboxService(ctx.session, ctx.actor)
    conversation = await service.pick(thread)
    if ctx.embedder is not None:
        conversation = await summarize(ctx.session, ctx.actor, conversation.id, ctx.embedder, writer=ctx.writer)
    return ToolResult(
        data=_row(service, conversation)
        | {"summary": conversation.summary, "intent": conversation.intent, "sentiment": conversation.sentiment},
        refs=[ref(conversation)],
    )


@tool(area="inbox", writes=True, summary="Assign the inbox thread '{thread}' to {assignee}")
async def assign_inbox_thread(ctx: ToolContext, thread: str, assignee: str) -> ToolResult:
    """Assign a shared-inbox thread to an agent of its inbox's team ("assign the SSO thread to Sam").

    Args:
        thread: words naming the thread (its subject, the customer or their company) or its ticket number
        assignee: the agent's email, full name or first name
    """
    service = InboxService(ctx.session, ctx.actor)
    conversation = await service.pick(thread)
    user = await service.agent(assignee, conversation)
    conversation = await service.assign(conversation.id, user.id)
    return ToolResult(data=_row(service, conversation) | {"assignee": user.name}, refs=[ref(conversation)])
