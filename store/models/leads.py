"""Leads: potential customers before they convert."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Entity, ImportedMixin, enum_column, fk
from store.models.enums import CompanySize, LeadSource, LeadStatus, RecordType


class Lead(ImportedMixin, Entity):
    """A lead with its lifecycle status, BANT qualification and conversion links."""

    __tablename__ = "leads"
    record_type: ClassVar[str] = RecordType.lead
    __table_args__ = (sa.CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),)

    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(CITEXT, unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    company: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    title: Mapped[str | None] = mapped_column(sa.String(200))
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    company_size: Mapped[CompanySize | None] = enum_column(CompanySize, nullable=True)
    source: Mapped[LeadSource] = enum_column(LeadSource)
    status: Mapped[LeadStatus] = enum_column(LeadStatus, default=LeadStatus.new, index=True)
    score: Mapped[int] = mapped_column(default=0, server_default="0")
    assigned_to_id: Mapped[uuid.UUID | None] = fk("users.id")
    last_contacted: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lost_reason: Mapped[str | None] = mapped_column(sa.Text)
    bant_budget: Mapped[str | None] = mapped_column(sa.Text)
    bant_authority: Mapped[str | None] = mapped_column(sa.Text)
    bant_need: Mapped[str | None] = mapped_column(sa.Text)
    bant_timeline: Mapped[str | None] = mapped_column(sa.Text)
    converted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    converted_contact_id: Mapped[uuid.UUID | None] = fk("contacts.id")
    converted_account_id: Mapped[uuid.UUID | None] = fk("accounts.id")
    converted_deal_id: Mapped[uuid.UUID | None] = fk("deals.id")
    conversion_override_by_id: Mapped[uuid.UUID | None] = fk("users.id")
    conversion_override_reason: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"
