"""Ingesting documents: unchanged ones are skipped (a hash of how they are indexed), changed ones replace their chunks
atomically."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from sqlalchemy import Row, Select, delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import vector_connection
from store.embeddings import Embedder
from store.errors import NotFound
from store.jobs.defer import defer
from store.knowledge.chunking import Chunk, chunk
from store.knowledge.documents import Document, Skipped
from store.knowledge.sections import Kind, article_kind
from store.models import KbArticle, KbChunk

EMBED_BATCH = 256
Progress = Callable[[int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Indexed:
    """How an article is indexed: its passages, its kind, and a hash of both with the document's own fields."""

    pieces: list[Chunk]
    kind: Kind
    fingerprint: str


def indexed(doc: Document) -> Indexed:
    """The article as the index holds it. Its fingerprint changes with the text and with the rules that split and
    label it (chunking, section roles, kind), so an upgraded splitter re-indexes the articles it splits differently."""
    pieces = chunk(doc.content)
    kind = article_kind(doc.title, (p.section for p in pieces))
    layout = "\n".join(f"{p.heading}\x1f{p.section}\x1f{p.content}" for p in pieces)
    fingerprint = hashlib.sha256(f"{doc.content_hash}\n{kind}\n{layout}".encode()).hexdigest()
    return Indexed(pieces, kind, fingerprint)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0


async def ingest(
    session: AsyncSession, items: Iterable[Document | Skipped], embedder: Embedder, *, progress: Progress | None = None
) -> IngestReport:
    """Add new articles, replace changed ones (old chunks deleted in the same transaction), skip unchanged."""
    report = IngestReport()
    pending: list[tuple[KbArticle, Indexed]] = []
    items = list(items)
    sources = [item.source for item in items if isinstance(item, Document)]
    known = (
        {a.source: a for a in await session.scalars(select(KbArticle).where(KbArticle.source.in_(sources)))}
        if sources
        else {}
    )
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        existing, index = known.get(item.source), indexed(item)
        if existing is not None and existing.content_hash == index.fingerprint:
            report.unchanged.append(item.source)
            continue
        if existing is None:
            existing = known[item.source] = KbArticle(source=item.source)
            session.add(existing)
            report.added.append(item.source)
        else:
            await session.execute(delete(KbChunk).where(KbChunk.article_id == existing.id))
            report.updated.append(item.source)
        existing.title, existing.content, existing.visibility = item.title, item.content, item.visibility
        existing.url, existing.content_hash, existing.kind = item.url, index.fingerprint, index.kind
        pending.append((existing, index))
    await session.flush()
    rows = []
    for article, index in pending:
        rows += [(article, piece) for piece in index.pieces]
    async for batch, vectors in _embedded(embedder, rows, lambda row: row[1].embed_text(row[0].title)):
        await _copy_chunks(
            session,
            [
                (
                    article.id,
                    piece.ordinal,
                    article.title,
                    article.visibility.value,
                    piece.heading,
                    piece.section,
                    piece.content,
                    vector,
                    embedder.name,
                )
                for (article, piece), vector in zip(batch, vectors)
            ],
        )
        report.chunks += len(batch)
        if progress:
            progress(len(batch))
    return report


_CHUNK_COPY = (
    "COPY kb_chunks (article_id, ordinal, title, visibility, heading, section, content, embedding, embedding_model) "
    "FROM STDIN (FORMAT BINARY)"
)
_CHUNK_TYPES = [
    "uuid",
    "int4",
    "text",
    "text",
    "text",
    "text",
    "text",
    "vector",
    "text",
]  # an enum's binary form is its label


async def _copy_chunks(session: AsyncSession, rows: list[tuple[object, ...]]) -> None:
    """COPY chunk rows in PostgreSQL's binary format on the session's connection and transaction: a vector travels as
    its 384 floats (pgvector's psycopg adapter), not as text formatted number by number and parsed again, which cost
    ingestion a tenth of the encoder's time; nothing (such as the computed tsv) is read back."""
    connection = await session.connection()
    raw = await vector_connection(session)
    try:
        async with raw.cursor() as cursor, cursor.copy(_CHUNK_COPY) as copy:
            copy.set_types(_CHUNK_TYPES)
            for row in rows:
                await copy.write_row(row)
    except connection.dialect.loaded_dbapi.Error as err:  # raised as SQLAlchemy raises a refused statement
        raise DBAPIError.instance(_CHUNK_COPY, None, err, connection.dialect.loaded_dbapi.Error) from err


async def _embedded(
    embedder: Embedder, rows: Sequence[T], text: Callable[[T], str]
) -> AsyncIterator[tuple[Sequence[T], np.ndarray]]:
    """`rows` in batches of EMBED_BATCH with their vectors. The next batch is embedded (in a worker thread) while the
    caller writes this one, so writing adds no time to the encoder's."""
    batches = [rows[start : start + EMBED_BATCH] for start in range(0, len(rows), EMBED_BATCH)]

    def embed(batch: Sequence[T]) -> asyncio.Task[np.ndarray]:
        return asyncio.ensure_future(asyncio.to_thread(embedder.embed, [text(row) for row in batch]))

    pending = embed(batches[0]) if batches else None
    try:
        for i, batch in enumerate(batches):
            assert pending is not None
            vectors = await pending
            pending = embed(batches[i + 1]) if i + 1 < len(batches) else None
            yield batch, vectors
    finally:
        if pending is not None:  # the caller failed: let the worker thread finish before the session goes
            await asyncio.gather(pending, return_exceptions=True)


async def delete_article(session: AsyncSession, source_or_id: str) -> KbArticle:
    """Remove an article (by source or id) and its chunks."""
    article = await find_article(session, source_or_id)
    await session.delete(article)
    await session.flush()
    return article


async def find_article(session: AsyncSession, source_or_id: str) -> KbArticle:
    article = await session.scalar(select(KbArticle).where(KbArticle.source == source_or_id))
    if article is None:
        try:
            article = await session.get(KbArticle, uuid.UUID(source_or_id))
        except ValueError:
            article = None
    if article is None:
        raise NotFound("article", f"no article with source or id '{source_or_id}'")
    return article


async def stale_chunks(session: AsyncSession, model_name: str) -> int:
    """How many chunks were embedded with another model than `model_name`."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(KbChunk)
            .where((KbChunk.embedding_model != model_name) | KbChunk.embedding_model.is_(None))
        )
        or 0
    )


def _to_reembed(model_name: str, everything: bool) -> Select[uuid.UUID, str, str | None, str]:
    stmt = select(KbChunk.id, KbChunk.title, KbChunk.heading, KbChunk.content)
    if not everything:
        stmt = stmt.where((KbChunk.embedding_model != model_name) | KbChunk.embedding_model.is_(None))
    return stmt.order_by(KbChunk.id)


def _chunk_text(row: Row[uuid.UUID, str, str | None, str]) -> str:
    _, title, heading, content = row
    return Chunk(0, heading, content).embed_text(title)


async def _reembed(
    session: AsyncSession,
    embedder: Embedder,
    rows: Sequence[Row[uuid.UUID, str, str | None, str]],
    progress: Progress | None = None,
) -> None:
    async for batch, vectors in _embedded(embedder, rows, _chunk_text):
        await session.execute(
            update(KbChunk),
            [
                {"id": chunk_id, "embedding": vector, "embedding_model": embedder.name}
                for (chunk_id, *_), vector in zip(batch, vectors)
            ],
        )
        if progress:
            progress(len(batch))


async def reindex(
    session: AsyncSession, embedder: Embedder, *, progress: Progress | None = None, everything: bool = False
) -> int:
    """Re-embed the chunks whose model differs from `embedder` (or all of them); returns how many."""
    rows = (await session.execute(_to_reembed(embedder.name, everything))).all()
    await _reembed(session, embedder, rows, progress)
    return len(rows)


async def reembed_chunks(session: AsyncSession, embedder: Embedder, chunk_ids: list[uuid.UUID]) -> int:
    """Re-embed these chunks with `embedder` (a re-embedding job's batch; running it twice changes nothing more)."""
    rows = (await session.execute(_to_reembed(embedder.name, True).where(KbChunk.id.in_(chunk_ids)))).all()
    await _reembed(session, embedder, rows)
    return len(rows)


@dataclass
class Queued:
    """What `queue_ingest` / `queue_reindex` queued, and what they reported without queueing."""

    jobs: int = 0
    already_queued: int = 0
    skipped: list[Skipped] = field(default_factory=list)


async def queue_ingest(session: AsyncSession, items: Iterable[Document | Skipped]) -> Queued:
    """One `kb.ingest` job per article (the document travels in the job: a worker needs no access to the files)."""
    queued = Queued()
    for item in items:
        if isinstance(item, Skipped):
            queued.skipped.append(item)
            continue
        job = await defer(
            session,
            "kb.ingest",
            lock=f"kb:{item.source}",
            queueing_lock=f"kb:{item.source}:{item.content_hash}",
            document=item.to_json(),
        )
        queued.jobs += job is not None
        queued.already_queued += job is None
    return queued


async def queue_reindex(session: AsyncSession, model_name: str, *, everything: bool = False) -> Queued:
    """One `kb.reembed` job per batch of chunks embedded with another model than `model_name` (or every chunk)."""
    ids = [str(row.id) for row in (await session.execute(_to_reembed(model_name, everything))).all()]
    queued = Queued()
    for start in range(0, len(ids), EMBED_BATCH):
        await defer(session, "kb.reembed", chunk_ids=ids[start : start + EMBED_BATCH])
        queued.jobs += 1
    return queued
