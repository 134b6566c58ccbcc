"""Campaigns and contact lists."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import utcnow
from store.models.base import Base, Entity, enum_column, fk, money
from store.models.enums import CampaignStatus, CampaignType


class Campaign(Entity):
    """A marketing campaign (the nurture campaign receives low-score leads)."""

    __tablename__ = "campaigns"
    record_type: ClassVar[str] = "campaign"
    __table_args__ = (
        sa.CheckConstraint("budget IS NULL OR budget >= 0", name="budget_nonneg"),
        sa.CheckConstraint("actual_cost IS NULL OR actual_cost >= 0", name="actual_cost_nonneg"),
    )

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    type: Mapped[CampaignType] = enum_column(CampaignType)
    status: Mapped[CampaignStatus] = enum_column(CampaignStatus, default=CampaignStatus.planned)
    description: Mapped[str | None] = mapped_column(sa.Text)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    budget: Mapped[Decimal | None] = money()
    actual_cost: Mapped[Decimal | None] = money()
    owner_id: Mapped[uuid.UUID | None] = fk("users.id")


class CampaignMember(Base):
    """A lead or contact enrolled in a campaign (exactly one of the two), with its status (`MemberStatus`).

    `added_at` dates the membership (a deal created after it is influenced by the campaign); `lead_created`
    says the campaign brought the lead in (a web-to-lead form naming the campaign).
    """

    __tablename__ = "campaign_members"
    __table_args__ = (
        sa.CheckConstraint("(contact_id IS NULL) <> (lead_id IS NULL)", name="one_member"),
        sa.UniqueConstraint("campaign_id", "contact_id", "lead_id", name="uq_campaign_member"),
        sa.Index(
            "uq_campaign_members_contact",
            "campaign_id",
            "contact_id",
            unique=True,
            postgresql_where=sa.text("contact_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_campaign_members_lead",
            "campaign_id",
            "lead_id",
            unique=True,
            postgresql_where=sa.text("lead_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[uuid.UUID | None] = fk("contacts.id", ondelete="CASCADE")
    lead_id: Mapped[uuid.UUID | None] = fk("leads.id", ondelete="CASCADE")
    status: Mapped[str] = mapped_column(sa.String(30), default="enrolled", server_default="enrolled")
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now())
    lead_created: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class ContactList(Entity):
    """A named segment of contacts: static (its members are rows) or dynamic (`criteria`, a `store.segments` filter)."""

    __tablename__ = "contact_lists"
    record_type: ClassVar[str] = "contact_list"

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    criteria: Mapped[dict[str, Any] | None]
    owner_id: Mapped[uuid.UUID | None] = fk("users.id")

    @property
    def dynamic(self) -> bool:
        return self.criteria is not None


class ContactListMember(Base):
    """A contact's membership of a static list."""

    __tablename__ = "contact_list_members"

    list_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("contact_lists.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
