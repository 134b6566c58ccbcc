"""The open-pipeline summary: deal counts and sums per owner, stage and close date, kept by triggers on deals."""

from __future__ import annotations

import sqlalchemy as sa

from store.models.base import Base

# Signed rows per (owner, stage, close date) whose sums are the deals of that key: appended by the statement triggers
# of migrations 0013_pipeline_summary and 0014_pipeline_summary_deltas on every INSERT (COPY included), UPDATE and
# DELETE of deals, emptied by a TRUNCATE, folded to one row per key with deals by `pipeline_summary_compact()`.
# Derived data: no foreign keys (a user's deletion reaches it as the deals' owner update).
pipeline_summary = sa.Table(
    "pipeline_summary",
    Base.metadata,
    sa.Column("owner_id", sa.Uuid, nullable=True),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("close_date", sa.Date, nullable=True),
    sa.Column("deals", sa.BigInteger, nullable=False),
    sa.Column("amount", sa.Numeric, nullable=False),
    sa.Column("weighted_value", sa.Numeric, nullable=False),
    sa.Index("ix_pipeline_summary_key", "owner_id", "stage", "close_date"),
)
