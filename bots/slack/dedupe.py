"""Dropping Slack's retries: an event id is handled once, across processes, by an insert that may conflict.

Slack re-sends an event (with `X-Slack-Retry-Num`) when it saw no fast answer, and Bolt does not
de-duplicate in HTTP mode. Every delivery is acked at once; its lazy listener first claims the event
id in `slack_events` (INSERT ... ON CONFLICT DO NOTHING) and does nothing more when another delivery
claimed it already. The claim is not on the ack path, so a busy database never makes an ack late
(which would make Slack retry).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest

from store.db import Database
from store.slack_events import claim_event

log = logging.getLogger("nexa.slack")
PRUNE_EVERY_S = 600.0


class Deduplicator:
    """Claims event ids in PostgreSQL; prunes old ones now and then."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pruned_at = 0.0

    async def first_delivery(self, event_id: str) -> bool:
        """True for the first delivery of `event_id`, False for every later one (concurrent ones too)."""
        prune = time.monotonic() - self._pruned_at > PRUNE_EVERY_S
        if prune:
            self._pruned_at = time.monotonic()
        return await claim_event(self.db, event_id, prune=prune)

    async def claim(self, body: dict[str, Any], request: AsyncBoltRequest) -> bool:
        """Whether this delivery of an Events API request is the one to handle (requests without an id are)."""
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or await self.first_delivery(event_id):
            return True
        retry = request.headers.get("x-slack-retry-num", ["-"])[0]
        log.info("dropped a repeated Slack event %s (retry %s)", event_id, retry)
        return False
