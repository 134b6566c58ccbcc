"""Ingesting documents: unchanged ones are skipped (content hash), changed ones replace their chunks atomically."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.embeddings import Embedder
from store.errors import NotFound
from store.knowledge.chunking import Chunk, chunk
from store.knowledge.documents import Document, Skipped
from store.knowledge.sections import article_kind
from store.models import KbArticle, KbChunk

EMBED_BATCH = 256
Progress = Callable[[int], None]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0


async def ingest(session: AsyncSession, items: Iterable[Document | Skipped], embedder: Embedder,
                 *, progress: Progress | None = None) -> IngestReport:
    """Add new articles, replace changed ones (old chunks deleted in the same transaction), skip unchanged."""
    report = IngestReport()
    pending: list[tuple[KbArticle, Document]] = []
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        existing = await session.scalar(select(KbArticle).where(KbArticle.source == item.source))
        if existing is not None and existing.content_hash == item.content_hash:
            report.unchanged.append(item.source)
            continue
        if existing is None:
            existing = KbArticle(source=item.source)
            session.add(existing)
            report.added.append(item.source)
        else:
            await session.execute(delete(KbChunk).where(KbChunk.article_id == existing.id))
            report.updated.append(item.source)
        existing.title, existing.content, existing.visibility = item.title, item.content, item.visibility
        existing.url, existing.content_hash = item.url, item.content_hash
        pending.append((existing, item))
    await session.flush()
    rows = []
    for article, doc in pending:
        pieces = chunk(doc.content)
        article.kind = article_kind(article.title, (p.section for p in pieces))
        rows += [(article, piece) for piece in pieces]
    for start in range(0, len(rows), EMBED_BATCH):
        batch = rows[start:start + EMBED_BATCH]
        vectors = embedder.embed([piece.embed_text(article.title) for article, piece in batch])
        session.add_all(
            KbChunk(article_id=article.id, ordinal=piece.ordinal, title=article.title, visibility=article.visibility,
                    heading=piece.heading, section=piece.section, content=piece.content, embedding=vector.tolist(), embedding_model=embedder.name)
            for (article, piece), vector in zip(batch, vectors)
        )
        await session.flush()
        report.chunks += len(batch)
        if progress:
            progress(len(batch))
    return report


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
    return int(await session.scalar(select(func.count()).select_from(KbChunk).where(
        (KbChunk.embedding_model != model_name) | KbChunk.embedding_model.is_(None))) or 0)


async def reindex(session: AsyncSession, embedder: Embedder, *, progress: Progress | None = None, everything: bool = False) -> int:
    """Re-embed the chunks whose model differs from `embedder` (or all of them); returns how many."""
    stmt = select(KbChunk.id, KbChunk.title, KbChunk.heading, KbChunk.content)
    if not everything:
        stmt = stmt.where((KbChunk.embedding_model != embedder.name) | KbChunk.embedding_model.is_(None))
    rows = (await session.execute(stmt.order_by(KbChunk.id))).all()
    for start in range(0, len(rows), EMBED_BATCH):
        batch = rows[start:start + EMBED_BATCH]
        texts = [Chunk(0, heading, content).embed_text(title) for _, title, heading, content in batch]
        for (chunk_id, *_), vector in zip(batch, embedder.embed(texts)):
            await session.execute(update(KbChunk).where(KbChunk.id == chunk_id).values(embedding=vector.tolist(), embedding_model=embedder.name))
        if progress:
            progress(len(batch))
    return len(rows)
