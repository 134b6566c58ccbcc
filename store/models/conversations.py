"""Assistant conversations and their messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Entity, enum_column, fk
from store.models.enums import Channel


class Conversation(Entity):
    """A chat with the assistant, by a CRM user or an anonymous widget customer."""

    __tablename__ = "conversations"
    record_type: ClassVar[str] = "conversation"
    __table_args__ = (sa.CheckConstraint("csat_rating BETWEEN 1 AND 5", name="csat_range"),)

    user_id: Mapped[uuid.UUID | None] = fk("users.id")
    customer_session: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    channel: Mapped[Channel] = enum_column(Channel)
    external_ref: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str | None] = mapped_column(sa.String(300))
    handoff_ticket_id: Mapped[uuid.UUID | None] = fk("tickets.id")  # a widget conversation handed to a person
    helpful: Mapped[bool | None]  # the customer's "That helped"
    csat_rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    csat_comment: Mapped[str | None] = mapped_column(sa.Text)
    tokens_used: Mapped[int] = mapped_column(
        sa.BigInteger, default=0, server_default="0"
    )  # model tokens, against the budget


class ConversationMessage(Entity):
    """One persisted message of a conversation (same shape as the model's messages)."""

    __tablename__ = "conversation_messages"
    record_type: ClassVar[str] = "conversation_message"
    __table_args__ = (
        sa.Index(
            "ix_conversation_messages_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(
        sa.BigInteger, sa.Identity(), unique=True
    )  # insertion order, whatever the clock says
    role: Mapped[str] = mapped_column(sa.String(20))
    content: Mapped[str | None] = mapped_column(sa.Text)
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(
        sa.dialects.postgresql.JSONB(none_as_null=True)
    )  # None: SQL NULL
    tool_call_id: Mapped[str | None] = mapped_column(sa.String(100))
    name: Mapped[str | None] = mapped_column(sa.String(100))
    citations: Mapped[list[dict[str, Any]] | None] = mapped_column(
        sa.dialects.postgresql.JSONB(none_as_null=True)
    )  # of a final answer
    embedding: Mapped[list[float] | None] = mapped_column(Vector(384))


class PendingAction(Entity):
    """A write the assistant proposed, waiting for the caller's approval; applied at most once."""

    __tablename__ = "pending_actions"
    record_type: ClassVar[str] = "pending_action"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    tool: Mapped[str] = mapped_column(sa.String(100))
    arguments: Mapped[dict[str, Any]] = mapped_column(sa.dialects.postgresql.JSONB)
    summary: Mapped[str] = mapped_column(sa.Text)
    target_type: Mapped[str | None] = mapped_column(sa.String(20))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    target_version: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", server_default="pending", index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.dialects.postgresql.JSONB)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
