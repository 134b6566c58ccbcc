"""Quotes: priced proposals made from a deal, with up to three tiers, sent as PDF and accepted by a signed link."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Entity, enum_column, fk
from store.models.enums import QuoteStatus

quote_number_seq = sa.Sequence("quote_number_seq", start=1001, metadata=Base.metadata)


class Quote(Entity):
    """A numbered quote for a deal; `tiers` holds each tier's name, priced lines, one-time total and MRR."""

    __tablename__ = "quotes"
    record_type: ClassVar[str] = "quote"

    quote_number: Mapped[str] = mapped_column(
        sa.String(20),
        unique=True,
        server_default=sa.text("'Q-' || lpad(nextval('quote_number_seq')::text, 6, '0')"),
    )
    deal_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    status: Mapped[QuoteStatus] = enum_column(QuoteStatus, default=QuoteStatus.draft)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD", server_default="USD")
    valid_until: Mapped[date]
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(sa.dialects.postgresql.JSONB)
    created_by_id: Mapped[uuid.UUID | None] = fk("users.id")
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    accepted_tier: Mapped[str | None] = mapped_column(sa.String(100))
    accepted_by: Mapped[str | None] = mapped_column(sa.String(320))  # the address the signed link was mailed to

    @property
    def name(self) -> str:
        return self.quote_number
