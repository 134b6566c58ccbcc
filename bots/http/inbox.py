"""`/api/v1/inbox`: inbound mail (the per-inbox webhook), the conversation views, one thread, and the agents' actions
(reply, assign, claim, notes, status, presence, suggestion). Thin over `store.inbox`: every rule lives there.

Annotations are real classes at definition time (no `from __future__ import annotations`): Litestar reads them.
"""

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.params import FromPath, HeaderParameter, JSONBody
from pydantic import BaseModel, Field

from bots.http.responses import (
    ConversationBrief,
    ConversationPage,
    ConversationThread,
    Inbound,
    Inboxes,
    NoteAdded,
    Others,
    ReplySent,
    ReplySuggestion,
)
from bots.http.state import Caller, Nexa
from store.access import redact
from store.inbox.assist import suggest
from store.inbox.service import MAX_BODY, InboxService, receive
from store.models.enums import Priority
from store.models.inbox import ConversationStatus, PresenceState
from store.schemas import Input, Instant, parse
from store.services.audit import audit

MAX_INBOUND = (
    64 * 1024 * 1024
)  # bytes of one raw message posted to the webhook (a 30 MB attachment fits, base64-encoded)
SECRET_HEADER = "X-Nexa-Inbox-Secret"
RAW_TYPES = ("message/rfc822", "application/octet-stream")


@post("/{inbox:str}/inbound", status_code=202, request_max_body_size=MAX_INBOUND, tags=["inbox"])
async def inbound(
    request: Request,
    nexa: Nexa,
    inbox: FromPath[str],
    secret: Annotated[str | None, HeaderParameter(name=SECRET_HEADER, max_length=200)] = None,
) -> Inbound:
    """One raw RFC 822 message (`Content-Type: message/rfc822`) for the inbox, authenticated by its secret in the
    `X-Nexa-Inbox-Secret` header. Answers what became of it: new_thread, threaded or duplicate, and any problems."""
    if not secret:
        raise NotAuthorizedException(f"{SECRET_HEADER}: the inbox's secret is required")
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype not in RAW_TYPES:
        raise HTTPException(
            status_code=415, detail=f"Content-Type: send the raw message as message/rfc822 (got '{ctype or 'none'}')"
        )
    raw = await request.body()
    if not raw.strip():
        raise HTTPException(status_code=400, detail="body: an empty message")
    async with nexa.db.session() as session:
        return msgspec.convert((await receive(session, inbox, secret, raw, nexa.settings)).to_dict(), Inbound)


class ConversationFilters(Input):
    inbox: str | None = Field(None, max_length=50)
    status: ConversationStatus | None = None
    assignee: Literal["me", "none"] | uuid.UUID | None = None
    sla: Literal["breached", "due_soon", "on_track", "none"] | None = None
    q: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=200)
    after: str | None = Field(None, max_length=80, description="the previous page's `after` (keyset paging)")


@get("/inboxes", tags=["inbox"])
async def inboxes(nexa: Nexa, actor: Caller) -> Inboxes:
    """The inboxes the caller works, with their view counts."""
    async with nexa.db.session() as session:
        service = InboxService(session, actor)
        return msgspec.convert(
            {
                "items": [
                    {
                        "name": i.name,
                        "address": i.address,
                        "team": i.team,
                        "kind": i.kind.value,
                        "counts": await service.counts(inbox=i.name),
                    }
                    for i in await service.inboxes()
                ]
            },
            Inboxes,
        )


@get("/conversations", tags=["inbox"], description=f"Filters: {', '.join(ConversationFilters.model_fields)}.")
async def conversations(request: Request, nexa: Nexa, actor: Caller) -> ConversationPage:
    """Conversations of the caller's inboxes, most recent first: filter by inbox, status, assignee (me, none or a user
    id) and SLA state (breached, due_soon, on_track, none); `counts` holds every view's size; `after` (null on the
    last page) asks for the next page."""
    filters = parse(ConversationFilters, dict(request.query_params))
    async with nexa.db.session() as session:
        service = InboxService(session, actor)
        page = await service.conversations(
            inbox=filters.inbox,
            status=filters.status,
            assignee=filters.assignee,
            sla_state=filters.sla,
            q=filters.q,
            limit=filters.limit,
            after=filters.after,
        )
        names = {i.id: i.name for i in await service.inboxes()}
        return msgspec.convert(
            {
                "total": page.total,
                "limit": filters.limit,
                "after": page.after,
                "counts": page.counts,
                "items": [service.brief(c, names.get(c.inbox_id)) for c in page.items],
            },
            ConversationPage,
        )


@get("/conversations/{conversation_id:uuid}", tags=["inbox"])
async def conversation(nexa: Nexa, actor: Caller, conversation_id: FromPath[uuid.UUID]) -> ConversationThread:
    """One thread with its messages (sanitized HTML only), attachments, notes, linked records and who else is on it.
    Reading it marks it read up to its last message (a later reply by someone else then needs a confirmation)."""
    async with nexa.db.session() as session:
        service = InboxService(session, actor)
        return msgspec.convert(redact(actor, service.full(await service.thread(conversation_id))), ConversationThread)


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    confirm: bool = False
    status: ConversationStatus = ConversationStatus.pending


@post("/conversations/{conversation_id:uuid}/reply", status_code=202, tags=["inbox"])
async def reply(nexa: Nexa, actor: Caller, conversation_id: FromPath[uuid.UUID], data: JSONBody[ReplyIn]) -> ReplySent:
    """Send a reply from the inbox's address (queued for SMTP). 409 with `since` (the messages you have not read)
    when someone else wrote since you last read the thread: send again with `confirm: true`."""
    async with nexa.db.session() as session:
        message = await InboxService(session, actor).reply(
            conversation_id, data.body, nexa.settings, confirm=data.confirm, status=data.status
        )
        await audit(
            session,
            actor,
            action="api:inbox.reply",
            arguments={"confirm": data.confirm, "status": data.status, "chars": len(data.body)},
            status="ok",
            record_ids=[conversation_id, message.id],
        )
        return ReplySent(
            id=str(message.id), message_id=message.message_id, state=message.state.value, subject=message.subject
        )


class AssignIn(BaseModel):
    assignee_id: uuid.UUID | None


@post("/conversations/{conversation_id:uuid}/assign", status_code=200, tags=["inbox"])
async def assign(
    nexa: Nexa, actor: Caller, conversation_id: FromPath[uuid.UUID], data: JSONBody[AssignIn]
) -> ConversationBrief:
    """Give the conversation to an agent of its inbox's team (`null` unassigns)."""
    async with nexa.db.session() as session:
        service = InboxService(session, actor)
        found = await service.assign(conversation_id, data.assignee_id)
        await audit(
            session,
            actor,
            action="api:inbox.assign",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[conversation_id],
        )
        return msgspec.convert(service.brief(found), ConversationBrief)


@post("/conversations/{conversation_id:uuid}/claim", status_code=200, tags=["inbox"])
async def claim(nexa: Nexa, actor: Caller, conversation_id: FromPath[uuid.UUID]) -> ConversationBrief:
    """Take the conversation (409 when another agent has it)."""
    async with nexa.db.session() as session:
        service = InboxService(session, actor)
        found = await service.claim(conversation_id)
        await audit(session, actor, action="api:inbox.claim", status="ok", record_ids=[conversation_id])
        return msgspec.convert(service.brief(found), ConversationBrief)


class NoteIn(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_BODY)


@post("/conversations/{conversation_id:uuid}/notes", status_code=201, tags=["inbox"])
async def add_note(
    nexa: Nexa, actor: Caller, conversation_id: FromPath[uuid.UUID], data: JSONBody[NoteIn]
) -> NoteAdded:
    """An internal note; @mentions of the inbox's agents are resolved (and DM'd on Slack when mapped)."""
    async with nexa.db.session() as session:
        note, mentioned = await InboxService(session, actor).add_note(conversation_id, data.body)
        await audit(
            session,
            actor,
            action="api:inbox.note",
            arguments={"mentioned": [u.id for u in mentioned]},
            status="ok",
            record_ids=[conversation_id, note.id],
        )
        return msgspec.convert(
            {
                "id": str(note.id),
                "body": note.body,
                "mentioned": [{"id": str(u.id), "name": u.name} for u in mentioned],
            },
            NoteAdded,
        )


class StatusIn(Input):
    status: ConversationStatus
    snoozed_until: Instant | None = None
    priority: Priority | None = None


@post("/conversations/{conversation_id:uuid}/status", status_code=200, tags=["inbox"])
async def set_status(
    nexa: Nexa, actor: Caller, conversation_id: FromPath[uuid.UUID], data: JSONBody[StatusIn]
) -> ConversationBrief:
    """open, pending, snoozed (with `snoozed_until`) or closed; optionally a new priority (moves the SLA due times)."""
    async with nexa.db.session() as session:
        service = InboxService(session, actor)
        found = await service.set_status(
            conversation_id, data.status, snoozed_until=data.snoozed_until, priority=data.priority
        )
        await audit(
            session,
            actor,
            action="api:inbox.status",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[conversation_id],
        )
        return msgspec.convert(service.brief(found), ConversationBrief)


class PresenceIn(BaseModel):
    state: PresenceState


@post("/conversations/{conversation_id:uuid}/presence", status_code=200, tags=["inbox"])
async def presence(
    nexa: Nexa, actor: Caller, conversation_id: FromPath[uuid.UUID], data: JSONBody[PresenceIn]
) -> Others:
    """Say you are viewing or drafting (every minute while true); answers who else is."""
    async with nexa.db.session() as session:
        return msgspec.convert({"others": await InboxService(session, actor).mark(conversation_id, data.state)}, Others)


@get("/conversations/{conversation_id:uuid}/suggestion", tags=["inbox"])
async def suggestion(nexa: Nexa, actor: Caller, conversation_id: FromPath[uuid.UUID]) -> ReplySuggestion:
    """The thread's summary, intent and sentiment, and a suggested reply grounded in the public help center (citations
    [n]) with similar resolved tickets beside it. Nothing is sent: the agent edits it and sends it with /reply."""
    async with nexa.db.session() as session:
        return msgspec.convert(
            redact(actor, (await suggest(session, actor, conversation_id, nexa.embedder)).to_dict()), ReplySuggestion
        )


@get("/attachments/{attachment_id:uuid}", tags=["inbox"])
async def attachment(nexa: Nexa, actor: Caller, attachment_id: FromPath[uuid.UUID]) -> Response[bytes]:
    """A stored attachment, always as a download (never rendered inline)."""
    async with nexa.db.session() as session:
        found = await InboxService(session, actor).attachment(attachment_id)
        safe = "".join(ch for ch in found.filename if ch.isalnum() or ch in "._- ")[:100] or "attachment"
        return Response(
            found.content or b"",
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{safe}"', "X-Content-Type-Options": "nosniff"},
        )


inbox_router = Router(
    path="/inbox",
    route_handlers=[
        inbound,
        inboxes,
        conversations,
        conversation,
        reply,
        assign,
        claim,
        add_note,
        set_status,
        presence,
        suggestion,
        attachment,
    ],
)
