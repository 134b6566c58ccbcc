"""Sales operations: notifications for users, commission plans and lines, quotas, the customer-success handoff list."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Entity, IdMixin, enum_column, fk, money
from store.models.enums import DealType, RecordType


class Notification(IdMixin, Base):
    """Something a user should see (the console lists them; Slack gets a DM when the user is mapped)."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "created_at", postgresql_where=sa.text("read_at IS NULL")),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.Text)
    record_type: Mapped[RecordType | None] = enum_column(RecordType, nullable=True)
    record_id: Mapped[uuid.UUID | None]
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    slack_sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class CommissionPlan(Entity):
    """A commission rate for a rep or a team (or everyone), optionally per product or deal type.

    Above `quota` (won amount in the calendar quarter) the `accelerator_rate` applies instead of `rate`.
    """

    __tablename__ = "commission_plans"
    record_type: ClassVar[str] = "commission_plan"
    __table_args__ = (
        sa.CheckConstraint("rate >= 0 AND rate <= 1", name="rate_range"),
        sa.CheckConstraint(
            "accelerator_rate IS NULL OR (accelerator_rate >= 0 AND accelerator_rate <= 1)", name="accelerator_range"
        ),
        sa.CheckConstraint("quota IS NULL OR quota >= 0", name="quota_nonneg"),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    user_id: Mapped[uuid.UUID | None] = fk("users.id", ondelete="CASCADE")
    team: Mapped[str | None] = mapped_column(sa.String(100))
    product_id: Mapped[uuid.UUID | None] = fk("products.id", ondelete="CASCADE")
    deal_type: Mapped[DealType | None] = enum_column(DealType, nullable=True)
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(6, 4))
    quota: Mapped[Decimal | None] = money()
    accelerator_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 4))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class CommissionLine(IdMixin, Base):
    """Commission earned on a won deal (positive) or taken back when it is reopened (negative, `reverses_id`)."""

    __tablename__ = "commission_lines"

    deal_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[uuid.UUID | None] = fk("commission_plans.id")
    base: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(6, 4))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    explanation: Mapped[str] = mapped_column(sa.Text)
    reverses_id: Mapped[uuid.UUID | None] = fk("commission_lines.id")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Quota(IdMixin, Base):
    """A rep's sales target (won amount) for a period."""

    __tablename__ = "quotas"
    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_nonneg"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
        sa.UniqueConstraint("user_id", "period_start", name="uq_quotas_one_per_period"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    amount: Mapped[Decimal] = money()


class CustomerSuccessHandoff(IdMixin, Base):
    """A won deal handed to customer success (the spec's "customer success handoff list")."""

    __tablename__ = "cs_handoffs"

    deal_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[uuid.UUID | None] = fk("accounts.id")
    sales_owner_id: Mapped[uuid.UUID | None] = fk("users.id")
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", server_default="pending")
    notes: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
