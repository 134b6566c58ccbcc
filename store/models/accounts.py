"""Accounts: companies, with parent/child hierarchies and an account team."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import CITEXT, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Entity, ImportedMixin, enum_column, fk, money
from store.models.enums import AccountTier, AccountType, RecordType

account_number_seq = sa.Sequence("account_number_seq", start=1001, metadata=Base.metadata)


class Account(ImportedMixin, Entity):
    """A company or organisation; `parent_account_id` builds the hierarchy."""

    __tablename__ = "accounts"
    record_type: ClassVar[str] = RecordType.account
    __table_args__ = (
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_nonneg"),
        sa.CheckConstraint("annual_revenue IS NULL OR annual_revenue >= 0", name="revenue_nonneg"),
        sa.CheckConstraint("health_score IS NULL OR health_score BETWEEN 0 AND 100", name="health_range"),
        sa.CheckConstraint("parent_account_id IS NULL OR parent_account_id <> id", name="not_own_parent"),
    )

    account_name: Mapped[str] = mapped_column(CITEXT, unique=True)
    account_number: Mapped[str] = mapped_column(
        sa.String(20),
        unique=True,
        server_default=sa.text("'ACC-' || lpad(nextval('account_number_seq')::text, 6, '0')"),
    )
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    type: Mapped[AccountType] = enum_column(AccountType, default=AccountType.prospect)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    employees: Mapped[int | None]
    annual_revenue: Mapped[Decimal | None] = money()
    tier: Mapped[AccountTier | None] = enum_column(AccountTier, nullable=True, index=True)
    parent_account_id: Mapped[uuid.UUID | None] = fk("accounts.id")
    billing_address: Mapped[dict[str, Any] | None]
    shipping_address: Mapped[dict[str, Any] | None]
    health_score: Mapped[int | None]
    primary_contact_id: Mapped[uuid.UUID | None] = fk("contacts.id", use_alter=True)
    account_owner_id: Mapped[uuid.UUID | None] = fk("users.id")
    churn_risk: Mapped[str | None] = mapped_column(sa.String(10))
    lifetime_value: Mapped[Decimal | None] = money()
    health_factors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)

    @property
    def name(self) -> str:
        return self.account_name


class AccountTeamMember(Base):
    """A user on an account's team."""

    __tablename__ = "account_team"

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(50), default="member", server_default="member")
