"""The shared inbox: inboxes (support@, sales@), their conversations, every message as received or sent,
attachments, internal notes, and who is viewing or drafting a reply (collision detection)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, CITEXT, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import utcnow
from store.models.base import Base, Entity, enum_column, fk
from store.models.enums import Priority


class InboxKind(StrEnum):
    support = "support"  # a new thread opens a ticket
    sales = "sales"  # a thread links the sender's open deal


class ConversationStatus(StrEnum):
    open = "open"
    pending = "pending"  # waiting on the customer
    snoozed = "snoozed"  # hidden until `snoozed_until`, then open again
    closed = "closed"


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class MailKind(StrEnum):
    """What an inbound message is; anything but `normal` is recorded and never answered or counted for SLAs."""

    normal = "normal"
    auto_reply = "auto_reply"  # Auto-Submitted, X-Autoreply, out-of-office
    bulk = "bulk"  # Precedence: bulk/junk/list, List-Id
    bounce = "bounce"  # delivery status notifications, mailer-daemon
    loop = "loop"  # our own message coming back


class DeliveryState(StrEnum):
    received = "received"
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class PresenceState(StrEnum):
    viewing = "viewing"
    drafting = "drafting"


class Inbox(Entity):
    """A shared mailbox owned by a team; `name` is its slug in URLs (`/api/v1/inbox/{name}/inbound`)."""

    __tablename__ = "inboxes"
    record_type: ClassVar[str] = "inbox"

    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    address: Mapped[str] = mapped_column(CITEXT, unique=True)
    team: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    kind: Mapped[InboxKind] = enum_column(InboxKind, default=InboxKind.support)
    # {"round_robin": bool, "default_priority": "medium"}; the kind decides tickets (support) or deals (sales)
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    secret_hash: Mapped[str | None] = mapped_column(sa.String(128))  # sha256 of the inbound webhook's secret
    imap_url: Mapped[str | None] = mapped_column(sa.String(500))  # else NEXA_IMAP_URL_<NAME>
    imap_uidvalidity: Mapped[int | None] = mapped_column(sa.BigInteger)
    imap_last_uid: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    last_assignee_id: Mapped[uuid.UUID | None] = fk("users.id")  # the round-robin cursor


class InboxConversation(Entity):
    """One email thread in an inbox, linked to its contact, ticket (support) or deal (sales)."""

    __tablename__ = "inbox_conversations"
    record_type: ClassVar[str] = "inbox_conversation"
    # The list walks one of these in its order (most recent activity first, the id breaking ties) and stops at a
    # page: every view, the unassigned and mine views, the status views; woken snoozes are found by their time.
    # The view counts read every row of the inboxes, from the narrow `counts` index alone (an index-only scan).
    __table_args__ = (
        sa.Index("ix_inbox_conversations_inbox_status_last", "inbox_id", "status", "last_message_at"),
        sa.Index(
            "ix_inbox_conversations_counts",
            "inbox_id",
            "status",
            "assignee_id",
            postgresql_include=["resolution_due", "first_response_due", "first_response_at"],
        ),
        sa.Index("ix_inbox_conversations_recent", sa.desc("last_message_at"), sa.desc("id")),
        sa.Index("ix_inbox_conversations_assignee_recent", "assignee_id", sa.desc("last_message_at"), sa.desc("id")),
        sa.Index("ix_inbox_conversations_status_recent", "status", sa.desc("last_message_at"), sa.desc("id")),
        sa.Index("ix_inbox_conversations_snoozed", "snoozed_until", postgresql_where=sa.text("status = 'snoozed'")),
    )

    inbox_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("inboxes.id", ondelete="CASCADE"))  # indexes: see above
    contact_id: Mapped[uuid.UUID | None] = fk("contacts.id")
    ticket_id: Mapped[uuid.UUID | None] = fk("tickets.id")
    deal_id: Mapped[uuid.UUID | None] = fk("deals.id")
    customer_email: Mapped[str | None] = mapped_column(CITEXT)
    subject: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[ConversationStatus] = enum_column(ConversationStatus, default=ConversationStatus.open)
    snoozed_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    assignee_id: Mapped[uuid.UUID | None] = fk("users.id")
    priority: Mapped[Priority] = enum_column(Priority, default=Priority.medium)
    automated: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )  # every inbound is auto/bounce/loop
    first_response_due: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolution_due: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_message_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    summary: Mapped[str | None] = mapped_column(sa.Text)
    summary_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    intent: Mapped[str | None] = mapped_column(sa.String(50))
    sentiment: Mapped[str | None] = mapped_column(sa.String(20))

    @property
    def name(self) -> str:
        return self.subject


class InboxMessage(Entity):
    """One email of a thread, as received (raw MIME kept) or as sent by an agent."""

    __tablename__ = "inbox_messages"
    record_type: ClassVar[str] = "inbox_message"
    __table_args__ = (sa.UniqueConstraint("inbox_id", "message_id", name="uq_inbox_messages_inbox_message_id"),)

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), unique=True)  # order of arrival, for "read up to"
    inbox_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("inboxes.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("inbox_conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[Direction] = enum_column(Direction)
    kind: Mapped[MailKind] = enum_column(MailKind, default=MailKind.normal)
    state: Mapped[DeliveryState] = enum_column(DeliveryState, default=DeliveryState.received)
    message_id: Mapped[str] = mapped_column(sa.String(998), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(998))
    references: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), default=list, server_default="{}")
    from_address: Mapped[str | None] = mapped_column(sa.String(320))
    from_name: Mapped[str | None] = mapped_column(sa.String(300))
    to_addresses: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), default=list, server_default="{}")
    cc_addresses: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), default=list, server_default="{}")
    subject: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    text_body: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reply_text: Mapped[str] = mapped_column(
        sa.Text, default="", server_default=""
    )  # the new part, quoted history stripped
    html_body: Mapped[str | None] = mapped_column(
        sa.Text
    )  # sanitized (nh3); the unsanitized HTML lives only in raw_mime
    headers: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default="[]")  # [[name, decoded value], ...]
    raw_mime: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    problems: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )  # what parsing found wrong, and what was done
    author_id: Mapped[uuid.UUID | None] = fk("users.id")
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class InboxAttachment(Entity):
    """A file of a message, stored in the database; one over the size limit is recorded as dropped, without content."""

    __tablename__ = "inbox_attachments"
    record_type: ClassVar[str] = "inbox_attachment"

    message_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("inbox_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(300))
    content_type: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    dropped: Mapped[str | None] = mapped_column(sa.String(200))  # why the content was not kept


class InboxNote(Entity):
    """An internal note on a conversation (never sent); `mentions` are the users it @mentions."""

    __tablename__ = "inbox_notes"
    record_type: ClassVar[str] = "inbox_note"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("inbox_conversations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = fk("users.id")
    body: Mapped[str] = mapped_column(sa.Text)
    mentions: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(sa.Uuid), default=list, server_default="{}")


class InboxPresence(Base):
    """Who has a conversation open (viewing or drafting), since when, and up to which message they have read."""

    __tablename__ = "inbox_presence"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("inbox_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[PresenceState] = enum_column(PresenceState, default=PresenceState.viewing)
    seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
