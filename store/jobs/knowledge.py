"""Knowledge-base jobs: one per article to ingest, one per batch of chunks to re-embed (queued by `queue_ingest`,
`queue_reindex`); `nexa jobs` counts them per state, which is the progress of a large ingestion."""

from __future__ import annotations

import uuid
from typing import Any

from procrastinate import JobContext

from store.jobs.queue import RETRY, app
from store.jobs.worker import deps
from store.knowledge import ingest, reembed_chunks
from store.knowledge.documents import Document


@app.task(name="kb.ingest", pass_context=True, retry=RETRY)
async def ingest_article(context: JobContext, document: dict[str, Any]) -> None:
    """Add or replace one article (unchanged content is skipped, so a second run is a no-op)."""
    nexa = deps(context)
    async with nexa.db.session() as session:
        await ingest(session, [Document.from_json(document)], nexa.embedder)


@app.task(name="kb.reembed", pass_context=True, retry=RETRY)
async def reembed(context: JobContext, chunk_ids: list[str]) -> None:
    """Re-embed one batch of chunks with the configured model."""
    nexa = deps(context)
    async with nexa.db.session() as session:
        await reembed_chunks(session, nexa.embedder, [uuid.UUID(i) for i in chunk_ids])
