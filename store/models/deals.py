"""Deals (the sales pipeline), their stage history, products and line items."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import utcnow
from store.models.base import Base, Entity, IdMixin, ImportedMixin, enum_column, fk, money
from store.models.enums import Billing, DealStage, DealType, RecordType

STAGE_PROBABILITY: dict[DealStage, int] = {
    DealStage.prospecting: 10,
    DealStage.qualification: 25,
    DealStage.proposal: 50,
    DealStage.negotiation: 75,
    DealStage.closed_won: 100,
    DealStage.closed_lost: 0,
}


class Deal(ImportedMixin, Entity):
    """A sales opportunity; `weighted_value` = amount x probability, kept by the database."""

    __tablename__ = "deals"
    record_type: ClassVar[str] = RecordType.deal
    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_nonneg"),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name="probability_range"),
        sa.CheckConstraint("total_mrr IS NULL OR total_mrr >= 0", name="mrr_nonneg"),
        sa.CheckConstraint("contract_term IS NULL OR contract_term > 0", name="term_positive"),
        # Covering (index-only) indexes for the pipeline summaries: company-wide, and per owner or team.
        sa.Index(
            "ix_deals_stage_close_date",
            "stage",
            "close_date",
            postgresql_include=["owner_id", "amount", "weighted_value"],
        ),
        sa.Index(
            "ix_deals_owner_stage_close_date",
            "owner_id",
            "stage",
            "close_date",
            postgresql_include=["amount", "weighted_value"],
        ),
        sa.Index(
            "ix_deals_open_stage_changed_at",
            "stage_changed_at",
            postgresql_where=sa.text("stage NOT IN ('closed_won','closed_lost')"),
        ),
        sa.Index(
            "ix_deals_open_close_date_amount",
            "close_date",
            sa.text("amount DESC"),
            postgresql_where=sa.text("stage NOT IN ('closed_won','closed_lost')"),
        ),
    )

    deal_name: Mapped[str] = mapped_column(sa.String(300), index=True)
    amount: Mapped[Decimal] = money(default=Decimal(0), server_default="0")
    amount_override: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )  # False: amount follows the lines
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD", server_default="USD")
    probability: Mapped[int] = mapped_column(default=25, server_default="25")
    probability_override: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    weighted_value: Mapped[Decimal] = mapped_column(
        sa.Numeric(16, 2), sa.Computed("round(amount * probability / 100.0, 2)", persisted=True)
    )
    close_date: Mapped[date | None]
    stage: Mapped[DealStage] = enum_column(DealStage, default=DealStage.qualification)
    stage_changed_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    type: Mapped[DealType] = enum_column(DealType, default=DealType.new_business)
    lead_source: Mapped[str | None] = mapped_column(sa.String(50))
    lost_reason: Mapped[str | None] = mapped_column(sa.Text)
    account_id: Mapped[uuid.UUID | None] = fk("accounts.id")
    primary_contact_id: Mapped[uuid.UUID | None] = fk("contacts.id")
    owner_id: Mapped[uuid.UUID | None] = fk("users.id")
    competitors: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), default=list, server_default="{}")
    total_mrr: Mapped[Decimal | None] = money()
    contract_term: Mapped[int | None]
    next_best_action: Mapped[str | None] = mapped_column(sa.Text)
    risk_factors: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), default=list, server_default="{}")
    win_probability: Mapped[float | None]
    win_probability_basis: Mapped[str | None] = mapped_column(sa.Text)
    insights_refreshed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    close_date_pushes: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def name(self) -> str:
        return self.deal_name

    @property
    def days_in_stage(self) -> int:
        """Whole days since the last stage move (from the stage history)."""
        return (utcnow() - self.stage_changed_at).days

    @property
    def sales_cycle_days(self) -> int:
        """Days from creation to close, or to now while the deal is open."""
        return ((self.closed_at or utcnow()) - self.created_at).days


class DealStageChange(IdMixin, Base):
    """One move of a deal between stages (the first row has `from_stage` NULL)."""

    __tablename__ = "deal_stage_history"

    deal_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[DealStage | None] = enum_column(DealStage, check_name="from_stage", nullable=True)
    to_stage: Mapped[DealStage] = enum_column(DealStage, check_name="to_stage")
    changed_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    changed_by_id: Mapped[uuid.UUID | None] = fk("users.id")


class DealTeamMember(Base):
    """A user on a deal's sales team."""

    __tablename__ = "deal_team"

    deal_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Product(ImportedMixin, Entity):
    """Something we sell, at a list price charged once, monthly or annually."""

    __tablename__ = "products"
    record_type: ClassVar[str] = "product"
    __table_args__ = (sa.CheckConstraint("unit_price >= 0", name="price_nonneg"),)

    name: Mapped[str] = mapped_column(sa.String(200))
    sku: Mapped[str] = mapped_column(sa.String(50), unique=True)
    unit_price: Mapped[Decimal] = money()
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD", server_default="USD")
    billing: Mapped[Billing] = enum_column(Billing, default=Billing.monthly)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class DealLineItem(IdMixin, Base):
    """A product on a deal, with quantity, price and discount."""

    __tablename__ = "deal_line_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="price_nonneg"),
        sa.CheckConstraint("discount_pct BETWEEN 0 AND 100", name="discount_range"),
    )

    deal_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[int] = mapped_column(default=1, server_default="1")
    unit_price: Mapped[Decimal] = money()
    discount_pct: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(0), server_default="0")
    total: Mapped[Decimal] = mapped_column(
        sa.Numeric(16, 2),
        sa.Computed("round(quantity * unit_price * (1 - discount_pct / 100.0), 2)", persisted=True),
    )
