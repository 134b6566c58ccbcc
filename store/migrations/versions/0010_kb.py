"""kb structure: each chunk's section role and each article's type, for answer composition

Revision ID: 0010_kb
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_kb"
down_revision = "0010_io"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("kb_chunks", sa.Column("section", sa.String(20), nullable=True))
    op.add_column("kb_articles", sa.Column("kind", sa.String(20), nullable=True))


def downgrade() -> None:
    op.drop_column("kb_articles", "kind")
    op.drop_column("kb_chunks", "section")
