"""The knowledge base: reading, chunking, ingesting and searching articles."""

from store.knowledge.documents import Document, Skipped, read_paths
from store.knowledge.ingest import (
    IngestReport,
    Queued,
    delete_article,
    find_article,
    ingest,
    queue_ingest,
    queue_reindex,
    reembed_chunks,
    reindex,
    stale_chunks,
)
from store.knowledge.search import Hit, has_words, search

__all__ = [
    "Document",
    "Hit",
    "IngestReport",
    "Skipped",
    "delete_article",
    "find_article",
    "has_words",
    "ingest",
    "queue_ingest",
    "queue_reindex",
    "Queued",
    "read_paths",
    "reembed_chunks",
    "reindex",
    "search",
    "stale_chunks",
]
