"""What every handler shares: the database and the one assistant core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from litestar.di import NamedDependency

from assistant.agent import Agent
from store.access import Actor
from store.db import Database
from store.embeddings import Embedder
from store.settings import Settings


@dataclass
class AppState:
    """Injected into handlers as `nexa` (Litestar's `State` subclass is not needed: this is read-only)."""

    db: Database
    agent: Agent
    settings: Settings

    @property
    def embedder(self) -> Embedder:
        """The agent's embedding model, which KB search and reply suggestions need."""
        if self.agent.embedder is None:
            raise RuntimeError("this server's agent has no embedding model")
        return self.agent.embedder


Nexa: TypeAlias = NamedDependency[AppState]
"""A handler's `nexa` parameter: the app's state, injected by name."""

Caller: TypeAlias = NamedDependency[Actor]
"""A handler's `actor` parameter (`user` in the console): who is calling, injected by name."""
