"""The console's shared inbox: the list with its views and counts, and one thread with its summary, the suggested
reply, the customer's 360 panel, notes, assignment, status, SLA badges and who else is on it.

Every read and write goes through `store.inbox` (InboxService, suggest) and the 360 view service, as the signed-in
agent: which inboxes they work, which deals the panel shows and which fields it hides are the services' rules. Each
write is audited as `console:inbox.<action>` on the `console` channel, in the transaction of the change.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, Parameter
from litestar.response import Redirect, Template

from bots.http.state import Caller, Nexa
from bots.web.render import is_htmx, page
from bots.web.session import PATH
from store.access import redact
from store.errors import DomainError, InvalidInput
from store.inbox.assist import suggest
from store.inbox.service import InboxService
from store.inbox.views import Assignee
from store.models.enums import Priority
from store.models.inbox import ConversationStatus, PresenceState
from store.services.audit import audit
from store.services.people import PeopleService
from store.services.views import ViewService

View = Literal["unassigned", "mine", "all"]
VIEWS: dict[str, tuple[str, Assignee]] = {
    "unassigned": ("Unassigned", "none"),
    "mine": ("Mine", "me"),
    "all": ("All", None),
}
SLA_LABELS = {
    "breached": "SLA breached",
    "due_soon": "Due within the hour",
    "on_track": "On track",
    "none": "No SLA clock",
}
STATUSES = [s.value for s in ConversationStatus]


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _thread_url(conversation_id: uuid.UUID | str) -> str:
    return f"{PATH}/inbox/{conversation_id}"


def _back(request: Request, conversation_id: uuid.UUID) -> Response:
    """After a change: the thread again (htmx: a full reload of it, so every panel shows the new state)."""
    if is_htmx(request):
        return Response(b"", headers={"HX-Redirect": _thread_url(conversation_id)})
    return Redirect(_thread_url(conversation_id), status_code=303)


@get("/inbox", name="console_inbox")
async def inbox_list(
    request: Request,
    nexa: Nexa,
    user: Caller,
    view: FromQuery[View] = "unassigned",
    status: FromQuery[ConversationStatus | None] = None,
    sla: FromQuery[Literal["breached", "due_soon", "on_track", "none"] | None] = None,
    inbox: Annotated[str | None, Parameter(max_length=50)] = None,
    q: Annotated[str | None, Parameter(max_length=200)] = None,
    after: Annotated[str | None, Parameter(max_length=80)] = None,
) -> Template:
    """Conversations of the inboxes the agent works, by view (unassigned, mine, all), status, SLA state and inbox;
    100 a page, `after` the previous page's last one."""
    async with nexa.db.session() as session:
        service = InboxService(session, user)
        inboxes = await service.inboxes()
        found = await service.conversations(
            inbox=inbox or None,
            status=status,
            assignee=VIEWS[view][1],
            sla_state=sla,
            q=q or None,
            limit=100,
            after=after or None,
        )
        names = {i.id: i.name for i in inboxes}
        items = [service.brief(c, names.get(c.inbox_id)) for c in found.items]
        people = {str(p.id): p.name for p in await PeopleService(session, user).teammates()}
    filters = {
        "view": view,
        "status": status.value if status else "",
        "sla": sla or "",
        "inbox": inbox or "",
        "q": q or "",
    }
    return page(
        request,
        "inbox.html",
        items=items,
        total=found.total,
        counts=found.counts,
        inboxes=inboxes,
        view=view,
        views=VIEWS,
        status_filter=filters["status"],
        sla=filters["sla"],
        inbox=filters["inbox"],
        q=filters["q"],
        statuses=STATUSES,
        sla_labels=SLA_LABELS,
        people=people,
        next_url=f"{PATH}/inbox?{urlencode({k: v for k, v in filters.items() if v} | {'after': found.after})}"
        if found.after
        else None,
    )


@get("/inbox/{conversation_id:uuid}", name="console_inbox_thread")
async def thread(request: Request, nexa: Nexa, user: Caller, conversation_id: FromPath[uuid.UUID]) -> Template:
    """One thread: reading it marks it read up to its last message and shows the agent as viewing it."""
    async with nexa.db.session() as session:
        service = InboxService(session, user)
        found = await service.thread(conversation_id)
        data = redact(user, service.full(found))
        customer = None
        if found.conversation.contact_id is not None:
            try:
                customer = await ViewService(session, user).contact_360(found.conversation.contact_id, timeline_limit=5)
            except DomainError:  # a contact the agent may not read: no panel, the thread still shows
                customer = None
        people = await PeopleService(session, user).teammates()
    return page(
        request,
        "thread.html",
        c=data,
        customer=customer,
        people=people,
        statuses=STATUSES,
        sla_labels=SLA_LABELS,
        priorities=[p.value for p in Priority],
        names={str(p.id): p.name for p in people},
    )


@get("/inbox/{conversation_id:uuid}/suggestion", name="console_inbox_suggestion")
async def suggestion(request: Request, nexa: Nexa, user: Caller, conversation_id: FromPath[uuid.UUID]) -> Template:
    """The summary and a suggested reply grounded in the help center, with its citations (a fragment)."""
    async with nexa.db.session() as session:
        found = redact(user, (await suggest(session, user, conversation_id, nexa.embedder)).to_dict())
    return page(request, "_suggestion.html", s=found)


@post("/inbox/{conversation_id:uuid}/reply", name="console_inbox_reply")
async def reply(request: Request, nexa: Nexa, user: Caller, conversation_id: FromPath[uuid.UUID]) -> Response:
    """Send the (edited) reply; a reply after someone else's unread message is refused until confirmed."""
    form = await _form(request)
    status = form.get("status") or ConversationStatus.pending.value
    if status not in STATUSES:
        raise InvalidInput("status", f"'{status}' is not one of {', '.join(STATUSES)}")
    async with nexa.db.session() as session:
        message = await InboxService(session, user).reply(
            conversation_id,
            form.get("body", ""),
            nexa.settings,
            confirm=form.get("confirm") == "true",
            status=ConversationStatus(status),
        )
        await audit(
            session,
            user,
            action="console:inbox.reply",
            arguments={"confirm": form.get("confirm") == "true", "status": status, "chars": len(form.get("body", ""))},
            status="ok",
            record_ids=[conversation_id, message.id],
        )
    return _back(request, conversation_id)


@post("/inbox/{conversation_id:uuid}/claim", name="console_inbox_claim")
async def claim(request: Request, nexa: Nexa, user: Caller, conversation_id: FromPath[uuid.UUID]) -> Response:
    async with nexa.db.session() as session:
        await InboxService(session, user).claim(conversation_id)
        await audit(session, user, action="console:inbox.claim", status="ok", record_ids=[conversation_id])
    return _back(request, conversation_id)


@post("/inbox/{conversation_id:uuid}/assign", name="console_inbox_assign")
async def assign(request: Request, nexa: Nexa, user: Caller, conversation_id: FromPath[uuid.UUID]) -> Response:
    form = await _form(request)
    raw = form.get("assignee_id", "")
    try:
        assignee = uuid.UUID(raw) if raw else None
    except ValueError:
        raise InvalidInput("assignee_id", f"'{raw}' is not a user id") from None
    async with nexa.db.session() as session:
        await InboxService(session, user).assign(conversation_id, assignee)
        await audit(
            session,
            user,
            action="console:inbox.assign",
            arguments={"assignee_id": assignee},
            status="ok",
            record_ids=[conversation_id],
        )
    return _back(request, conversation_id)


@post("/inbox/{conversation_id:uuid}/status", name="console_inbox_status")
async def set_status(request: Request, nexa: Nexa, user: Caller, conversation_id: FromPath[uuid.UUID]) -> Response:
    """open, pending, snoozed until a time (the browser's local time, sent with its offset) or closed; a priority."""
    form = await _form(request)
    status, priority = form.get("status", ""), form.get("priority") or None
    if status not in STATUSES:
        raise InvalidInput("status", f"'{status}' is not one of {', '.join(STATUSES)}")
    if priority is not None and priority not in {p.value for p in Priority}:
        raise InvalidInput("priority", f"'{priority}' is not a priority")
    until = _moment(form.get("snoozed_until", ""), form.get("tz_offset", "0")) if status == "snoozed" else None
    async with nexa.db.session() as session:
        await InboxService(session, user).set_status(
            conversation_id,
            ConversationStatus(status),
            snoozed_until=until,
            priority=Priority(priority) if priority else None,
        )
        await audit(
            session,
            user,
            action="console:inbox.status",
            arguments={"status": status, "snoozed_until": until, "priority": priority},
            status="ok",
            record_ids=[conversation_id],
        )
    return _back(request, conversation_id)


@post("/inbox/{conversation_id:uuid}/notes", name="console_inbox_note")
async def add_note(request: Request, nexa: Nexa, user: Caller, conversation_id: FromPath[uuid.UUID]) -> Response:
    form = await _form(request)
    async with nexa.db.session() as session:
        note, mentioned = await InboxService(session, user).add_note(conversation_id, form.get("body", ""))
        await audit(
            session,
            user,
            action="console:inbox.note",
            arguments={"mentioned": [u.id for u in mentioned]},
            status="ok",
            record_ids=[conversation_id, note.id],
        )
    return _back(request, conversation_id)


@post("/inbox/{conversation_id:uuid}/presence", name="console_inbox_presence")
async def presence(request: Request, nexa: Nexa, user: Caller, conversation_id: FromPath[uuid.UUID]) -> Template:
    """The agent is viewing or drafting (the page says so every 30 s, and when typing); answers who else is."""
    form = await _form(request)
    state = form.get("state", "viewing")
    if state not in {s.value for s in PresenceState}:
        raise InvalidInput("state", f"'{state}' is not one of {[s.value for s in PresenceState]}")
    async with nexa.db.session() as session:
        others = await InboxService(session, user).mark(conversation_id, PresenceState(state))
    return page(request, "_presence.html", others=others)


@get("/inbox/attachments/{attachment_id:uuid}", name="console_inbox_attachment")
async def attachment(nexa: Nexa, user: Caller, attachment_id: FromPath[uuid.UUID]) -> Response[bytes]:
    """A stored attachment of a thread the agent may read, always as a download (never rendered inline)."""
    async with nexa.db.session() as session:
        found = await InboxService(session, user).attachment(attachment_id)
    safe = "".join(ch for ch in found.filename if ch.isalnum() or ch in "._- ")[:100] or "attachment"
    return Response(
        found.content or b"",
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{safe}"', "X-Content-Type-Options": "nosniff"},
    )


def _moment(local: str, offset_minutes: str) -> datetime:
    """A `datetime-local` value and the browser's `getTimezoneOffset()` as an aware UTC time."""
    try:
        naive = datetime.fromisoformat(local)
        offset = int(offset_minutes or 0)
    except ValueError:
        raise InvalidInput("snoozed_until", f"'{local}' is not a date and time") from None
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=UTC) + timedelta(minutes=offset)  # getTimezoneOffset() is UTC minus local time


INBOX = [inbox_list, thread, suggestion, reply, claim, assign, set_status, add_note, presence, attachment]
