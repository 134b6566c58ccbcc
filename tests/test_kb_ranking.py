"""KB search as one SQL statement ranks exactly as the five-statement version did: every method, both visibility
sets, the 44 help-center questions and a few edge queries, against rankings recorded from that version
(tests/data/kb_ranking.json) on the demo help center: the same articles in the same order with the same scores.
The order among passages of exactly equal score was arbitrary before (the order rows came back in), so ties
compare as sets, and the tie at the cut-off by its score only."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import event

from store.embeddings import default_embedder
from store.knowledge import ingest, read_paths, search
from store.models.enums import Visibility

ROOT = Path(__file__).resolve().parents[1]
RECORDED = json.loads((ROOT / "tests" / "data" / "kb_ranking.json").read_text())


def _ranking(hits: list[list]) -> list[tuple[float, frozenset[str]]]:
    """The articles found, grouped by (rounded) score, best first; the group at the cut-off only by its score
    (when more passages tie than fit, which of them is shown was arbitrary before too)."""
    groups: dict[float, set[str]] = {}
    for title, _heading, score in hits:
        groups.setdefault(score, set()).add(title)
    ranked = [(score, frozenset(titles)) for score, titles in groups.items()]
    return ranked[:-1] + [(ranked[-1][0], frozenset())] if ranked else []


async def test_rankings_are_those_of_the_multi_statement_search_and_a_search_is_one_statement(db):
    embedder = default_embedder()
    async with db.session() as s:
        await ingest(s, read_paths([ROOT / "store" / "seed" / "helpcenter"]), embedder)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    differences = []
    async with db.session() as s:
        await s.connection()  # BEGIN outside the count
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            for case in RECORDED:
                statements.clear()
                hits = await search(s, embedder, case["query"], limit=5, method=case["method"],
                                    visibilities=tuple(Visibility(v) for v in case["visibilities"]))
                assert len(statements) <= 1, statements
                got = [[h.title, h.heading, round(h.score, 5)] for h in hits]
                if _ranking(got) != _ranking(case["hits"]):
                    differences.append((case["query"], case["method"], case["visibilities"], got, case["hits"]))
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert not differences, differences[:3]
