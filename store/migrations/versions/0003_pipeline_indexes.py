"""pipeline indexes: covering indexes for the pipeline summaries, a partial index for deals closing soon

The summaries aggregate amount and weighted value over most deals; with these two
indexes they are index-only scans instead of reading the (wide) deals table:
by stage and close date company-wide, by owner, stage and close date for a rep or a team.
Deals closing in a window come in order, largest first, from a partial index on open deals.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN = sa.text("stage NOT IN ('closed_won','closed_lost')")


def upgrade() -> None:
    op.drop_index("ix_deals_stage_close_date", table_name="deals")
    op.drop_index("ix_deals_owner_stage", table_name="deals")
    op.create_index(
        "ix_deals_stage_close_date",
        "deals",
        ["stage", "close_date"],
        postgresql_include=["owner_id", "amount", "weighted_value"],
    )
    op.create_index(
        "ix_deals_owner_stage_close_date",
        "deals",
        ["owner_id", "stage", "close_date"],
        postgresql_include=["amount", "weighted_value"],
    )
    op.create_index(
        "ix_deals_open_close_date_amount", "deals", ["close_date", sa.text("amount DESC")], postgresql_where=OPEN
    )


def downgrade() -> None:
    op.drop_index("ix_deals_open_close_date_amount", table_name="deals", postgresql_where=OPEN)
    op.drop_index("ix_deals_owner_stage_close_date", table_name="deals")
    op.drop_index("ix_deals_stage_close_date", table_name="deals")
    op.create_index("ix_deals_owner_stage", "deals", ["owner_id", "stage"])
    op.create_index("ix_deals_stage_close_date", "deals", ["stage", "close_date"])
