"""The one clock: every "now" and "today" in Nexa comes from here, so tests and evals can pin it.

`NEXA_NOW` (an ISO datetime, e.g. `2026-06-10T09:00:00+00:00`) pins the clock for a whole process
(a live server, `nexa eval`); `pinned(at)` pins it in-process (tests). Unpinned, it is the wall clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache

_pinned: datetime | None = None


@lru_cache(maxsize=4)
def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC unless the pinned time says otherwise)."""
    if _pinned is not None:
        return _pinned
    env = os.environ.get("NEXA_NOW")
    return _parse(env) if env else datetime.now(UTC)


def today() -> date:
    """Today's date by the clock above."""
    return utcnow().date()


@contextmanager
def pinned(at: datetime) -> Iterator[datetime]:
    """Pin the clock to `at` (naive means UTC) until the block ends."""
    global _pinned
    previous, _pinned = _pinned, at if at.tzinfo else at.replace(tzinfo=UTC)
    try:
        yield _pinned
    finally:
        _pinned = previous
