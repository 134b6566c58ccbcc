"""Timeline entries: every service write appends one, linked to each record it concerns."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.clock import utcnow
from store.models import Activity, ActivityLink
from store.models.enums import ActivityType, Channel, RecordType

Ref = tuple[RecordType, uuid.UUID | None]


async def record_activity(
    session: AsyncSession,
    actor: Actor,
    *,
    type: ActivityType,
    action: str,
    subject: str,
    on: Iterable[Ref],
    details: dict[str, Any] | None = None,
    source: Ref | None = None,
) -> Activity:
    """Append an activity to the timelines of the records in `on` (empty ids are skipped).

    Writes of a CSV import (the actor's channel is `import`) are marked: `details.imported` and "(imported)".
    """
    if actor.channel is Channel.csv_import:
        details, subject = (details or {}) | {"imported": True}, f"{subject} (imported)"
    activity = Activity(
        type=type,
        action=action,
        subject=subject,
        details=_jsonable(details or {}),
        actor_id=actor.user_id,
        occurred_at=utcnow(),
        source_type=source[0] if source else None,
        source_id=source[1] if source else None,
    )
    session.add(activity)
    await session.flush()
    seen = set()
    for record_type, record_id in on:
        if record_id is not None and (record_type, record_id) not in seen:
            seen.add((record_type, record_id))
            session.add(ActivityLink(activity_id=activity.id, record_type=record_type, record_id=record_id))
    return activity


async def timeline(session: AsyncSession, record_type: RecordType, record_id: uuid.UUID, *, limit: int = 50) -> list[Activity]:
    """The newest activities on one record's timeline."""
    stmt = (
        select(Activity)
        .join(ActivityLink, ActivityLink.activity_id == Activity.id)
        .where(ActivityLink.record_type == record_type, ActivityLink.record_id == record_id)
        .order_by(Activity.occurred_at.desc(), Activity.created_at.desc())
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
