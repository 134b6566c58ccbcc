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

import asyncio
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import vector_connection
from store.embeddings import Embedder, embed_cached
from store.models.enums import Visibility

Method = Literal["hybrid", "vector", "text", "rrf"]
SHORT_ALPHA, LONG_ALPHA = 0.8, 0.2  # dense weight for short questions / long scenario texts
SHORT_POWER, LONG_POWER = 6.0, 1.0  # coverage exponent: in a short question only (nearly) every term matching counts
SHORT_TERMS, LONG_TERMS = 8, 40  # query lengths (distinct terms) between which both slide
RRF_K = 60
RANK_CAP = 1000  # full-text matches ranked per query: bounds latency when common words match most of a large index
COMMON_SHARE = 0.02  # full-text candidates match a query term in at most this share of chunks (kb_lexemes' figures)
TERM_BUDGET = 5000  # the rarest terms whose chunks add up to less than this find the full-text candidates
PRESCORED = (
    200  # of those, the best by ts_rank (term frequencies, cheap) are ranked by cover density (costly for long queries)
)
RELEVANCE_FLOOR = 0.30  # below this fused score nothing is "found"; set on paraphrases vs unanswerable questions (bench/kb_answers.py)
WEAK_SCORE = 0.35  # a best match under this fused score answers only when its article holds the question's words:
COVERAGE_FLOOR = (
    0.4  # at least this rarity-weighted share of them, in a short question (dev paraphrases vs unanswerables)
)
NAME_SCORE = 0.5  # a best match under this fused score answers no short question naming what no passage mentions
OWN_SHARE = 0.2  # a word held by at least this share of the passages and written as a name names the help center itself
NAME_CASE = 0.8  # a word is written as a name when at least this share of its uses inside a sentence are capitalised
NAME_SAMPLE = 50  # passages read to tell how a word is written
COVERAGE_CAP = 10_000  # passages holding a word counted up to this many (a common word's count costs, not its weight)
_WORD = re.compile(r"\w", re.U)


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
    session: AsyncSession,
    embedder: Embedder,
    query: str,
    *,
    limit: int = 5,
    visibilities: Sequence[Visibility] = (Visibility.public,),
    method: Method = "hybrid",
    alpha: float | None = None,
    per_article: bool = True,
    candidates: int = 40,
) -> list[Hit]:
    """The best passages for `query` among articles of the given visibilities.

    `alpha` fixes the dense weight; by default it follows the query's length (`fusion_params`). The query is
    embedded in a worker thread (the event loop keeps serving) and everything else is one SQL statement.
    """
    if not has_words(query):
        return []
    vector = (await asyncio.to_thread(embed_cached, embedder, [query]))[0]
    rows = await _candidates(
        session, query, vector, [v.value for v in visibilities], max(candidates, limit * 4), method
    )
    if not rows:
        return []
    best_text = max(r.text_score for r in rows) or 1.0
    terms = rows[0].terms or 1
    weight, power = fusion_params(terms)
    weight = weight if alpha is None else alpha
    scored = []
    for row in rows:
        coverage = row.matched / terms
        v, t = row.vector_score, row.text_score / best_text * coverage**power
        if method == "vector":
            score = v
        elif method == "text":
            score = t
        elif method == "rrf":
            score = _rrf(row.dense_rank) + _rrf(row.text_rank)
        else:
            score = weight * v + (1 - weight) * t
        scored.append(
            Hit(
                chunk_id=row.id,
                article_id=row.article_id,
                title=row.title,
                source=row.source,
                url=row.url,
                heading=row.heading,
                content=row.content,
                score=score,
                vector_score=v,
                text_score=t,
                coverage=coverage,
            )
        )
    scored.sort(key=lambda h: h.score, reverse=True)
    if per_article:
        best: dict[uuid.UUID, Hit] = {}  # the first (best) hit of each article, in order
        for h in scored:
            best.setdefault(h.article_id, h)
        scored = list(best.values())
    return scored[:limit]


def fusion_params(terms: int) -> tuple[float, float]:
    """(dense weight, coverage exponent) for a query of `terms` distinct terms, sliding from short to long."""
    share = min(max((terms - SHORT_TERMS) / (LONG_TERMS - SHORT_TERMS), 0.0), 1.0)
    return SHORT_ALPHA + (LONG_ALPHA - SHORT_ALPHA) * share, SHORT_POWER + (LONG_POWER - SHORT_POWER) * share


async def has_terms(session: AsyncSession, query: str) -> bool:
    """False when the query is only stop words ("the", "and of it"): there is nothing to look for."""
    return bool(await session.scalar(text("SELECT to_tsvector('english', :q) <> ''::tsvector"), {"q": query}))


async def weak_match_answers(
    session: AsyncSession, query: str, article_id: uuid.UUID, visibilities: Sequence[Visibility] = (Visibility.public,)
) -> bool:
    """Whether the article of a weak best match (under WEAK_SCORE) still answers: for a short question (up to
    SHORT_TERMS lexemes) only when it holds the question's distinctive words (`_share` at least COVERAGE_FLOOR:
    "a 30-year fixed mortgage rate" is not answered by the savings rates); a longer question tells a scenario whose
    incidental words ("our developer is building an integration and asked me for ...") no article holds, so it is."""
    rows = await _coverage_rows(session, query, article_id, visibilities)
    return len(rows) > SHORT_TERMS or _share(rows) >= COVERAGE_FLOOR


async def _coverage_rows(
    session: AsyncSession, query: str, article_id: uuid.UUID, visibilities: Sequence[Visibility]
) -> list[Any]:
    """One row per lexeme of the query: the passages, those holding it, and whether the article does."""
    params = {"q": query, "a": article_id, "vis": [v.value for v in visibilities], "cap": COVERAGE_CAP}
    return list((await session.execute(_COVERAGE, params)).all())


def _share(rows: list[Any]) -> float:
    """The share of the query's words that the article holds, each word weighted by its rarity among the visible
    passages (log of passages over passages holding it, counted up to COVERAGE_CAP); words no passage holds are left
    out ("spreadsheet" in a help center that says "CSV"). 1.0 when the query has no word the index holds."""
    known = [(math.log(r.total / r.holding), r.held) for r in rows if r.holding]
    whole = sum(w for w, _ in known)
    return sum(w for w, held in known if held) / whole if whole else 1.0


_NAME = re.compile(r"[A-Za-z][\w'-]*")
_WORD_RUN = re.compile(r"[A-Za-z0-9][\w'-]*")
_EXISTS = re.compile(
    r"\b(?:do|does) (?:you|\w+) (?:have|offer|support|provide|sell)\b|\b(?:is|are) there (?:a|an|any)\b", re.IGNORECASE
)  # a question whether something exists
_NAMED = re.compile(r"[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}s?")  # "QuickBooks", "EU", "SLAs"
_SENTENCE_START = re.compile(r"(?:^|[.?!:;\"(-])\s*$")


def names(query: str) -> list[str]:
    """The words of a question that name something: capitalised inside a sentence ("Shopify", "Spain"), in capitals
    ("EU", "SLA") or in camel case ("QuickBooks"); "I" and a sentence's first word are no names."""
    found = []
    for m in _NAME.finditer(query):
        word = m.group(0)
        if word == "I" or word.startswith("I'"):
            continue
        if _NAMED.fullmatch(word) or (word[0].isupper() and not _SENTENCE_START.search(query[: m.start()])):
            found.append(word)
    return found


async def unknown_names(
    session: AsyncSession, query: str, visibilities: Sequence[Visibility] = (Visibility.public,)
) -> list[str]:
    """The names in a short query (`names`; up to SHORT_TERMS lexemes) that no visible passage holds: what a help
    center never mentions ("a QuickBooks sync", "a mortgage in Spain") it cannot answer, unlike a paraphrase's common
    words ("spreadsheet"). A short question whether something exists ("do you offer a 529 college savings plan?",
    "does nexa have a dark mode?") names it with all the words after its verb, capitalised or not: a help center
    holding no "529" or "college" cannot say it does. A longer question tells a scenario whose names are incidental ("charged
    again in January", "an ATM in Cancun"): none."""
    exists = _EXISTS.search(query)
    asked = list(dict.fromkeys(names(query) + (_WORD_RUN.findall(query[exists.end() :]) if exists else [])))
    if not asked:
        return []
    params = {"names": asked, "q": query, "short": SHORT_TERMS, "vis": [v.value for v in visibilities]}
    rows = await session.execute(_UNKNOWN, params)
    return [r.name for r in rows]


async def own_names(
    session: AsyncSession, query: str, visibilities: Sequence[Visibility] = (Visibility.public,)
) -> list[str]:
    """The words of a query that name the knowledge base itself ("Nexa" in Nexa's help center): held by at least
    OWN_SHARE of the passages (`kb_lexemes`' figures) and written capitalised inside their sentences (NAME_CASE of
    the uses in up to NAME_SAMPLE passages). They tell no article from another, so a title naming them ("Your first
    login to Nexa CRM") is no closer to "how do I stop paying for nexa?" than "Cancel your subscription"."""
    words = list(dict.fromkeys(w.lower() for w in _NAME.findall(query)))
    if not words:
        return []
    params = {"words": words, "share": OWN_SHARE, "sample": NAME_SAMPLE, "vis": [v.value for v in visibilities]}
    return [r.word for r in await session.execute(_OWN, params) if _written_as_name(r.word, r.contents)]


def _written_as_name(word: str, contents: Sequence[str]) -> bool:
    """Whether the passages write `word` capitalised inside their sentences (after a lower-case word or a comma)."""
    uses = [m.group(1) for c in contents for m in re.finditer(rf"(?<=[a-z,;] )({re.escape(word)})\b", c, re.I)]
    return bool(uses) and sum(u[0].isupper() for u in uses) >= NAME_CASE * len(uses)


_OWN = text("""
SELECT word, ARRAY(SELECT content FROM kb_chunks WHERE tsv @@ plainto_tsquery('english', word) AND visibility IN :vis
                   LIMIT :sample) AS contents
FROM unnest(CAST(:words AS text[])) AS word
WHERE numnode(plainto_tsquery('english', word)) = 1
  AND (SELECT coalesce(sum(chunks), 0) FROM kb_lexemes WHERE lexeme = (tsvector_to_array(to_tsvector('english', word)))[1])
      >= :share * (SELECT coalesce(sum(chunks), 0) FROM kb_lexemes WHERE lexeme = '')
""").bindparams(bindparam("vis", expanding=True))

_UNKNOWN = text("""
SELECT name FROM unnest(CAST(:names AS text[])) AS name
WHERE length(to_tsvector('english', :q)) <= :short AND numnode(plainto_tsquery('english', name)) > 0
  AND NOT EXISTS (SELECT 1 FROM kb_chunks WHERE tsv @@ plainto_tsquery('english', name) AND visibility IN :vis)
""").bindparams(bindparam("vis", expanding=True))

_COVERAGE = text("""
WITH words AS (SELECT CAST(quote_literal(lexeme) AS tsquery) AS word FROM unnest(to_tsvector('english', :q)))
SELECT (SELECT count(*) FROM kb_chunks WHERE visibility IN :vis) + 1 AS total,
       (SELECT count(*) FROM (SELECT 1 FROM kb_chunks WHERE tsv @@ words.word AND visibility IN :vis LIMIT :cap) s)
           AS holding,
       EXISTS (SELECT 1 FROM kb_chunks WHERE article_id = :a AND tsv @@ words.word) AS held
FROM words
""").bindparams(bindparam("vis", expanding=True))


def _rrf(rank: int | None) -> float:
    return 1 / (RRF_K + rank) if rank is not None else 0.0


# One statement: the query's terms, the nearest chunks through the HNSW index (the connection sets
# hnsw.iterative_scan and hnsw.ef_search, `store.db`), and full-text candidates found through the GIN index by the
# query's rare terms: those in at most COMMON_SHARE of the chunks by the exact figures of `kb_lexemes` (every term when
# none is that rare), rarest first while the chunks they match add up to less than TERM_BUDGET (the rarest always). On a
# large index a long query's common words match nearly every chunk: the GIN bitmap of all of them alone cost 140 ms,
# and ANALYZE's figures (about a thousand lexemes listed) let the unlisted common words of a 100k-chunk index through.
# At most RANK_CAP of those chunks, the PRESCORED best by ts_rank (title and heading weighted up), those ranked by cover
# density (ts_rank_cd, whose cost grows with the query's terms); then both scores, the terms matched and the display
# fields of every candidate of either side. A query of stop words only ("the", "and of it") has no terms: nothing is
# found.
_CANDIDATES = text("""
WITH q AS (
    SELECT CAST(:v AS vector) AS v, to_tsvector('english', :q) AS tv
), figures AS MATERIALIZED (
    SELECT lexeme, df, row_number() OVER w AS n, sum(df) OVER w - df AS before,
           df <= :common * (SELECT coalesce(sum(chunks), 0) FROM kb_lexemes WHERE lexeme = '') AS rare
    FROM (SELECT u.lexeme, coalesce((SELECT sum(l.chunks) FROM kb_lexemes l WHERE l.lexeme = u.lexeme), 0) AS df
          FROM q, unnest(q.tv) u) terms
    WINDOW w AS (ORDER BY df, lexeme ROWS UNBOUNDED PRECEDING)
), t AS (
    SELECT v, tv, (SELECT count(*) FROM figures) AS terms, tsvector_to_array(tv) AS lexemes,
           CAST((SELECT string_agg(quote_literal(lexeme), ' | ' ORDER BY lexeme) FROM figures) AS tsquery) AS query,
           CAST((SELECT string_agg(quote_literal(lexeme), ' | ' ORDER BY lexeme) FROM figures
                 WHERE (rare OR NOT EXISTS (SELECT FROM figures WHERE rare)) AND (n = 1 OR before < :budget)) AS tsquery)
               AS rare FROM q
), dense AS (
    SELECT id, row_number() OVER () AS rank FROM (
        SELECT id FROM kb_chunks WHERE :dense AND visibility IN :vis AND embedding IS NOT NULL AND (SELECT terms FROM t) > 0
        ORDER BY embedding <=> CAST(:v AS vector) LIMIT :k) nearest
), matches AS (
    SELECT id, tsv FROM kb_chunks, t WHERE :sparse AND t.query IS NOT NULL AND tsv @@ t.rare AND visibility IN :vis LIMIT :cap
), prescored AS (
    SELECT id, tsv FROM matches, t ORDER BY ts_rank(tsv, t.query) DESC LIMIT :pre
), sparse AS (
    SELECT id, row_number() OVER (ORDER BY score DESC) AS rank FROM (
        SELECT id, ts_rank_cd(tsv, t.query, 32) AS score FROM prescored, t ORDER BY score DESC LIMIT :k) ranked
), candidates AS (
    SELECT id, min(dense_rank) AS dense_rank, min(text_rank) AS text_rank FROM (
        SELECT id, rank AS dense_rank, NULL::bigint AS text_rank FROM dense
        UNION ALL SELECT id, NULL, rank FROM sparse) both_sides GROUP BY id
)
SELECT c.id, c.article_id, c.title, a.source, a.url, c.heading, c.content,
       coalesce(1 - (c.embedding <=> t.v), 0) AS vector_score,
       coalesce(ts_rank_cd(c.tsv, t.query, 32), 0) AS text_score,
       length(c.tsv) - length(ts_delete(c.tsv, t.lexemes)) AS matched,
       t.terms, k.dense_rank, k.text_rank
FROM candidates k JOIN kb_chunks c ON c.id = k.id JOIN kb_articles a ON a.id = c.article_id, t
ORDER BY k.dense_rank NULLS LAST, k.text_rank
""").bindparams(bindparam("vis", expanding=True))


async def _candidates(
    session: AsyncSession, query: str, vector: np.ndarray, visible: list[str], k: int, method: Method
) -> list[Any]:
    """Every candidate of either side with both scores (one round trip; the query vector goes in binary)."""
    await vector_connection(session)
    params = {
        "v": vector,
        "q": query,
        "vis": visible,
        "k": k,
        "cap": RANK_CAP,
        "pre": PRESCORED,
        "common": COMMON_SHARE,
        "budget": TERM_BUDGET,
        "dense": method != "text",
        "sparse": method != "vector",
    }
    return list((await session.execute(_CANDIDATES, params)).all())
