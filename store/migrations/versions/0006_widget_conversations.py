"""widget conversations: citations of final answers (for history replays), handoff ticket, feedback, CSAT

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "conversation_messages", sa.Column("citations", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column("conversations", sa.Column("handoff_ticket_id", sa.Uuid(), nullable=True))
    op.add_column("conversations", sa.Column("helpful", sa.Boolean(), nullable=True))
    op.add_column("conversations", sa.Column("csat_rating", sa.SmallInteger(), nullable=True))
    op.add_column("conversations", sa.Column("csat_comment", sa.Text(), nullable=True))
    op.create_foreign_key(
        op.f("fk_conversations_handoff_ticket_id_tickets"),
        "conversations",
        "tickets",
        ["handoff_ticket_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_check_constraint(op.f("ck_conversations_csat_range"), "conversations", "csat_rating BETWEEN 1 AND 5")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_conversations_csat_range"), "conversations", type_="check")
    op.drop_constraint(op.f("fk_conversations_handoff_ticket_id_tickets"), "conversations", type_="foreignkey")
    for column in ("csat_comment", "csat_rating", "helpful", "handoff_ticket_id"):
        op.drop_column("conversations", column)
    op.drop_column("conversation_messages", "citations")
