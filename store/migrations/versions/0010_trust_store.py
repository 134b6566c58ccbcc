"""repair derived "last touched" timestamps a touch at an absurd time once pushed out of range

Revision ID: 0010_trust_store
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010_trust_store"
down_revision = "0009"
branch_labels = None
depends_on = None

DERIVED = (("contacts", "last_activity"), ("leads", "last_contacted"))


def upgrade() -> None:
    # The service now keeps these within [1900, now] (store/services/touch.py); bring older rows into that window.
    for table, column in DERIVED:
        op.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} < '1900-01-01T00:00:00+00:00'")
        op.execute(f"UPDATE {table} SET {column} = now() WHERE {column} > now()")


def downgrade() -> None:
    """Nothing to undo: the repaired values were unreadable."""
