"""Fixed-window request counters in PostgreSQL, so that every server process counts into the same windows.

Windows are judged by the database's clock (`now()`), the one all processes share. A window's first hit also
sweeps a few passed windows of its rule, so the table stays the size of what is live; `prune` (the hourly
`maintenance.prune` job) deletes the passed windows of every rule, those of keys that never came back included.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, text

from store.db import Database
from store.models.rate_limits import RateWindow

_HIT = text("""
INSERT INTO rate_windows (rule, key, hits, resets_at) VALUES (:rule, :key, 1, now() + make_interval(secs => :window))
ON CONFLICT (rule, key) DO UPDATE SET
    hits = CASE WHEN rate_windows.resets_at <= now() THEN 1 ELSE rate_windows.hits + 1 END,
    resets_at = CASE WHEN rate_windows.resets_at <= now() THEN excluded.resets_at ELSE rate_windows.resets_at END
RETURNING hits, ceil(extract(epoch FROM resets_at - now()))::int
""")


async def hit(db: Database, rule: str, key: str, *, window: float) -> tuple[int, int]:
    """Count one more request of `key` under `rule` in its window of `window` seconds (a new window once the last
    has passed): the hits so far in this window and the seconds it has left. One atomic statement in its own
    transaction: no process loses a hit."""
    async with db.autocommit() as conn:
        hits, left = (await conn.execute(_HIT, {"rule": rule, "key": key, "window": window})).one()
        if hits == 1:
            passed = select(RateWindow.key).where(RateWindow.rule == rule, RateWindow.resets_at <= func.now()).limit(20)
            await conn.execute(
                delete(RateWindow).where(RateWindow.rule == rule, RateWindow.key.in_(passed.scalar_subquery()))
            )
    return int(hits), max(int(left), 0)


async def prune(db: Database) -> int:
    """Delete every window that has passed (a new hit of its key starts afresh anyway); how many went."""
    async with db.autocommit() as conn:
        gone = await conn.execute(delete(RateWindow).where(RateWindow.resets_at <= func.now()))
    return gone.rowcount or 0
