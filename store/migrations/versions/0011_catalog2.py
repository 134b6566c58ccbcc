"""catalog: product billing and import keys, deal amount override, quotes, quote attachments on emails

Revision ID: 0011_catalog2
Revises: 0011_sales
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_catalog2"
down_revision = "0011_sales"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("products", sa.Column("billing", sa.String(length=32), server_default="monthly", nullable=False))
    op.execute("UPDATE products SET billing = 'one_time' WHERE NOT is_recurring")
    op.create_check_constraint("billing", "products", "billing IN ('one_time', 'monthly', 'annual')")
    op.drop_column("products", "is_recurring")
    op.add_column("products", sa.Column("external_id", sa.String(length=100), nullable=True))
    op.add_column(
        "products",
        sa.Column("custom_fields", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
    )
    op.create_unique_constraint(op.f("uq_products_external_id"), "products", ["external_id"])
    op.add_column("deals", sa.Column("amount_override", sa.Boolean(), server_default=sa.false(), nullable=False))
    # deals whose amount was set apart from their lines keep it
    op.execute(
        "UPDATE deals d SET amount_override = true FROM (SELECT deal_id, sum(total) AS total FROM deal_line_items "
        "GROUP BY deal_id) l WHERE l.deal_id = d.id AND l.total <> d.amount"
    )
    op.execute(sa.schema.CreateSequence(sa.Sequence("quote_number_seq", start=1001)))
    op.create_table(
        "quotes",
        sa.Column(
            "quote_number",
            sa.String(length=20),
            server_default=sa.text("'Q-' || lpad(nextval('quote_number_seq')::text, 6, '0')"),
            nullable=False,
        ),
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=32), server_default="draft", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("tiers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_tier", sa.String(length=100), nullable=True),
        sa.Column("accepted_by", sa.String(length=320), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'sent', 'accepted')", name=op.f("ck_quotes_quotestatus")),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_quotes_deal_id_deals"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_quotes_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("quote_number", name=op.f("uq_quotes_quote_number")),
    )
    op.create_index(op.f("ix_quotes_deal_id"), "quotes", ["deal_id"])
    op.create_index(op.f("ix_quotes_created_by_id"), "quotes", ["created_by_id"])
    op.add_column("email_messages", sa.Column("quote_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_email_messages_quote_id_quotes"), "email_messages", "quotes", ["quote_id"], ["id"], ondelete="SET NULL"
    )
    op.create_index(op.f("ix_email_messages_quote_id"), "email_messages", ["quote_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_email_messages_quote_id"), table_name="email_messages")
    op.drop_constraint(op.f("fk_email_messages_quote_id_quotes"), "email_messages", type_="foreignkey")
    op.drop_column("email_messages", "quote_id")
    op.drop_table("quotes")
    op.execute(sa.schema.DropSequence(sa.Sequence("quote_number_seq")))
    op.drop_column("deals", "amount_override")
    op.drop_constraint(op.f("uq_products_external_id"), "products", type_="unique")
    op.drop_column("products", "custom_fields")
    op.drop_column("products", "external_id")
    op.add_column("products", sa.Column("is_recurring", sa.Boolean(), server_default=sa.text("true"), nullable=False))
    op.execute("UPDATE products SET is_recurring = billing <> 'one_time'")
    op.drop_constraint("ck_products_billing", "products", type_="check")
    op.drop_column("products", "billing")
