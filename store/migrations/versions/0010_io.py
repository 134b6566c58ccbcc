"""imports and MCP: custom fields and external ids on imported records, import jobs, the `mcp` and `import` channels

Revision ID: 0010_io
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010_io"
down_revision = "0010_trust_store"
branch_labels = None
depends_on = None

IMPORTED = ("leads", "contacts", "accounts", "deals", "tickets")
CHANNELS_BEFORE = ("cli", "api", "slack", "widget", "system")
CHANNELS = (*CHANNELS_BEFORE, "mcp", "import")


def _channels(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    for table in ("audit_log", "conversations"):
        op.drop_constraint(op.f(f"ck_{table}_channel"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_channel"), table, f"channel IN ({listed})")


def upgrade() -> None:
    for table in IMPORTED:
        if table != "contacts":
            op.add_column(table, sa.Column("custom_fields", JSONB(), server_default="{}", nullable=False))
        op.add_column(table, sa.Column("external_id", sa.String(100), nullable=True))
        op.create_unique_constraint(op.f(f"uq_{table}_external_id"), table, ["external_id"])
    op.create_index("ix_deals_deal_name", "deals", ["deal_name"])
    op.create_table(
        "imports",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("resource", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("options", JSONB(), server_default="{}", nullable=False),
        sa.Column("status", sa.String(20), server_default="queued", nullable=False),
        sa.Column("rows_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("report", JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_imports_user_id_users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
    )
    op.create_index("ix_imports_user_id", "imports", ["user_id"])
    _channels(CHANNELS)


def downgrade() -> None:
    _channels(CHANNELS_BEFORE)
    op.drop_index("ix_imports_user_id", table_name="imports")
    op.drop_table("imports")
    op.drop_index("ix_deals_deal_name", table_name="deals")
    for table in IMPORTED:
        op.drop_constraint(op.f(f"uq_{table}_external_id"), table, type_="unique")
        op.drop_column(table, "external_id")
        if table != "contacts":
            op.drop_column(table, "custom_fields")
