"""Contacts: individual people at customer and prospect companies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Entity, ImportedMixin, enum_column, fk
from store.models.enums import CustomerStatus, LifecycleStage, RecordType


class Contact(ImportedMixin, Entity):
    """A person, usually employed by an account."""

    __tablename__ = "contacts"
    record_type: ClassVar[str] = RecordType.contact

    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(CITEXT, unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    mobile: Mapped[str | None] = mapped_column(sa.String(50))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    department: Mapped[str | None] = mapped_column(sa.String(100))
    linkedin_url: Mapped[str | None] = mapped_column(sa.String(300))
    account_id: Mapped[uuid.UUID | None] = fk("accounts.id")
    reporting_to_id: Mapped[uuid.UUID | None] = fk("contacts.id")
    owner_id: Mapped[uuid.UUID | None] = fk("users.id")
    lifecycle_stage: Mapped[LifecycleStage] = enum_column(LifecycleStage, default=LifecycleStage.lead)
    customer_status: Mapped[CustomerStatus] = enum_column(CustomerStatus, default=CustomerStatus.active)
    last_activity: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    engagement_score: Mapped[int | None]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"
