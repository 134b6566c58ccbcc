"""conversation tokens: model tokens used, checked against a per-conversation budget

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("tokens_used", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("conversations", "tokens_used")
