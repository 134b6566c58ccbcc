"""marketing3: nurture drip steps on campaign emails

Revision ID: 0012_marketing3
Revises: 0011_catalog2
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_marketing3"
down_revision = "0012_inbox_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("campaign_emails", sa.Column("drip_step", sa.Integer(), nullable=True))
    op.add_column("campaign_emails", sa.Column("drip_delay", sa.Interval(), nullable=True))
    op.create_index(
        "uq_campaign_emails_drip_step",
        "campaign_emails",
        ["campaign_id", "drip_step"],
        unique=True,
        postgresql_where=sa.text("drip_step IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_campaign_emails_drip_step", table_name="campaign_emails")
    op.drop_column("campaign_emails", "drip_delay")
    op.drop_column("campaign_emails", "drip_step")
