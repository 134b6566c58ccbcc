"""Support tickets and their message threads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Entity, ImportedMixin, enum_column, fk
from store.models.enums import AuthorType, Priority, RecordType, TicketChannel, TicketStatus

ticket_number_seq = sa.Sequence("ticket_number_seq", start=1001, metadata=Base.metadata)


class Ticket(ImportedMixin, Entity):
    """A support case, numbered for humans (`number`, from 1001)."""

    __tablename__ = "tickets"
    record_type: ClassVar[str] = RecordType.ticket

    number: Mapped[int] = mapped_column(sa.Integer, unique=True, server_default=sa.text("nextval('ticket_number_seq')"))
    subject: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[TicketStatus] = enum_column(TicketStatus, default=TicketStatus.open, index=True)
    priority: Mapped[Priority] = enum_column(Priority, default=Priority.medium)
    channel: Mapped[TicketChannel] = enum_column(TicketChannel, default=TicketChannel.email)
    product: Mapped[str | None] = mapped_column(sa.String(100))
    requester_contact_id: Mapped[uuid.UUID | None] = fk("contacts.id")
    requester_email: Mapped[str | None] = mapped_column(sa.String(320))
    # False while the requester's email is only claimed (a widget handoff): the ticket is then linked to no contact
    # and no account, and counts for none, until the owner of the address follows the link mailed to it.
    requester_verified: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    account_id: Mapped[uuid.UUID | None] = fk("accounts.id")
    assignee_id: Mapped[uuid.UUID | None] = fk("users.id")
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    sentiment: Mapped[str | None] = mapped_column(sa.String(20))
    intent: Mapped[str | None] = mapped_column(sa.String(50))

    @property
    def name(self) -> str:
        return f"#{self.number} {self.subject}"


class TicketMessage(Entity):
    """One message on a ticket's thread, from the customer, an agent or the assistant."""

    __tablename__ = "ticket_messages"
    record_type: ClassVar[str] = "ticket_message"
    __table_args__ = (
        sa.Index(
            "ix_ticket_messages_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    ticket_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_type: Mapped[AuthorType] = enum_column(AuthorType)
    author_user_id: Mapped[uuid.UUID | None] = fk("users.id")
    author_contact_id: Mapped[uuid.UUID | None] = fk("contacts.id")
    body: Mapped[str] = mapped_column(sa.Text)
    internal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    embedding: Mapped[list[float] | None] = mapped_column(Vector(384))
