"""Working the shared inbox: threads, claiming and assigning, statuses, notes with @mentions, presence
(who is viewing or drafting) and replies that never silently double another agent's; the lists and lookups are
`store.inbox.views`.

Inboxes belong to teams. Admins (and the system) work every inbox; everyone else with the `inbox` right works
the inboxes of their own team, and a conversation of another team's inbox does not exist for them (404). The
records a thread links (contact, ticket, deal) are shown only when the caller may read them.

Collision rule: reading a thread (`thread`) records how far the reader has read. A reply checks, under a lock on
the conversation, whether any message arrived or was sent since then by someone else; if so it is refused with
`ReplyCollision` (409, carrying those messages) unless the agent confirms, having seen them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import require
from store.clock import utcnow
from store.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from store.inbox import sla
from store.inbox.ingest import Ingested, ingest
from store.inbox.outbound import compose_reply
from store.inbox.views import AGENT_ROLES, InboxViews
from store.jobs.defer import defer
from store.models import (
    Contact,
    Deal,
    Inbox,
    InboxAttachment,
    InboxConversation,
    InboxMessage,
    InboxNote,
    InboxPresence,
    Ticket,
    User,
)
from store.models.enums import ActivityType, Priority, RecordType, Role, TicketStatus
from store.models.inbox import ConversationStatus, Direction, InboxKind, MailKind, PresenceState
from store.serialize import plain, ref
from store.services.emails import SmtpTarget
from store.services.tickets import TicketService
from store.services.timeline import record_activity
from store.settings import Settings, get_settings

PRESENCE_FRESH = timedelta(minutes=2)  # a viewer or drafter not heard from for longer has left
MAX_BODY = 100_000
MENTION = re.compile(r"(?<![\w.])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


class ReplyCollision(Conflict):
    """Someone else wrote in the thread since the agent last read it: the reply needs a confirmation."""

    def __init__(self, since: list[dict[str, Any]]) -> None:
        who = ", ".join(sorted({m["from"] or "?" for m in since}))
        super().__init__(
            "confirm",
            f"{len(since)} message(s) arrived or were sent since you last read this thread "
            f"(from {who}); read them and send again with confirm=true",
        )
        self.extra = {"since": since}


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class Thread:
    """A conversation as one reader sees it."""

    conversation: InboxConversation
    inbox: Inbox
    messages: list[InboxMessage]
    attachments: dict[uuid.UUID, list[InboxAttachment]]
    notes: list[InboxNote]
    links: list[dict[str, str]]  # the linked records the reader may read
    others: list[dict[str, str]] = field(default_factory=list)  # other agents viewing or drafting now


class InboxService(InboxViews):
    """The shared inbox for one caller (see the module's docstring for the rules)."""

    # ---------------------------------------------------------------- inboxes

    async def create_inbox(
        self,
        *,
        name: str,
        address: str,
        team: str | None,
        kind: InboxKind = InboxKind.support,
        rules: dict[str, Any] | None = None,
        imap_url: str | None = None,
    ) -> tuple[Inbox, str]:
        """A new inbox and its inbound webhook secret (returned once; only its hash is stored). Admins only."""
        self._admin("create an inbox")
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", name):
            raise InvalidInput("name", "lowercase letters, digits, '-' and '_' (at most 50)")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise InvalidInput("address", f"'{address}' is not an email address")
        rules = dict(rules or {})
        if "default_priority" in rules:
            Priority(rules["default_priority"])
        secret = secrets.token_urlsafe(32)
        inbox = Inbox(
            name=name,
            address=address.lower(),
            team=team,
            kind=kind,
            rules=rules,
            secret_hash=secret_hash(secret),
            imap_url=imap_url,
        )
        self.session.add(inbox)
        await self.flush()
        return inbox, secret

    async def rotate_secret(self, name: str) -> str:
        """A new webhook secret for the inbox (the old one stops working). Admins only."""
        self._admin("change an inbox's secret")
        inbox = await self.inbox(name)
        secret = secrets.token_urlsafe(32)
        inbox.secret_hash = secret_hash(secret)
        await self.flush()
        return secret

    async def inboxes(self) -> list[Inbox]:
        """The inboxes the caller works."""
        require(self.actor, "inbox", "read")
        return list(await self.session.scalars(select(Inbox).where(self._team_inboxes()).order_by(Inbox.name)))

    async def inbox(self, name: str) -> Inbox:
        """One inbox the caller works, by name."""
        require(self.actor, "inbox", "read")
        inbox = await self.session.scalar(select(Inbox).where(Inbox.name == name, self._team_inboxes()))
        if inbox is None:
            raise NotFound("inbox", f"no inbox '{name}' you work")
        return inbox

    # ---------------------------------------------------------------- one thread

    async def thread(self, conversation_id: uuid.UUID | str, *, mark_read: bool = True) -> Thread:
        """The conversation with its messages, attachments (without content), notes, linked records and the other
        agents viewing or drafting it; reading it records how far the caller has read (see `reply`)."""
        conversation = await self.get(conversation_id)
        inbox = await self.session.get(Inbox, conversation.inbox_id)
        messages = list(
            await self.session.scalars(
                select(InboxMessage).where(InboxMessage.conversation_id == conversation.id).order_by(InboxMessage.seq)
            )
        )
        attachments: dict[uuid.UUID, list[InboxAttachment]] = {}
        if messages:
            for a in await self.session.scalars(
                select(InboxAttachment)
                .where(InboxAttachment.message_id.in_([m.id for m in messages]))
                .order_by(InboxAttachment.created_at)
            ):
                attachments.setdefault(a.message_id, []).append(a)
        notes = list(
            await self.session.scalars(
                select(InboxNote).where(InboxNote.conversation_id == conversation.id).order_by(InboxNote.created_at)
            )
        )
        if mark_read and self.actor.user_id is not None:
            await self._presence(conversation.id, PresenceState.viewing, read_seq=messages[-1].seq if messages else 0)
        return Thread(
            conversation,
            inbox,  # type: ignore[arg-type]
            messages,
            attachments,
            notes,
            await self._links(conversation),
            await self.others(conversation.id),
        )

    async def attachment(self, attachment_id: uuid.UUID | str) -> InboxAttachment:
        """One stored attachment (with its content) of a conversation the caller may read."""
        found = await self.load(InboxAttachment, attachment_id, field="attachment_id")
        await self.session.refresh(found, ["content"])  # deferred: loaded only here
        message = await self.session.get(InboxMessage, found.message_id)
        await self.get(message.conversation_id)  # type: ignore[union-attr]
        if found.dropped:
            raise NotFound("attachment_id", f"{found.filename} was not stored: {found.dropped}")
        return found

    async def mark(self, conversation_id: uuid.UUID | str, state: PresenceState) -> list[dict[str, str]]:
        """The caller is viewing or drafting a reply now (call it every minute while true); the others there."""
        conversation = await self.get(conversation_id)
        if self.actor.user_id is None:
            raise InvalidInput("user", "only a person can view or draft")
        await self._presence(conversation.id, state)
        return await self.others(conversation.id)

    async def others(self, conversation_id: uuid.UUID) -> list[dict[str, str]]:
        """Other agents who viewed or drafted in this conversation in the last two minutes."""
        rows = (
            await self.session.execute(
                select(User.id, User.name, InboxPresence.state, InboxPresence.seen_at)
                .join(User, User.id == InboxPresence.user_id)
                .where(
                    InboxPresence.conversation_id == conversation_id,
                    InboxPresence.seen_at >= utcnow() - PRESENCE_FRESH,
                    InboxPresence.user_id != self.actor.user_id if self.actor.user_id else true(),
                )
            )
        ).all()
        return [
            {"user_id": str(uid), "name": name, "state": state.value, "since": plain(seen)}
            for uid, name, state, seen in rows
        ]

    # ---------------------------------------------------------------- changes

    async def assign(self, conversation_id: uuid.UUID | str, assignee_id: uuid.UUID | None) -> InboxConversation:
        """Give the conversation to an agent of its inbox's team (None: unassign); its ticket follows."""
        require(self.actor, "inbox", "write")
        conversation = await self.get(conversation_id, lock=True)
        inbox = await self.session.get(Inbox, conversation.inbox_id)
        if assignee_id is not None:
            user = await self.session.get(User, assignee_id)
            if user is None or not user.is_active:
                raise NotFound("assignee_id", f"no active user with id {assignee_id}")
            if user.role not in AGENT_ROLES or (
                inbox.team is not None and user.team != inbox.team and user.role is not Role.admin  # type: ignore[union-attr]
            ):
                raise InvalidInput(
                    "assignee_id",
                    f"{user.name} does not work the {inbox.name} inbox (team {inbox.team})",  # type: ignore[union-attr]
                )
        if conversation.assignee_id != assignee_id:
            conversation.assignee_id = assignee_id
            await self.flush()
            await self._log(
                conversation,
                "assigned",
                f"Inbox thread '{conversation.subject}' assigned to "
                f"{await self._name(assignee_id) if assignee_id else 'nobody'}",
            )
            if conversation.ticket_id and assignee_id is not None:
                user = await self.session.get(User, assignee_id)
                if user.role in (Role.support, Role.manager, Role.admin):  # type: ignore[union-attr]
                    await TicketService(self.session, self.actor).assign(conversation.ticket_id, assignee_id)
        return conversation

    async def claim(self, conversation_id: uuid.UUID | str) -> InboxConversation:
        """Take the conversation (refused when someone else already has it: assign it instead)."""
        conversation = await self.get(conversation_id, lock=True)
        if conversation.assignee_id not in (None, self.actor.user_id):
            raise Conflict("assignee_id", f"already assigned to {await self._name(conversation.assignee_id)}")
        return await self.assign(conversation.id, self.actor.user_id)

    async def set_status(
        self,
        conversation_id: uuid.UUID | str,
        status: ConversationStatus,
        *,
        snoozed_until: datetime | None = None,
        priority: Priority | None = None,
    ) -> InboxConversation:
        """open, pending, snoozed (until a future time) or closed; a priority change moves the SLA due times."""
        require(self.actor, "inbox", "write")
        conversation = await self.get(conversation_id, lock=True)
        now = utcnow()
        if status is ConversationStatus.snoozed:
            if snoozed_until is None or snoozed_until <= now:
                raise InvalidInput("snoozed_until", "a snooze needs a time in the future")
        elif snoozed_until is not None:
            raise InvalidInput("snoozed_until", "only a snoozed conversation has a wake-up time")
        changed = conversation.status is not status or conversation.snoozed_until != snoozed_until
        conversation.status, conversation.snoozed_until = status, snoozed_until
        conversation.closed_at = now if status is ConversationStatus.closed else None
        if priority is not None and priority is not conversation.priority:
            if conversation.resolution_due is not None:  # the clocks keep their start and take the new targets
                spec = get_settings().inbox_sla
                started = conversation.resolution_due - sla.targets(spec)[conversation.priority].resolution
                conversation.first_response_due, conversation.resolution_due = sla.due_times(started, priority, spec)
            conversation.priority, changed = priority, True
        await self.flush()
        if changed:
            await self._log(
                conversation,
                "status",
                f"Inbox thread '{conversation.subject}' is {status.value}"
                + (f" until {snoozed_until:%Y-%m-%d %H:%M} UTC" if snoozed_until else ""),
            )
            if conversation.ticket_id:
                ticket_status = {
                    ConversationStatus.closed: TicketStatus.resolved,
                    ConversationStatus.pending: TicketStatus.pending,
                }.get(status, TicketStatus.open)
                await TicketService(self.session, self.actor).update(conversation.ticket_id, {"status": ticket_status})
        return conversation

    async def add_note(self, conversation_id: uuid.UUID | str, body: str) -> tuple[InboxNote, list[User]]:
        """An internal note (never sent); @name or @email mentions of the inbox's agents are resolved, and each mentioned
        user mapped to Slack gets a direct message (an `inbox.mention` job)."""
        require(self.actor, "inbox", "write")
        text = (body or "").strip()
        if not text:
            raise InvalidInput("body", "a note needs text")
        if len(text) > MAX_BODY:
            raise InvalidInput("body", f"at most {MAX_BODY} characters")
        conversation = await self.get(conversation_id)
        inbox = await self.session.get(Inbox, conversation.inbox_id)
        mentioned = await self._mentions(text, inbox)  # type: ignore[arg-type]
        note = InboxNote(
            conversation_id=conversation.id, author_id=self.actor.user_id, body=text, mentions=[u.id for u in mentioned]
        )
        self.session.add(note)
        await self.flush()
        for user in mentioned:
            if user.slack_user_id:
                await defer(self.session, "inbox.mention", note_id=str(note.id), user_id=str(user.id))
        return note, mentioned

    async def reply(
        self,
        conversation_id: uuid.UUID | str,
        body: str,
        settings: Settings,
        *,
        confirm: bool = False,
        status: ConversationStatus = ConversationStatus.pending,
    ) -> InboxMessage:
        """Send a reply from the inbox's address (queued for SMTP in this transaction: an `inbox.send` job).

        Refused with `ReplyCollision` when someone else wrote since the caller last read the thread, unless `confirm`.
        The conversation then moves to `status` (pending: waiting on the customer).
        """
        require(self.actor, "inbox", "write")
        text = (body or "").strip()
        if not text:
            raise InvalidInput("body", "a reply needs text")
        if len(text) > MAX_BODY:
            raise InvalidInput("body", f"at most {MAX_BODY} characters")
        if self.actor.user_id is None:
            raise PermissionDenied("user", "replies are sent by a person")
        SmtpTarget.parse(settings.smtp_url)
        conversation = await self.get(conversation_id, lock=True)  # replies to one conversation queue up here
        inbox = await self.session.get(Inbox, conversation.inbox_id)
        answered = await self.session.scalar(
            select(InboxMessage)
            .where(
                InboxMessage.conversation_id == conversation.id,
                InboxMessage.direction == Direction.inbound,
                InboxMessage.kind == MailKind.normal,
            )
            .order_by(InboxMessage.seq.desc())
            .limit(1)
        )
        if answered is None or not conversation.customer_email:
            raise Conflict(
                "conversation_id",
                "this thread holds only automated mail (auto-replies, bounces or our own "
                "mail coming back): answering it would feed a loop",
            )
        read = (
            await self.session.scalar(
                select(InboxPresence.read_seq).where(
                    InboxPresence.conversation_id == conversation.id, InboxPresence.user_id == self.actor.user_id
                )
            )
            or 0
        )
        unseen = list(
            await self.session.scalars(
                select(InboxMessage)
                .where(
                    InboxMessage.conversation_id == conversation.id,
                    InboxMessage.seq > read,
                    or_(InboxMessage.author_id.is_(None), InboxMessage.author_id != self.actor.user_id),
                )
                .order_by(InboxMessage.seq)
            )
        )
        if unseen and not confirm:
            raise ReplyCollision([self._brief(m) for m in unseen])
        ticket = await self.session.get(Ticket, conversation.ticket_id) if conversation.ticket_id else None
        author = await self.session.get(User, self.actor.user_id)
        message = compose_reply(
            inbox,  # type: ignore[arg-type]
            conversation,
            answered,
            author,  # type: ignore[arg-type]
            text,
            ticket_number=ticket.number if ticket else None,
        )
        self.session.add(message)
        await self.flush()
        now = utcnow()
        conversation.first_response_at = conversation.first_response_at or now
        conversation.last_message_at = now
        conversation.status, conversation.snoozed_until = status, None
        conversation.closed_at = now if status is ConversationStatus.closed else None
        await self._presence(conversation.id, PresenceState.viewing, read_seq=message.seq)
        if ticket is not None:
            await TicketService(self.session, self.actor).add_message(ticket.id, text)
        await self.flush()
        await defer(self.session, "inbox.send", queueing_lock=f"inbox-send:{message.id}", message_id=str(message.id))
        return message

    # ---------------------------------------------------------------- serialization

    def brief(self, conversation: InboxConversation, inbox_name: str | None = None) -> dict[str, Any]:
        """A conversation as list views show it."""
        return {
            "id": str(conversation.id),
            "inbox": inbox_name,
            "subject": conversation.subject,
            "status": conversation.status.value,
            "snoozed_until": plain(conversation.snoozed_until),
            "priority": conversation.priority.value,
            "assignee_id": plain(conversation.assignee_id),
            "customer_email": conversation.customer_email,
            "automated": conversation.automated,
            "last_message_at": plain(conversation.last_message_at),
            "first_response_due": plain(conversation.first_response_due),
            "resolution_due": plain(conversation.resolution_due),
            "first_response_at": plain(conversation.first_response_at),
            "sla": sla.state(conversation, utcnow()),
            "summary": conversation.summary,
            "intent": conversation.intent,
            "sentiment": conversation.sentiment,
        }

    def full(self, thread: Thread) -> dict[str, Any]:
        """A thread as its page shows it: messages (sanitized HTML only, never the raw MIME), notes, links, presence."""
        return self.brief(thread.conversation, thread.inbox.name) | {
            "inbox_address": thread.inbox.address,
            "links": thread.links,
            "others": thread.others,
            "messages": [
                self._brief(m)
                | {
                    "to": m.to_addresses,
                    "cc": m.cc_addresses,
                    "subject": m.subject,
                    "text": m.text_body,
                    "html": m.html_body,
                    "problems": m.problems,
                    "state": m.state.value,
                    "message_id": m.message_id,
                    "attachments": [
                        {
                            "id": str(a.id),
                            "filename": a.filename,
                            "content_type": a.content_type,
                            "size": a.size,
                            "dropped": a.dropped,
                        }
                        for a in thread.attachments.get(m.id, [])
                    ],
                }
                for m in thread.messages
            ],
            "notes": [
                {
                    "id": str(n.id),
                    "author_id": plain(n.author_id),
                    "body": n.body,
                    "at": plain(n.created_at),
                    "mentions": [str(u) for u in n.mentions],
                }
                for n in thread.notes
            ],
        }

    @staticmethod
    def _brief(message: InboxMessage) -> dict[str, Any]:
        return {
            "id": str(message.id),
            "seq": message.seq,
            "direction": message.direction.value,
            "kind": message.kind.value,
            "from": message.from_name or message.from_address,
            "from_address": message.from_address,
            "author_id": plain(message.author_id),
            "at": plain(message.created_at),
            "reply_text": message.reply_text,
        }

    # ---------------------------------------------------------------- rules

    def _admin(self, what: str) -> None:
        if not self.actor.sees_everything:
            raise PermissionDenied("inbox", f"only an admin may {what}")

    async def _presence(self, conversation_id: uuid.UUID, state: PresenceState, *, read_seq: int | None = None) -> None:
        values: dict[str, Any] = {
            "conversation_id": conversation_id,
            "user_id": self.actor.user_id,
            "state": state,
            "seen_at": utcnow(),
        }
        changes: dict[str, Any] = {"state": state, "seen_at": values["seen_at"]}
        if read_seq is not None:
            values["read_seq"] = read_seq
            changes["read_seq"] = func.greatest(InboxPresence.read_seq, read_seq)
        await self.session.execute(
            insert(InboxPresence)
            .values(**values)
            .on_conflict_do_update(index_elements=["conversation_id", "user_id"], set_=changes)
        )

    async def _links(self, conversation: InboxConversation) -> list[dict[str, str]]:
        links = []
        for model, record_id in (
            (Contact, conversation.contact_id),
            (Ticket, conversation.ticket_id),
            (Deal, conversation.deal_id),
        ):
            record = await self.session.get(model, record_id) if record_id else None
            if record is not None and await self.readable(record):
                links.append(ref(record))
        return links

    async def _mentions(self, text: str, inbox: Inbox) -> list[User]:
        """Users named by @handle: their email, its local part, or their first name (agents of the inbox's team)."""
        handles = {h.lower().rstrip(".") for h in MENTION.findall(text)}
        if not handles:
            return []
        stmt = select(User).where(User.is_active.is_(True))
        if inbox.team is not None:
            stmt = stmt.where(or_(User.team == inbox.team, User.role == Role.admin))
        found = []
        for user in await self.session.scalars(stmt):
            names = {
                user.email.lower(),
                user.email.split("@")[0].lower(),
                user.name.split()[0].lower() if user.name else "",
            }
            if names & handles:
                found.append(user)
        return found

    async def _name(self, user_id: uuid.UUID | None) -> str:
        return await self.session.scalar(select(User.name).where(User.id == user_id)) or "nobody"

    async def _log(self, conversation: InboxConversation, action: str, subject: str) -> None:
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.email,
            action=action,
            subject=subject,
            on=[(RecordType.contact, conversation.contact_id), (RecordType.ticket, conversation.ticket_id)],
            details={"conversation_id": str(conversation.id)},
        )


async def receive(session: AsyncSession, name: str, secret: str, raw: bytes, settings: Settings) -> Ingested:
    """The webhook: check the inbox's secret, then ingest the raw message (a concurrent twin is a duplicate)."""
    inbox = verify_secret(await session.scalar(select(Inbox).where(Inbox.name == name)), secret)
    try:
        async with session.begin_nested():
            return await ingest(session, inbox, raw, settings)
    except IntegrityError:  # the same Message-ID committed by a concurrent delivery meanwhile
        return await ingest(session, inbox, raw, settings)


async def mention_text(session: AsyncSession, note_id: uuid.UUID, user_id: uuid.UUID) -> tuple[str, str] | None:
    """(Slack user id, message) telling a mentioned user about a note, or None when the user has no Slack id."""
    note, user = await session.get(InboxNote, note_id), await session.get(User, user_id)
    if note is None or user is None or not user.slack_user_id or user_id not in note.mentions:
        return None
    conversation = await session.get(InboxConversation, note.conversation_id)
    author = await session.get(User, note.author_id) if note.author_id else None
    return (
        user.slack_user_id,
        (
            f"{author.name if author else 'Someone'} mentioned you on '{conversation.subject}':"  # type: ignore[union-attr]
            f" {note.body[:500]}"
        ),
    )


def verify_secret(inbox: Inbox | None, secret: str | None) -> Inbox:
    """The inbox when `secret` is its webhook secret; else PermissionDenied (a missing secret names the header)."""
    if inbox is None:
        raise NotFound("inbox", "no such inbox")
    if not secret:
        raise PermissionDenied("X-Nexa-Inbox-Secret", "the inbox's secret is required")
    if inbox.secret_hash is None or not hmac.compare_digest(secret_hash(secret), inbox.secret_hash):
        raise PermissionDenied("X-Nexa-Inbox-Secret", "wrong secret for this inbox")
    return inbox
