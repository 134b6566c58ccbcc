"""Email messages: drafts written by the assistant and messages sent or received."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Entity, enum_column, fk
from store.models.enums import EmailStatus, RecordType


class EmailMessage(Entity):
    """An email about CRM records; status draft until it is approved and sent."""

    __tablename__ = "email_messages"
    record_type: ClassVar[str] = RecordType.email

    status: Mapped[EmailStatus] = enum_column(EmailStatus, default=EmailStatus.draft)
    from_address: Mapped[str | None] = mapped_column(sa.String(320))
    to_addresses: Mapped[list[str]] = mapped_column(ARRAY(sa.String(320)))
    cc_addresses: Mapped[list[str]] = mapped_column(ARRAY(sa.String(320)), default=list, server_default="{}")
    subject: Mapped[str] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text)
    tone: Mapped[str | None] = mapped_column(sa.String(30))
    author_id: Mapped[uuid.UUID | None] = fk("users.id")
    contact_id: Mapped[uuid.UUID | None] = fk("contacts.id")
    lead_id: Mapped[uuid.UUID | None] = fk("leads.id")
    deal_id: Mapped[uuid.UUID | None] = fk("deals.id")
    account_id: Mapped[uuid.UUID | None] = fk("accounts.id")
    ticket_id: Mapped[uuid.UUID | None] = fk("tickets.id")
    quote_id: Mapped[uuid.UUID | None] = fk("quotes.id")  # attached as PDF when delivered
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def name(self) -> str:
        return self.subject
