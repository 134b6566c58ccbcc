"""Slack event ids already claimed, so that a retried delivery is handled once across processes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, delete, func
from sqlalchemy.dialects.postgresql import insert

from store.db import Database
from store.models import SlackEvent

KEEP = timedelta(days=1)  # Slack retries within minutes; a day of ids is plenty
_CLAIM = (
    insert(SlackEvent).values(event_id=bindparam("event_id")).on_conflict_do_nothing().returning(SlackEvent.event_id)
)


async def claim_event(db: Database, event_id: str, *, prune: bool = False) -> bool:
    """True for the first claim of `event_id` (INSERT ... ON CONFLICT DO NOTHING), False for every later one, concurrent
    ones too; `prune` also forgets the ids older than `KEEP`, in the same transaction."""
    async with db.engine.begin() as conn:
        claimed = (await conn.execute(_CLAIM, {"event_id": event_id})).first()
        if prune:
            await conn.execute(delete(SlackEvent).where(SlackEvent.received_at < func.now() - KEEP))
    return claimed is not None
