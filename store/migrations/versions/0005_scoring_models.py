"""scoring models: trained lead-scoring coefficients and metrics

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_models",
        sa.Column("algorithm", sa.String(length=50), nullable=False),
        sa.Column("features", postgresql.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("coefficients", postgresql.ARRAY(sa.Float()), nullable=False),
        sa.Column("intercept", sa.Float(), nullable=False),
        sa.Column("means", postgresql.ARRAY(sa.Float()), nullable=False),
        sa.Column("metrics", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_models")),
    )
    op.create_index(op.f("ix_scoring_models_active"), "scoring_models", ["active"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_scoring_models_active"), table_name="scoring_models")
    op.drop_table("scoring_models")
