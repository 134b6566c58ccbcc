"""Ticket tools: find, read with thread, create, update, assign."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any, Literal

from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Ticket
from store.models.enums import Priority, TicketStatus
from store.schemas import TicketUpdate
from store.serialize import plain, ref, to_dict
from store.services import ContactService, TicketService
from store.services.people import PeopleService
from tools.context import ToolContext
from tools.periods import Period, period_range
from tools.registry import ToolResult, tool


def _brief(t: Ticket) -> dict[str, Any]:
    return {
        "id": str(t.id),
        "number": t.number,
        "subject": t.subject,
        "status": t.status.value,
        "priority": t.priority.value,
        "created_at": plain(t.created_at),
    }


async def _ticket(ctx: ToolContext, ticket_id: uuid.UUID | None, number: int | None) -> Ticket:
    service = TicketService(ctx.session, ctx.actor)
    if number is not None:
        return await service.by_number(number)
    if ticket_id is None:
        raise InvalidInput("number", "give the ticket number or its id")
    return await service.get(ticket_id)


@tool(area="tickets", untrusted=True)
async def search_tickets(
    ctx: ToolContext,
    query: str | None = None,
    status: TicketStatus | None = None,
    priority: Priority | None = None,
    account_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    open_only: bool = False,
    sentiment: Literal["negative", "neutral", "positive"] | None = None,
    intent: Literal["billing", "bug", "how_to", "access", "cancellation", "feature_request", "other"] | None = None,
    limit: int = 10,
    mine: bool = False,
    assignee: str | None = None,
    unassigned: bool = False,
    created_since: date | None = None,
    resolved_in: Period | None = None,
    order: Literal["newest", "oldest"] = "newest",
) -> ToolResult:
    """List support tickets by text, status, priority, account, requester, or the sentiment and intent their summary found.

    Args:
        query: part of the subject
        status: only tickets in this status
        priority: only tickets of this priority
        account_id: only this account's tickets
        contact_id: only tickets this contact raised
        open_only: only tickets not yet resolved or closed
        sentiment: only tickets whose summary found this customer sentiment
        intent: only tickets whose summary found this intent
        limit: at most this many tickets
        mine: only tickets assigned to the user (their queue)
        assignee: only tickets assigned to this teammate (their queue): email, full or first name
        unassigned: only tickets assigned to no one ("what's sitting unassigned")
        created_since: only tickets that came in on or after this day ("tickets that came in today")
        resolved_in: only tickets resolved in this period ("how many tickets did we close last week": last_week)
        order: newest first, or oldest first ("the oldest open ticket in my queue")
    """
    assignee_id = ctx.actor.user_id if mine else None
    if assignee:
        assignee_id = (await PeopleService(ctx.session, ctx.actor).colleague(assignee, field="assignee")).id
    resolved = period_range(resolved_in, ctx.now.date()) if resolved_in else (None, None)
    service = TicketService(ctx.session, ctx.actor)
    tickets, total = await service.search(
        q=query,
        status=status,
        priority=priority,
        account_id=account_id,
        contact_id=contact_id,
        open_only=open_only,
        assignee_id=assignee_id,
        sentiment=sentiment,
        intent=intent,
        unassigned=unassigned,
        created_since=created_since,
        resolved_from=resolved[0],
        resolved_to=resolved[1],
        oldest_first=order == "oldest",
        limit=min(limit, 50),
    )
    requesters, accounts = await service.requesters(tickets), await service.accounts(tickets)
    return ToolResult(
        data={
            "total": total,
            "tickets": [
                _brief(t) | {"requester": requesters.get(t.id), "account": accounts.get(t.id)} for t in tickets
            ],
        },
        refs=[ref(t) for t in tickets],
    )


_NOT_DESCRIPTIVE = frozenset(
    "the a an my our their his her its this that ticket tickets case cases issue one from for of about with by at on".split()
)


@tool(area="tickets")
async def find_tickets(
    ctx: ToolContext, description: str, open_only: bool = True, mine: bool = False, limit: int = 5
) -> ToolResult:
    """The numbers of the tickets a description names, e.g. "the calendar sync ticket for the legal team", "maya
    dubois's sso ticket" or "1013": every word must be in a ticket's subject, its requester's name or its account's
    name, or be its number. It
    returns numbers, status, priority, requester and account but not the subject, so a change can follow in the same
    turn; read a ticket with get_ticket.

    Args:
        description: the words the user used for the ticket (subject words, requester, account)
        open_only: only tickets not yet resolved or closed
        mine: only tickets assigned to the user
        limit: at most this many tickets
    """
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9-]*", description.lower()) if w not in _NOT_DESCRIPTIVE]
    if not words:
        raise InvalidInput("description", "say something about the ticket: words of its subject, who raised it")
    found = await TicketService(ctx.session, ctx.actor).described(
        words, open_only=open_only, assignee_id=ctx.actor.user_id if mine else None, limit=min(limit, 20)
    )
    return ToolResult(
        data=[
            {
                "id": str(t.id),
                "number": t.number,
                "status": t.status.value,
                "priority": t.priority.value,
                "requester": requester,
                "account": account,
            }
            for t, requester, account in found
        ],
        refs=[ref(t) for t, _, _ in found],
    )


@tool(area="tickets", untrusted=True)
async def get_ticket(ctx: ToolContext, number: int | None = None, ticket_id: uuid.UUID | None = None) -> ToolResult:
    """One ticket with its message thread, by number (e.g. 1042) or id.

    Args:
        number: the ticket number people use
        ticket_id: the ticket's id
    """
    ticket = await _ticket(ctx, ticket_id, number)
    service = TicketService(ctx.session, ctx.actor)
    messages = await service.messages(ticket.id)
    return ToolResult(
        data=to_dict(ticket)
        | await service.people(ticket)
        | {
            "messages": [
                {"from": m.author_type.value, "at": plain(m.created_at), "body": m.body, "internal": m.internal}
                for m in messages
            ]
        },
        refs=[ref(ticket), *await _requester(ctx, ticket)],
    )


async def _requester(ctx: ToolContext, ticket: Ticket) -> list[dict[str, str]]:
    """The ticket's requester as a record reference when the caller may read that contact (a later "open a new ticket
    for her" names her), else none."""
    if ticket.requester_contact_id is None:
        return []
    try:
        return [ref(await ContactService(ctx.session, ctx.actor).get(ticket.requester_contact_id))]
    except (NotFound, PermissionDenied):
        return []


@tool(area="tickets", writes=True, summary="Open a {priority} ticket: {subject}[ for {target}]")
async def create_ticket(
    ctx: ToolContext,
    subject: str,
    *,
    priority: Priority = Priority.medium,
    requester_contact_id: uuid.UUID | None = None,
    description: str | None = None,
    product: str | None = None,
) -> ToolResult:
    """Open a support ticket, usually on behalf of a contact.

    Args:
        subject: a one-line summary of the problem
        priority: low, medium, high or urgent
        requester_contact_id: the contact who has the problem
        description: the details
        product: the product area concerned
    """
    data = {k: v for k, v in locals().items() if k != "ctx" and v is not None}
    ticket = await TicketService(ctx.session, ctx.actor).create(data)
    return ToolResult(data=_brief(ticket), refs=[ref(ticket)])


@tool(area="tickets", writes=True, target=(Ticket.record_type, "number"), summary="Update ticket #{number}: {changes}")
async def update_ticket(ctx: ToolContext, number: int, changes: TicketUpdate) -> ToolResult:
    """Change some of a ticket's fields, e.g. its status (open, pending, resolved, closed), priority, subject or product.

    Args:
        number: the ticket number
        changes: only the fields to change, with their new values
    """
    ticket = await _ticket(ctx, None, number)
    ticket = await TicketService(ctx.session, ctx.actor).update(ticket.id, changes)
    return ToolResult(data=_brief(ticket), refs=[ref(ticket)])


@tool(
    area="tickets", writes=True, target=(Ticket.record_type, "number"), summary="Assign ticket #{number} to {assignee}"
)
async def assign_ticket(ctx: ToolContext, number: int, assignee: str) -> ToolResult:
    """Assign a ticket to a support agent, manager or admin by email, full name or first name ("me": yourself).

    Args:
        number: the ticket number
        assignee: the user who takes the ticket: email, full name, first name, or "me"
    """
    service = TicketService(ctx.session, ctx.actor)
    user = await service.assignee_named(assignee)
    ticket = await _ticket(ctx, None, number)
    ticket = await service.assign(ticket.id, user.id)
    return ToolResult(data=_brief(ticket) | {"assignee": user.name}, refs=[ref(ticket)])
