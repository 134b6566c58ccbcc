"""ticket requester verification: a widget handoff's email is unverified until its owner follows the mailed link

Revision ID: 0010_trust_edge
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_trust_edge"
down_revision = "0010_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("requester_verified", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column("tickets", "requester_verified")
