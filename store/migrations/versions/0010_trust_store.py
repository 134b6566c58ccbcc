"""repair derived "last touched" timestamps a touch at an absurd time once pushed out of range; order
conversation messages by insertion (a sequence), not by a timestamp that a pinned clock makes equal

Revision ID: 0010_trust_store
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_trust_store"
down_revision = "0010_trust_edge"
branch_labels = None
depends_on = None

DERIVED = (("contacts", "last_activity"), ("leads", "last_contacted"))


def upgrade() -> None:
    op.add_column("conversation_messages", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False))
    op.create_unique_constraint("uq_conversation_messages_seq", "conversation_messages", ["seq"])
    # The service now keeps these within [1900, now] (store/services/touch.py); bring older rows into that window.
    for table, column in DERIVED:
        op.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} < '1900-01-01T00:00:00+00:00'")
        op.execute(f"UPDATE {table} SET {column} = now() WHERE {column} > now()")


def downgrade() -> None:
    """The repaired values were unreadable: only the sequence goes."""
    op.drop_constraint("uq_conversation_messages_seq", "conversation_messages")
    op.drop_column("conversation_messages", "seq")
