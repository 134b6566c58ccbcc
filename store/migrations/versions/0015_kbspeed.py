"""kb lexemes: how many chunks hold each full-text lexeme, kept by statement triggers on kb_chunks; unlogged rate windows

The knowledge-base search finds its full-text candidates through the query's rarest terms. It judged a term's rarity
by ANALYZE's most common lexemes, which list about a thousand: in a large index every other common word passed as
rare, and one such word put thousands of chunks into the candidates. This table holds the exact figure for every
lexeme. As with the pipeline summary (0014), a change of chunks only appends its grouped signed rows (a writer never
waits on another), the row of lexeme '' (no lexeme is empty) counts the chunks themselves, readers sum a lexeme's rows,
and `kb_lexemes_compact()` (the job kb.compact, every minute) folds each lexeme's rows into one. An UPDATE counts only
chunks whose text changed (re-embedding changes none).

Rate-limit windows move to an unlogged table: a hit writes no WAL, so its commit waits for no disk flush (most of a
hit's time on a busy disk); after a crash PostgreSQL empties the table and every caller starts a fresh window.

Revision ID: 0015_kbspeed
Revises: 0014_pipeline_summary_deltas
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_kbspeed"
down_revision = "0014_pipeline_summary_deltas"
branch_labels = None
depends_on = None


def _counted(table: str, sign: int, changed: str = "") -> str:
    """Signed rows of `table` (a transition table): +/-1 per lexeme of each chunk, and per chunk for lexeme ''."""
    return (
        f"SELECT u.lexeme, {sign} AS chunks FROM {table} c{changed}, unnest(c.tsv) u "
        f"UNION ALL SELECT '', {sign} FROM {table} c{changed}"
    )


_RETEXTED = " JOIN {other} o ON o.id = c.id AND o.tsv IS DISTINCT FROM c.tsv"
SOURCES = {
    "inserted": ("INSERT", "REFERENCING NEW TABLE AS new_chunks", _counted("new_chunks", 1)),
    "updated": (
        "UPDATE",
        "REFERENCING OLD TABLE AS old_chunks NEW TABLE AS new_chunks",
        f"{_counted('new_chunks', 1, _RETEXTED.format(other='old_chunks'))} "
        f"UNION ALL {_counted('old_chunks', -1, _RETEXTED.format(other='new_chunks'))}",
    ),
    "deleted": ("DELETE", "REFERENCING OLD TABLE AS old_chunks", _counted("old_chunks", -1)),
}
APPEND = """
BEGIN
    INSERT INTO kb_lexemes (lexeme, chunks)
    SELECT lexeme, sum(chunks) FROM ({source}) AS delta GROUP BY lexeme HAVING sum(chunks) <> 0;
    RETURN NULL;
END
"""
COMPACT = """
DECLARE
    folded bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('kb_lexemes_compact')) THEN
        RETURN 0;
    END IF;
    LOCK TABLE kb_chunks IN ACCESS SHARE MODE;
    WITH gone AS (
        DELETE FROM kb_lexemes WHERE lexeme IN (SELECT lexeme FROM kb_lexemes GROUP BY lexeme HAVING count(*) > 1)
        RETURNING lexeme, chunks
    ), kept AS (
        INSERT INTO kb_lexemes (lexeme, chunks)
        SELECT lexeme, sum(chunks) FROM gone GROUP BY lexeme HAVING sum(chunks) <> 0
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept) INTO folded;
    RETURN folded;
END
"""


def upgrade() -> None:
    op.execute("ALTER TABLE rate_windows SET UNLOGGED")
    op.execute("LOCK TABLE kb_chunks IN SHARE ROW EXCLUSIVE MODE")  # no chunk changes between the backfill and triggers
    op.create_table(
        "kb_lexemes",
        sa.Column("lexeme", sa.Text(), nullable=False),
        sa.Column("chunks", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_kb_lexemes_lexeme", "kb_lexemes", ["lexeme"])
    for name, (event, transitions, source) in SOURCES.items():
        op.execute(
            f"CREATE FUNCTION kb_lexemes_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ {APPEND.format(source=source)} $$"
        )
        op.execute(
            f"CREATE TRIGGER kb_lexemes_{name} AFTER {event} ON kb_chunks {transitions} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION kb_lexemes_{name}()"
        )
    op.execute(
        "CREATE FUNCTION kb_lexemes_truncated() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN DELETE FROM kb_lexemes; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER kb_lexemes_truncated AFTER TRUNCATE ON kb_chunks "
        "FOR EACH STATEMENT EXECUTE FUNCTION kb_lexemes_truncated()"
    )
    op.execute(f"CREATE FUNCTION kb_lexemes_compact() RETURNS bigint LANGUAGE plpgsql AS $$ {COMPACT} $$")
    op.execute(
        "INSERT INTO kb_lexemes (lexeme, chunks) SELECT word, ndoc FROM ts_stat('SELECT tsv FROM kb_chunks') "
        "UNION ALL SELECT '', count(*) FROM kb_chunks HAVING count(*) > 0"
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION kb_lexemes_compact()")
    for name in [*SOURCES, "truncated"]:
        op.execute(f"DROP TRIGGER kb_lexemes_{name} ON kb_chunks")
        op.execute(f"DROP FUNCTION kb_lexemes_{name}()")
    op.drop_index("ix_kb_lexemes_lexeme", table_name="kb_lexemes")
    op.drop_table("kb_lexemes")
    op.execute("ALTER TABLE rate_windows SET LOGGED")
