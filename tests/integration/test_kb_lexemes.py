"""`kb_lexemes`, the full-text figures the KB search picks its rare terms by, stay equal to the chunks themselves
(PostgreSQL's own count, `ts_stat`) through ingestion, replacement, edits, deletion and compaction."""

from __future__ import annotations

from sqlalchemy import text

from store.embeddings import default_embedder
from store.jobs.defer import defer
from store.knowledge import delete_article, ingest
from store.knowledge.documents import Document
from store.settings import Settings
from tests.support.job_tasks import drain

FIGURES = "SELECT lexeme, sum(chunks) FROM kb_lexemes GROUP BY lexeme HAVING sum(chunks) <> 0"
TRUTH = "SELECT word, ndoc FROM ts_stat('SELECT tsv FROM kb_chunks') UNION ALL SELECT '', count(*) FROM kb_chunks HAVING count(*) > 0"


def _doc(source: str, content: str) -> Document:
    return Document(source=source, title=source.title(), content=content)


async def _agree(s) -> dict[str, int]:  # noqa: ANN001
    figures = {lexeme: int(n) for lexeme, n in (await s.execute(text(FIGURES))).all()}
    assert figures == {lexeme: int(n) for lexeme, n in (await s.execute(text(TRUTH))).all()}
    return figures


async def test_the_lexeme_figures_follow_every_change_of_the_chunks(db):
    embedder = default_embedder()
    async with db.session() as s:
        await ingest(
            s, [_doc("refunds", "Refunds over 500 dollars need a manager."), _doc("wire", "Wire refunds.")], embedder
        )
    async with db.session() as s:
        figures = await _agree(s)
        assert figures["refund"] == 2 and figures[""] == 2 and figures["manag"] == 1
    async with db.session() as s:  # a changed article replaces its chunk; another goes
        await ingest(s, [_doc("refunds", "Refunds need a manager and a ticket.")], embedder)
        await delete_article(s, "wire")
    async with db.session() as s:
        figures = await _agree(s)
        assert figures["refund"] == 1 and "wire" not in figures and figures["ticket"] == 1
        rows = await s.scalar(text("SELECT count(*) FROM kb_lexemes"))
        await s.execute(text("UPDATE kb_chunks SET embedding_model = 'other'"))  # the text is unchanged: no rows
        assert await s.scalar(text("SELECT count(*) FROM kb_lexemes")) == rows
        await s.execute(text("UPDATE kb_chunks SET content = content || ' Escalate.'"))
        assert (await _agree(s))["escal"] == 1
        await defer(s, "lexemes.compact", timestamp=0)
    await drain(db, Settings())
    async with db.session() as s:
        assert await _agree(s) == figures | {"escal": 1}
        assert await s.scalar(text("SELECT count(*) FROM kb_lexemes")) == len(figures) + 1  # one row per lexeme
        await s.execute(text("TRUNCATE kb_chunks"))
        assert await s.scalar(text("SELECT count(*) FROM kb_lexemes")) == 0
