"""What every tool receives first and the model never sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from store.access import Actor
from store.clock import utcnow
from store.db import DbSession
from store.embeddings import Embedder
from store.intelligence.writer import Writer
from store.settings import Settings


@dataclass
class ToolContext:
    """The turn's session, the caller, settings, the embedder, the writing model and the current time."""

    session: DbSession
    actor: Actor
    settings: Settings
    embedder: Embedder | None = None
    writer: Writer | None = None  # the online LLM for drafts and summaries; None offline (templates, extractive)
    dry_run: bool = False  # a proposal's trial run: check everything, touch nothing outside the database
    now: datetime = field(default_factory=utcnow)
