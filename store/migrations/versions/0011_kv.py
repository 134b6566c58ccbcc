"""kv store: rate-limit windows and web sessions shared by every server process

Revision ID: 0011_kv
Revises: 0010_kb
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_kv"
down_revision = "0010_kb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kv_store",
        sa.Column("namespace", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("namespace", "key", name=op.f("pk_kv_store")),
    )
    op.create_index(op.f("ix_kv_store_expires_at"), "kv_store", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kv_store_expires_at"), table_name="kv_store")
    op.drop_table("kv_store")
