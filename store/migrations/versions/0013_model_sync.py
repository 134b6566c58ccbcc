"""model_sync: the index the conversations model declares on handoff_ticket_id (0006 added the column without it)

Revision ID: 0013_model_sync
Revises: 0013_pipeline_summary
"""

from __future__ import annotations

from alembic import op

revision = "0013_model_sync"
down_revision = "0013_pipeline_summary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_handoff_ticket_id", "conversations", ["handoff_ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_conversations_handoff_ticket_id", table_name="conversations")
