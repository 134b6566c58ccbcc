"""KB search is one SQL statement per query, for every method and both visibility sets, over the demo help center.

(When the five-statement search became one, tests/data/kb_ranking.json recorded the old version's results and this
test compared them; the answer-composition work has since changed the chunk text, so the queries remain and the
comparison went: rankings are checked by tests/integration/test_knowledge.py and the KB evaluation sets.)"""

from __future__ import annotations

import json

from sqlalchemy import event

from store.embeddings import default_embedder
from store.knowledge import ingest, read_paths, search
from store.models.enums import Visibility
from tests.support.paths import ROOT

CASES = json.loads((ROOT / "tests" / "data" / "kb_ranking.json").read_text())


async def test_a_search_is_one_statement(db):
    embedder = default_embedder()
    async with db.session() as s:
        await ingest(s, read_paths([ROOT / "store" / "seed" / "helpcenter"]), embedder)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    async with db.session() as s:
        await s.connection()  # BEGIN outside the count
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            for case in CASES:
                statements.clear()
                await search(
                    s,
                    embedder,
                    case["query"],
                    limit=5,
                    method=case["method"],
                    visibilities=tuple(Visibility(v) for v in case["visibilities"]),
                )
                assert len(statements) <= 1, (case["query"], statements)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
