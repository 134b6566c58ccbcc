"""marketing: dynamic lists, campaign cost and member dates, mass emails with per-recipient sends, suppressions, web forms

Revision ID: 0011_marketing
Revises: 0011_console
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import CITEXT, JSONB

revision = "0011_marketing"
down_revision = "0011_console"
branch_labels = None
depends_on = None

CAMPAIGN_STATUSES = ("planned", "active", "paused", "completed", "aborted")


def _enum(name: str, *values: str, **kw: Any) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32, **kw)


def upgrade() -> None:
    op.execute("ALTER TABLE campaigns DROP CONSTRAINT IF EXISTS ck_campaigns_campaignstatus")
    op.create_check_constraint(op.f("ck_campaigns_campaignstatus"), "campaigns", f"status IN {CAMPAIGN_STATUSES}")
    op.add_column("campaigns", sa.Column("description", sa.Text(), nullable=True))
    op.add_column("campaigns", sa.Column("actual_cost", sa.Numeric(14, 2), nullable=True))
    op.create_check_constraint(
        op.f("ck_campaigns_actual_cost_nonneg"), "campaigns", "actual_cost IS NULL OR actual_cost >= 0"
    )
    op.add_column(
        "campaign_members",
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.add_column(
        "campaign_members", sa.Column("lead_created", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index(
        "uq_campaign_members_contact",
        "campaign_members",
        ["campaign_id", "contact_id"],
        unique=True,
        postgresql_where=sa.text("contact_id IS NOT NULL"),
    )
    op.create_index(
        "uq_campaign_members_lead",
        "campaign_members",
        ["campaign_id", "lead_id"],
        unique=True,
        postgresql_where=sa.text("lead_id IS NOT NULL"),
    )
    op.add_column("contact_lists", sa.Column("owner_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        "fk_contact_lists_owner_id_users", "contact_lists", "users", ["owner_id"], ["id"], ondelete="SET NULL"
    )
    op.create_index("ix_contact_lists_owner_id", "contact_lists", ["owner_id"])
    op.create_index("ix_accounts_tier", "accounts", ["tier"])
    op.create_index("ix_contacts_last_activity", "contacts", ["last_activity"])

    op.create_table(
        "campaign_emails",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("list_id", sa.Uuid(), nullable=True),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("links", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("from_address", sa.String(320), nullable=True),
        sa.Column(
            "status",
            _enum("massemailstatus", "draft", "scheduled", "sending", "paused", "sent"),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_campaign_emails_campaign_id_campaigns", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["contact_lists.id"], name="fk_campaign_emails_list_id_contact_lists", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name="fk_campaign_emails_author_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_emails"),
    )
    op.create_index("ix_campaign_emails_campaign_id", "campaign_emails", ["campaign_id"])
    op.create_index("ix_campaign_emails_list_id", "campaign_emails", ["list_id"])
    op.create_index("ix_campaign_emails_author_id", "campaign_emails", ["author_id"])
    op.create_table(
        "campaign_sends",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("email_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("address", CITEXT(), nullable=False),
        sa.Column(
            "status",
            _enum("sendstatus", "pending", "sending", "sent", "bounced", "failed", "unknown", "skipped"),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["email_id"], ["campaign_emails.id"], name="fk_campaign_sends_email_id_campaign_emails", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name="fk_campaign_sends_contact_id_contacts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_campaign_sends_lead_id_leads", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_sends"),
        sa.UniqueConstraint("email_id", "address", name="uq_campaign_sends_recipient"),
    )
    op.create_index("ix_campaign_sends_due", "campaign_sends", ["email_id", "status", "due_at"])
    op.create_index("ix_campaign_sends_opened", "campaign_sends", ["contact_id", "opened_at"])
    op.create_index("ix_campaign_sends_contact_id", "campaign_sends", ["contact_id"])
    op.create_index("ix_campaign_sends_lead_id", "campaign_sends", ["lead_id"])
    op.create_table(
        "email_suppressions",
        sa.Column("address", CITEXT(), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name="fk_email_suppressions_contact_id_contacts", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_email_suppressions_campaign_id_campaigns", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("address", name="pk_email_suppressions"),
    )
    op.create_index("ix_email_suppressions_contact_id", "email_suppressions", ["contact_id"])
    op.create_index("ix_email_suppressions_campaign_id", "email_suppressions", ["campaign_id"])
    op.create_table(
        "web_forms",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("welcome_subject", sa.String(500), nullable=True),
        sa.Column("welcome_body", sa.Text(), nullable=True),
        sa.Column(
            "consent_text", sa.Text(), server_default="I agree to be contacted about my request.", nullable=False
        ),
        sa.Column("settings", JSONB(), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_web_forms_campaign_id_campaigns", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_web_forms"),
        sa.UniqueConstraint("slug", name="uq_web_forms_slug"),
    )
    op.create_index("ix_web_forms_campaign_id", "web_forms", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("web_forms")
    op.drop_table("email_suppressions")
    op.drop_table("campaign_sends")
    op.drop_table("campaign_emails")
    op.drop_index("ix_contacts_last_activity", table_name="contacts")
    op.drop_index("ix_accounts_tier", table_name="accounts")
    op.drop_constraint("fk_contact_lists_owner_id_users", "contact_lists", type_="foreignkey")
    op.drop_column("contact_lists", "owner_id")
    op.drop_index("uq_campaign_members_lead", table_name="campaign_members")
    op.drop_index("uq_campaign_members_contact", table_name="campaign_members")
    op.drop_column("campaign_members", "lead_created")
    op.drop_column("campaign_members", "added_at")
    op.drop_constraint("ck_campaigns_actual_cost_nonneg", "campaigns", type_="check")
    op.drop_column("campaigns", "actual_cost")
    op.drop_column("campaigns", "description")
    op.execute("ALTER TABLE campaigns DROP CONSTRAINT IF EXISTS ck_campaigns_campaignstatus")
    op.create_check_constraint(
        op.f("ck_campaigns_campaignstatus"), "campaigns", "status IN ('planned', 'active', 'paused', 'completed')"
    )
