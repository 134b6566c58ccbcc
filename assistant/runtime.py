"""Assembling an agent: the configured model (or the offline one), with offline fallback."""

from __future__ import annotations

from assistant.agent import Agent
from assistant.model import ChatModel
from assistant.offline_model import OfflineModel
from assistant.writer import writer_for
from store.db import Database
from store.embeddings import Embedder, default_embedder
from store.settings import Settings, get_settings


def build_model(settings: Settings, embedder: Embedder) -> tuple[ChatModel, ChatModel | None]:
    """The chat model and its fallback: an OpenAI-compatible endpoint when configured, else offline only."""
    offline = OfflineModel(embedder)
    if not settings.llm_configured:
        return offline, None
    from assistant.openai_model import OpenAIChatModel

    return OpenAIChatModel.from_settings(settings), offline


def build_agent(db: Database, settings: Settings | None = None, embedder: Embedder | None = None) -> Agent:
    """The agent every adapter (CLI, HTTP, Slack) runs turns through."""
    settings = settings or get_settings()
    embedder = embedder or default_embedder()
    model, fallback = build_model(settings, embedder)
    return Agent(
        db,
        model,
        settings=settings,
        embedder=embedder,
        fallback=fallback,
        writer=writer_for(model) if fallback else None,
    )
