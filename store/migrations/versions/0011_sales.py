"""sales: notifications, commissions, quotas, the customer-success handoff list, stored AI fields, BANT override

Revision ID: 0011_sales
Revises: 0011_marketing
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_sales"
down_revision = "0011_marketing"
branch_labels = None
depends_on = None

RECORD_TYPES = (
    "lead",
    "contact",
    "account",
    "deal",
    "ticket",
    "task",
    "meeting",
    "call",
    "note",
    "email",
    "order",
    "user",
)
DEAL_TYPES = ("new_business", "upsell", "renewal", "cross_sell")


def _ts(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[uuid.UUID]:
    return sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "record_type",
            sa.Enum(*RECORD_TYPES, name="recordtype", native_enum=False, create_constraint=True, length=32),
            nullable=True,
        ),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        _ts("created_at", False),
        _ts("read_at"),
        _ts("slack_sent_at"),
        _id(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index(op.f("ix_notifications_user_id"), "notifications", ["user_id"])
    op.create_index(
        "ix_notifications_user_unread",
        "notifications",
        ["user_id", "created_at"],
        postgresql_where=sa.text("read_at IS NULL"),
    )

    op.create_table(
        "commission_plans",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column(
            "deal_type",
            sa.Enum(*DEAL_TYPES, name="dealtype", native_enum=False, create_constraint=True, length=32),
            nullable=True,
        ),
        sa.Column("rate", sa.Numeric(6, 4), nullable=False),
        sa.Column("quota", sa.Numeric(14, 2), nullable=True),
        sa.Column("accelerator_rate", sa.Numeric(6, 4), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _id(),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rate >= 0 AND rate <= 1", name=op.f("ck_commission_plans_rate_range")),
        sa.CheckConstraint(
            "accelerator_rate IS NULL OR (accelerator_rate >= 0 AND accelerator_rate <= 1)",
            name=op.f("ck_commission_plans_accelerator_range"),
        ),
        sa.CheckConstraint("quota IS NULL OR quota >= 0", name=op.f("ck_commission_plans_quota_nonneg")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_commission_plans_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_commission_plans_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_plans")),
    )
    op.create_index(op.f("ix_commission_plans_user_id"), "commission_plans", ["user_id"])
    op.create_index(op.f("ix_commission_plans_product_id"), "commission_plans", ["product_id"])

    op.create_table(
        "commission_lines",
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("base", sa.Numeric(14, 2), nullable=False),
        sa.Column("rate", sa.Numeric(6, 4), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        _ts("created_at", False),
        _id(),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_commission_lines_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_commission_lines_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["commission_plans.id"],
            name=op.f("fk_commission_lines_plan_id_commission_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["commission_lines.id"],
            name=op.f("fk_commission_lines_reverses_id_commission_lines"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_lines")),
    )
    for column in ("deal_id", "user_id", "plan_id", "reverses_id"):
        op.create_index(op.f(f"ix_commission_lines_{column}"), "commission_lines", [column])

    op.create_table(
        "quotas",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        _id(),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_quotas_amount_nonneg")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_quotas_period_order")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_quotas_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotas")),
        sa.UniqueConstraint("user_id", "period_start", name=op.f("uq_quotas_one_per_period")),
    )
    op.create_index(op.f("ix_quotas_user_id"), "quotas", ["user_id"])

    op.create_table(
        "cs_handoffs",
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("sales_owner_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(20), server_default="pending", nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        _ts("created_at", False),
        _id(),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_cs_handoffs_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_cs_handoffs_account_id_accounts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["sales_owner_id"], ["users.id"], name=op.f("fk_cs_handoffs_sales_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_handoffs")),
        sa.UniqueConstraint("deal_id", name=op.f("uq_cs_handoffs_deal_id")),
    )
    op.create_index(op.f("ix_cs_handoffs_account_id"), "cs_handoffs", ["account_id"])
    op.create_index(op.f("ix_cs_handoffs_sales_owner_id"), "cs_handoffs", ["sales_owner_id"])

    op.add_column("leads", sa.Column("conversion_override_by_id", sa.Uuid(), nullable=True))
    op.add_column("leads", sa.Column("conversion_override_reason", sa.Text(), nullable=True))
    op.create_foreign_key(
        op.f("fk_leads_conversion_override_by_id_users"),
        "leads",
        "users",
        ["conversion_override_by_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_leads_conversion_override_by_id"), "leads", ["conversion_override_by_id"])
    op.add_column("deals", sa.Column("win_probability_basis", sa.Text(), nullable=True))
    op.add_column("deals", _ts("insights_refreshed_at"))
    op.add_column("deals", sa.Column("close_date_pushes", sa.Integer(), server_default="0", nullable=False))
    op.add_column("accounts", sa.Column("churn_risk", sa.String(10), nullable=True))
    op.add_column("accounts", sa.Column("lifetime_value", sa.Numeric(14, 2), nullable=True))
    op.add_column("accounts", sa.Column("health_factors", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("account_team", sa.Column("role", sa.String(50), server_default="member", nullable=False))
    op.add_column("contacts", sa.Column("engagement_score", sa.Integer(), nullable=True))
    op.add_column("tasks", _ts("due_at"))


def downgrade() -> None:
    op.drop_column("tasks", "due_at")
    op.drop_column("contacts", "engagement_score")
    op.drop_column("account_team", "role")
    for column in ("health_factors", "lifetime_value", "churn_risk"):
        op.drop_column("accounts", column)
    for column in ("close_date_pushes", "insights_refreshed_at", "win_probability_basis"):
        op.drop_column("deals", column)
    op.drop_index(op.f("ix_leads_conversion_override_by_id"), table_name="leads")
    op.drop_constraint(op.f("fk_leads_conversion_override_by_id_users"), "leads", type_="foreignkey")
    op.drop_column("leads", "conversion_override_reason")
    op.drop_column("leads", "conversion_override_by_id")
    for table in ("cs_handoffs", "quotas", "commission_lines", "commission_plans", "notifications"):
        op.drop_table(table)
