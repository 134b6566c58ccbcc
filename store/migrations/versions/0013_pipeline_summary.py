"""pipeline summary: deal counts and sums per owner, stage and close date, kept by statement triggers on deals

The pipeline summaries read this small table instead of aggregating every deal. Statement-level triggers with
transition tables keep it: one grouped upsert per INSERT, COPY, UPDATE or DELETE statement (a bulk load of a million
deals is one aggregate, not a million row triggers), a key whose last deal left it is deleted, TRUNCATE empties it.
The grain (owner, stage, close date) is what the summaries filter and group by, so every visibility rule and close
window applies to it exactly as to the deals.

Revision ID: 0013_pipeline_summary
Revises: 0012_marketing3
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_pipeline_summary"
down_revision = "0012_marketing3"
branch_labels = None
depends_on = None

KEY = "owner_id, stage, close_date"
ADDED = "SELECT owner_id, stage, close_date, 1 AS deals, amount, weighted_value FROM new_deals"
REMOVED = "SELECT owner_id, stage, close_date, -1 AS deals, -amount AS amount, -weighted_value AS weighted_value FROM old_deals"
# Each change of deals as signed rows (a deal entering a key counts +1, leaving it -1), added to the summary in key
# order (two writers lock shared keys in the same order); the keys left without deals are deleted by row address.
APPLY = f"""
DECLARE
    emptied tid[];
BEGIN
    WITH changed AS (
        INSERT INTO pipeline_summary AS s ({KEY}, deals, amount, weighted_value)
        SELECT {KEY}, sum(deals), sum(amount), sum(weighted_value) FROM ({{source}}) AS delta
        GROUP BY {KEY}
        HAVING sum(deals) <> 0 OR sum(amount) <> 0 OR sum(weighted_value) <> 0
        ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET deals = s.deals + EXCLUDED.deals, amount = s.amount + EXCLUDED.amount,
            weighted_value = s.weighted_value + EXCLUDED.weighted_value
        RETURNING s.ctid AS address, s.deals
    )
    SELECT array_agg(address) FILTER (WHERE deals = 0) INTO emptied FROM changed;
    IF emptied IS NOT NULL THEN
        DELETE FROM pipeline_summary WHERE ctid = ANY(emptied);
    END IF;
    RETURN NULL;
END
"""
TRIGGERS = {
    "inserted": ("INSERT", "REFERENCING NEW TABLE AS new_deals", ADDED),
    "updated": ("UPDATE", "REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals", f"{ADDED} UNION ALL {REMOVED}"),
    "deleted": ("DELETE", "REFERENCING OLD TABLE AS old_deals", REMOVED),
}


def upgrade() -> None:
    op.execute("LOCK TABLE deals IN SHARE ROW EXCLUSIVE MODE")  # no deal changes between the backfill and the triggers
    op.create_table(
        "pipeline_summary",
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.Column("weighted_value", sa.Numeric(), nullable=False),
    )
    op.create_index(
        "uq_pipeline_summary_key",
        "pipeline_summary",
        ["owner_id", "stage", "close_date"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    for name, (event, transitions, source) in TRIGGERS.items():
        op.execute(
            f"CREATE FUNCTION pipeline_summary_{name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ {APPLY.format(source=source)} $$"
        )
        op.execute(
            f"CREATE TRIGGER pipeline_summary_{name} AFTER {event} ON deals {transitions} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION pipeline_summary_{name}()"
        )
    op.execute(
        "CREATE FUNCTION pipeline_summary_truncated() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN DELETE FROM pipeline_summary; RETURN NULL; END $$"
    )  # a TRUNCATE naming both tables holds it
    op.execute(
        "CREATE TRIGGER pipeline_summary_truncated AFTER TRUNCATE ON deals "
        "FOR EACH STATEMENT EXECUTE FUNCTION pipeline_summary_truncated()"
    )
    op.execute(
        f"INSERT INTO pipeline_summary ({KEY}, deals, amount, weighted_value) "
        f"SELECT {KEY}, count(*), sum(amount), sum(weighted_value) FROM deals GROUP BY {KEY}"
    )


def downgrade() -> None:
    for name in [*TRIGGERS, "truncated"]:
        op.execute(f"DROP TRIGGER pipeline_summary_{name} ON deals")
        op.execute(f"DROP FUNCTION pipeline_summary_{name}()")
    op.drop_table("pipeline_summary")
