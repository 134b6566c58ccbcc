"""Posting new anomaly alerts once each: an alert is claimed in `posted_alerts` before it is posted.

The key is the alert's kind, subject and day: a later scan finding the same anomaly claims nothing.
A post that fails releases its claim (the next scan tries again); a worker killed between claim and
post leaves the claim without `posted_at`, and the alert is not posted twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert

from store.access import Actor
from store.clock import today, utcnow
from store.db import Database
from store.intelligence.anomalies import Alert, find_alerts
from store.models import PostedAlert

Post = Callable[[Alert], Awaitable[None]]


def alert_key(alert: Alert) -> str:
    return f"{alert.kind}:{alert.subject}:{alert.day.isoformat()}"[:300]


async def post_new_alerts(db: Database, post: Post, *, window_days: int = 7) -> list[Alert]:
    """Find the alerts of the last `window_days` (everything the system sees), post those never posted; they are returned."""
    async with db.session() as session:
        found = await find_alerts(session, Actor.system(), today=today(), window_days=window_days)
        claimed = set()
        if found:
            rows = [
                {"key": alert_key(a), "kind": str(a.kind), "message": a.message, "claimed_at": utcnow()} for a in found
            ]
            claimed = set(
                (
                    await session.scalars(
                        insert(PostedAlert).values(rows).on_conflict_do_nothing().returning(PostedAlert.key)
                    )
                ).all()
            )
    posted = []
    for alert in (a for a in found if alert_key(a) in claimed):
        try:
            await post(alert)
        except Exception:
            async with db.session() as session:
                await session.execute(delete(PostedAlert).where(PostedAlert.key == alert_key(alert)))
            raise
        async with db.session() as session:
            await session.execute(
                update(PostedAlert).where(PostedAlert.key == alert_key(alert)).values(posted_at=utcnow())
            )
        posted.append(alert)
    return posted
