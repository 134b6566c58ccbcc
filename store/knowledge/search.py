"""Hybrid knowledge-base search: pgvector HNSW (cosine) and PostgreSQL full text, fused.

Fusion is a convex combination of two scores in [0, 1]: the cosine similarity, and a text score
(the full-text rank relative to the query's best, times a power of the share of the query's terms
the passage contains, so one common word matching is weak evidence and an exact error code is
strong). Every
candidate from either side gets both scores. The weight of the dense side falls with the length of
the query: short questions are paraphrases, where embeddings win and keyword matches mislead;
long scenario texts carry many exact terms, where full text wins and a 256-token embedding of a
truncated text is weak. The weights were chosen on figures (bench/kb_search.py): the banking
scenarios for long queries, paraphrased help-center questions and error codes for short ones.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.embeddings import Embedder, embed_cached
from store.models.enums import Visibility

Method = Literal["hybrid", "vector", "text", "rrf"]
SHORT_ALPHA, LONG_ALPHA = 0.8, 0.2  # dense weight for short questions / long scenario texts
SHORT_POWER, LONG_POWER = 6.0, 1.0  # coverage exponent: in a short question only (nearly) every term matching counts
SHORT_TERMS, LONG_TERMS = 8, 40  # query lengths (distinct terms) between which both slide
RRF_K = 60
RANK_CAP = 5000  # full-text matches ranked per query: bounds latency when common words match most of a large index
RELEVANCE_FLOOR = 0.30  # below this fused score nothing is "found"; set on paraphrases vs unanswerable questions (bench/kb_answers.py)
_WORD = re.compile(r"\w", re.U)

_TSQUERY = (
    "(SELECT string_agg(quote_literal(lexeme), ' | ') FROM unnest(to_tsvector('english', :q)))"
)


@dataclass
class Hit:
    """One passage: its article, a snippet, and the scores that ranked it."""

    chunk_id: uuid.UUID
    article_id: uuid.UUID
    title: str
    source: str
    url: str | None
    heading: str | None
    content: str
    score: float
    vector_score: float
    text_score: float
    coverage: float

    @property
    def snippet(self) -> str:
        body = " ".join(self.content.split())
        return body if len(body) <= 300 else body[:297].rsplit(" ", 1)[0] + "..."


def has_words(query: str) -> bool:
    """False for a query of only punctuation or blanks."""
    return bool(_WORD.search(query or ""))


async def search(
    session: AsyncSession, embedder: Embedder, query: str, *, limit: int = 5,
    visibilities: Sequence[Visibility] = (Visibility.public,), method: Method = "hybrid",
    alpha: float | None = None, per_article: bool = True, candidates: int = 40,
) -> list[Hit]:
    """The best passages for `query` among articles of the given visibilities.

    `alpha` fixes the dense weight; by default it follows the query's length (`fusion_params`).
    """
    if not has_words(query) or not await has_terms(session, query):
        return []
    visible = [v.value for v in visibilities]
    pool = max(candidates, limit * 4)
    vector = embed_cached(embedder, [query])[0].tolist()
    dense = await _dense(session, vector, visible, pool) if method != "text" else {}
    sparse = await _sparse(session, query, visible, pool) if method != "vector" else {}
    ids = list(dict.fromkeys([*dense, *sparse]))
    if not ids:
        return []
    rows = await _rows(session, ids, vector, query)
    best_text = max((r["text_score"] for r in rows.values()), default=0.0) or 1.0
    terms = max((r["terms"] for r in rows.values()), default=0) or 1
    weight, power = fusion_params(terms)
    weight = weight if alpha is None else alpha
    scored = []
    for chunk_id, row in rows.items():
        coverage = row["matched"] / terms
        v, t = row["vector_score"], row["text_score"] / best_text * coverage ** power
        if method == "vector":
            score = v
        elif method == "text":
            score = t
        elif method == "rrf":
            score = _rrf(chunk_id, dense) + _rrf(chunk_id, sparse)
        else:
            score = weight * v + (1 - weight) * t
        scored.append(Hit(chunk_id=chunk_id, article_id=row["article_id"], title=row["title"], source=row["source"], url=row["url"],
                          heading=row["heading"], content=row["content"], score=score, vector_score=v, text_score=t, coverage=coverage))
    scored.sort(key=lambda h: h.score, reverse=True)
    if per_article:
        seen: set[uuid.UUID] = set()
        scored = [h for h in scored if not (h.article_id in seen or seen.add(h.article_id))]
    return scored[:limit]


def fusion_params(terms: int) -> tuple[float, float]:
    """(dense weight, coverage exponent) for a query of `terms` distinct terms, sliding from short to long."""
    share = min(max((terms - SHORT_TERMS) / (LONG_TERMS - SHORT_TERMS), 0.0), 1.0)
    return SHORT_ALPHA + (LONG_ALPHA - SHORT_ALPHA) * share, SHORT_POWER + (LONG_POWER - SHORT_POWER) * share


async def has_terms(session: AsyncSession, query: str) -> bool:
    """False when the query is only stop words ("the", "and of it"): there is nothing to look for."""
    return bool(await session.scalar(text("SELECT to_tsvector('english', :q) <> ''::tsvector"), {"q": query}))


def _rrf(chunk_id: uuid.UUID, ranking: dict[uuid.UUID, float]) -> float:
    order = list(ranking)
    return 1 / (RRF_K + order.index(chunk_id) + 1) if chunk_id in ranking else 0.0


async def _dense(session: AsyncSession, vector: list[float], visible: list[str], k: int) -> dict[uuid.UUID, float]:
    """Nearest chunks by cosine through the HNSW index; iterative scans keep k results under the filter."""
    await session.execute(text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', '100', true)"))
    rows = await session.execute(
        text("SELECT id, 1 - (embedding <=> CAST(:v AS vector)) AS sim FROM kb_chunks "
             "WHERE visibility IN :vis AND embedding IS NOT NULL ORDER BY embedding <=> CAST(:v AS vector) LIMIT :k")
        .bindparams(bindparam("vis", expanding=True)),
        {"v": str(vector), "vis": visible, "k": k},
    )
    ranked = sorted(rows.all(), key=lambda r: r[1], reverse=True)
    return {r[0]: float(r[1]) for r in ranked}


async def _sparse(session: AsyncSession, query: str, visible: list[str], k: int) -> dict[uuid.UUID, float]:
    """Chunks matching any query term (stemmed), by cover-density rank with title and heading weighted up.

    At most RANK_CAP matches are ranked: on a large index a query of common words matches tens of
    thousands of chunks, and ranking them all costs hundreds of milliseconds. The dense side and the
    re-scoring of every candidate in `_rows` keep quality; exact rare terms match few chunks anyway.
    """
    rows = await session.execute(
        text(f"WITH q AS (SELECT CAST({_TSQUERY} AS tsquery) AS query), "
             "matches AS (SELECT id, tsv FROM kb_chunks, q WHERE q.query IS NOT NULL AND tsv @@ q.query AND visibility IN :vis LIMIT :cap) "
             "SELECT id, ts_rank_cd(tsv, q.query, 32) AS rank FROM matches, q ORDER BY rank DESC LIMIT :k")
        .bindparams(bindparam("vis", expanding=True)),
        {"q": query, "vis": visible, "k": k, "cap": RANK_CAP},
    )
    return {r[0]: float(r[1]) for r in rows.all()}


async def _rows(session: AsyncSession, ids: list[uuid.UUID], vector: list[float], query: str) -> dict[uuid.UUID, dict]:
    """Both scores and the display fields of every candidate."""
    rows = await session.execute(
        text(f"SELECT c.id, c.article_id, c.title, a.source, a.url, c.heading, c.content, "
             "coalesce(1 - (c.embedding <=> CAST(:v AS vector)), 0) AS vector_score, "
             f"coalesce(ts_rank_cd(c.tsv, CAST({_TSQUERY} AS tsquery), 32), 0) AS text_score, "
             "(SELECT count(*) FROM unnest(to_tsvector('english', :q)) t WHERE c.tsv @@ CAST(quote_literal(t.lexeme) AS tsquery)) AS matched, "
             "(SELECT count(*) FROM unnest(to_tsvector('english', :q))) AS terms "
             "FROM kb_chunks c JOIN kb_articles a ON a.id = c.article_id WHERE c.id IN :ids")
        .bindparams(bindparam("ids", expanding=True)),
        {"ids": ids, "v": str(vector), "q": query},
    )
    return {r.id: dict(r._mapping) for r in rows}
