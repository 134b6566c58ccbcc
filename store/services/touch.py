"""Derived "last touched" timestamps (`contacts.last_activity`, `leads.last_contacted`), computed in one place.

They are derived from the records that touch a person (calls, meetings, emails), so no such record may push
them where a read would fail: a touch only moves them forward, never past now and never before 1900; a touch
with a time outside that window (or outside what a timestamp can hold) is ignored, or capped at now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.clock import utcnow

FLOOR = datetime(1900, 1, 1, tzinfo=UTC)


def touched(previous: datetime | None, when: datetime) -> datetime | None:
    """The new value of a "last touched" timestamp after a touch at `when`: the later one, capped at now."""
    now = utcnow()
    try:
        moment = min(when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC), now)
    except OverflowError:  # before year 1 or after 9999 once in UTC
        moment = now if when.year > 1 else FLOOR - timedelta(days=1)
    if moment < FLOOR:
        return previous
    return max(previous, moment) if previous is not None else moment
