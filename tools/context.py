"""What every tool receives first and the model never sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.embeddings import Embedder
from store.settings import Settings


@dataclass
class ToolContext:
    """The turn's session, the caller, settings, the embedder and the current time."""

    session: AsyncSession
    actor: Actor
    settings: Settings
    embedder: Embedder | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
