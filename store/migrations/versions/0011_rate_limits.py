"""rate-limit windows shared by every server process

Revision ID: 0011_rate_limits
Revises: 0010_kb
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_rate_limits"
down_revision = "0010_kb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        sa.Column("resets_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rule", "key", name=op.f("pk_rate_windows")),
    )
    op.create_index(op.f("ix_rate_windows_resets_at"), "rate_windows", ["resets_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_windows_resets_at"), table_name="rate_windows")
    op.drop_table("rate_windows")
