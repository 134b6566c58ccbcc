"""Campaigns and contact lists."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Entity, enum_column, fk, money
from store.models.enums import CampaignStatus, CampaignType


class Campaign(Entity):
    """A marketing campaign (the nurture campaign receives low-score leads)."""

    __tablename__ = "campaigns"
    __table_args__ = (sa.CheckConstraint("budget IS NULL OR budget >= 0", name="budget_nonneg"),)

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    type: Mapped[CampaignType] = enum_column(CampaignType)
    status: Mapped[CampaignStatus] = enum_column(CampaignStatus, default=CampaignStatus.planned)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    budget: Mapped[Decimal | None] = money()
    owner_id: Mapped[uuid.UUID | None] = fk("users.id")


class CampaignMember(Base):
    """A lead or contact enrolled in a campaign (exactly one of the two)."""

    __tablename__ = "campaign_members"
    __table_args__ = (
        sa.CheckConstraint("(contact_id IS NULL) <> (lead_id IS NULL)", name="one_member"),
        sa.UniqueConstraint("campaign_id", "contact_id", "lead_id", name="uq_campaign_member"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[uuid.UUID | None] = fk("contacts.id", ondelete="CASCADE")
    lead_id: Mapped[uuid.UUID | None] = fk("leads.id", ondelete="CASCADE")
    status: Mapped[str] = mapped_column(sa.String(30), default="enrolled", server_default="enrolled")


class ContactList(Entity):
    """A named segment of contacts."""

    __tablename__ = "contact_lists"

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    criteria: Mapped[dict[str, Any] | None]


class ContactListMember(Base):
    """A contact's membership of a list."""

    __tablename__ = "contact_list_members"

    list_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("contact_lists.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
