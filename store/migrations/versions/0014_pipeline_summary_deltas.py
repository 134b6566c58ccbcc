"""pipeline summary deltas: the statement triggers on deals append signed rows instead of upserting one row per key

0013's upsert locked each (owner, stage, close date) row it changed until the writing transaction ended. Ordering the
keys inside one statement could not help a transaction that changes its deals one statement at a time (the ORM flushes
one UPDATE per deal, in primary-key order): two of them crossing two keys in opposite orders deadlocked. Now a change
of deals only inserts its grouped deltas, so a writer never waits on the summary; readers sum the rows of a key as they
already grouped them, and `pipeline_summary_compact()` (the job pipeline.compact, every minute) folds each key's rows
into one and drops keys left without deals. The compaction deletes only committed rows, under a transaction lock so one
runs at a time, and holds deals against a TRUNCATE, whose trigger empties the table, while it runs.

Revision ID: 0014_pipeline_summary_deltas
Revises: 0013_model_sync
"""

from __future__ import annotations

from alembic import op

revision = "0014_pipeline_summary_deltas"
down_revision = "0013_model_sync"
branch_labels = None
depends_on = None

KEY = "owner_id, stage, close_date"
ADDED = "SELECT owner_id, stage, close_date, 1 AS deals, amount, weighted_value FROM new_deals"
REMOVED = "SELECT owner_id, stage, close_date, -1 AS deals, -amount AS amount, -weighted_value AS weighted_value FROM old_deals"
SOURCES = {"inserted": ADDED, "updated": f"{ADDED} UNION ALL {REMOVED}", "deleted": REMOVED}
APPEND = f"""
BEGIN
    INSERT INTO pipeline_summary ({KEY}, deals, amount, weighted_value)
    SELECT {KEY}, sum(deals), sum(amount), sum(weighted_value) FROM ({{source}}) AS delta
    GROUP BY {KEY}
    HAVING sum(deals) <> 0 OR sum(amount) <> 0 OR sum(weighted_value) <> 0;
    RETURN NULL;
END
"""
COMPACT = f"""
DECLARE
    folded bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('pipeline_summary_compact')) THEN
        RETURN 0;
    END IF;
    LOCK TABLE deals IN ACCESS SHARE MODE;
    WITH gone AS (DELETE FROM pipeline_summary RETURNING *), kept AS (
        INSERT INTO pipeline_summary ({KEY}, deals, amount, weighted_value)
        SELECT {KEY}, sum(deals), sum(amount), sum(weighted_value) FROM gone GROUP BY {KEY} HAVING sum(deals) <> 0
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept) INTO folded;
    RETURN folded;
END
"""
UPSERT = f"""
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
"""  # 0013's body, restored by the downgrade


def _functions(body: str) -> None:
    for name, source in SOURCES.items():
        op.execute(
            f"CREATE OR REPLACE FUNCTION pipeline_summary_{name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ {body.format(source=source)} $$"
        )


def upgrade() -> None:
    op.drop_index("uq_pipeline_summary_key", table_name="pipeline_summary")
    op.create_index("ix_pipeline_summary_key", "pipeline_summary", ["owner_id", "stage", "close_date"])
    _functions(APPEND)
    op.execute(f"CREATE FUNCTION pipeline_summary_compact() RETURNS bigint LANGUAGE plpgsql AS $$ {COMPACT} $$")


def downgrade() -> None:
    op.execute("LOCK TABLE deals IN SHARE ROW EXCLUSIVE MODE")
    op.execute("DROP FUNCTION pipeline_summary_compact()")
    op.execute(
        "CREATE TEMPORARY TABLE folded ON COMMIT DROP AS SELECT owner_id, stage, close_date, sum(deals) AS deals, "
        "sum(amount) AS amount, sum(weighted_value) AS weighted_value FROM pipeline_summary "
        f"GROUP BY {KEY} HAVING sum(deals) <> 0"
    )
    op.execute("DELETE FROM pipeline_summary")
    op.execute("INSERT INTO pipeline_summary SELECT * FROM folded")
    op.drop_index("ix_pipeline_summary_key", table_name="pipeline_summary")
    op.create_index(
        "uq_pipeline_summary_key",
        "pipeline_summary",
        ["owner_id", "stage", "close_date"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    _functions(UPSERT)
