"""Fixed-window request counters in PostgreSQL, so that every server process counts into the same windows.

Windows are judged by the database's clock (`now()`), the one all processes share. A window's first hit also
sweeps a few passed windows of its rule, so the table stays the size of what is live; `prune` (the hourly
`maintenance.prune` job) deletes the passed windows of every rule, those of keys that never came back included.

A process need not ask the database at every request: `Leases` takes a key's hits a batch at a time (a fiftieth of
its limit), and counts them out itself until the batch or the window is spent. The shared total is never exceeded:
a batch's hits are counted in the table when taken. What a batch leaves unused when its window ends is lost, so a
key spread over N processes may be refused up to N-1 batches early (2 % of the limit per other process).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text

from store.db import Database
from store.models.rate_limits import RateWindow

_HIT = text("""
INSERT INTO rate_windows (rule, key, hits, resets_at)
VALUES (:rule, :key, :take, now() + make_interval(secs => :window))
ON CONFLICT (rule, key) DO UPDATE SET
    hits = CASE WHEN rate_windows.resets_at <= now() THEN :take ELSE rate_windows.hits + :take END,
    resets_at = CASE WHEN rate_windows.resets_at <= now() THEN excluded.resets_at ELSE rate_windows.resets_at END
RETURNING hits, extract(epoch FROM resets_at - now())::float8
""")
_SHARE = 50  # a batch is this fraction of the limit
_KEPT = 4096  # leases held before the ended ones are dropped


async def hit(db: Database, rule: str, key: str, *, window: float, take: int = 1) -> tuple[int, float]:
    """Count `take` more requests of `key` under `rule` in its window of `window` seconds (a new window once the last
    has passed): the hits so far in this window and the seconds it has left. One atomic statement in its own
    transaction: no process loses a hit."""
    async with db.autocommit() as conn:
        hits, left = (await conn.execute(_HIT, {"rule": rule, "key": key, "window": window, "take": take})).one()
        if hits == take:
            passed = select(RateWindow.key).where(RateWindow.rule == rule, RateWindow.resets_at <= func.now()).limit(20)
            await conn.execute(
                delete(RateWindow).where(RateWindow.rule == rule, RateWindow.key.in_(passed.scalar_subquery()))
            )
    return int(hits), max(float(left), 0.0)


@dataclass
class _Lease:
    """Counts `next`..`last` of a window ending at `ends` (on the process's monotonic clock)."""

    next: int
    last: int
    ends: float


class Leases:
    """One process's share of the shared windows, taken from the table a batch of hits at a time."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self.db, self.clock = db, clock
        self._held: dict[tuple[str, str], _Lease] = {}

    async def hit(self, rule: str, key: str, *, window: float, limit: int) -> tuple[int, int]:
        """Count one request of `key` under `rule`: its number in the window (over `limit` means refused) and the
        whole seconds the window has left. A spent window (the table's total past the limit) is refused without
        asking the table again until it ends."""
        now = self.clock()
        lease = self._held.get((rule, key))
        if lease is None or lease.ends <= now or (lease.next > lease.last and lease.last < limit):
            take = max(1, limit // _SHARE)
            total, left = await hit(self.db, rule, key, window=window, take=take)
            lease = self._held[(rule, key)] = _Lease(total - take + 1, total, now + left)
            if len(self._held) > _KEPT:
                self._held = {k: held for k, held in self._held.items() if held.ends > now}
        count, lease.next = lease.next, lease.next + 1
        return count, math.ceil(lease.ends - now)


async def prune(db: Database) -> int:
    """Delete every window that has passed (a new hit of its key starts afresh anyway); how many went."""
    async with db.autocommit() as conn:
        gone = await conn.execute(delete(RateWindow).where(RateWindow.resets_at <= func.now()))
    return gone.rowcount or 0
