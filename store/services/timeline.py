"""Timeline entries: every service write appends one, linked to each record it concerns.

Entries carry the records they describe (their links) and keep restricted facts (amounts) structurally, in
`details`, referenced from the subject as `⟦path⟧` placeholders. A reader gets entries only through
`TimelineService`: entries linked to any record the reader may not read are left out, `details` go through
`redact`, and the subject is rendered from what is left ("restricted" where a fact was redacted).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, redact
from store.clock import utcnow
from store.models import Activity, ActivityLink
from store.models.enums import ActivityType, Channel, RecordType
from store.services.base import RECORD_MODELS, Service
from store.services.bulk import copy_rows
from store.services.visibility import unreadable

Ref = tuple[RecordType, uuid.UUID | None]
PLACEHOLDER = re.compile(r"⟦([A-Za-z0-9_.]+)⟧")
RESTRICTED = "restricted"


def fact(path: str) -> str:
    """A placeholder for the value at `path` in an activity's details (rendered per reader)."""
    return f"⟦{path}⟧"


def described_changes(diff: dict[str, tuple[Any, Any]]) -> tuple[str, dict[str, Any]]:
    """ "field old -> new" text for a diff, and details holding the values (so restricted ones can be redacted)."""
    text = ", ".join(f"{k} {fact(f'changes.{k}.from')} -> {fact(f'changes.{k}.to')}" for k in diff)
    return text, {k: new for k, (_, new) in diff.items()} | {
        "changes": {k: {"from": old, "to": new} for k, (old, new) in diff.items()}
    }


def render(subject: str, details: dict[str, Any]) -> str:
    """The subject with its placeholders filled from (already redacted) details."""

    def value(match: re.Match[str]) -> str:
        node: Any = details
        for key in match.group(1).split("."):
            if not isinstance(node, dict) or key not in node:
                return RESTRICTED
            node = node[key]
        return str(node)

    return PLACEHOLDER.sub(value, subject)


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
    subject, details = _marked(actor, subject, details)
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


async def record_activities(
    session: AsyncSession, actor: Actor, *, type: ActivityType, action: str, entries: list[tuple[str, list[Ref]]]
) -> None:
    """Many activities of one kind in two COPY statements (the bulk writes of imports): `entries` are (subject, records)."""
    if not entries:
        return
    now, activities, links = utcnow(), [], []
    details = None
    for subject, on in entries:
        text, details = _marked(actor, subject, None)
        activity_id = uuid.uuid4()
        activities.append({"id": activity_id, "subject": text})
        links += [
            {"activity_id": activity_id, "record_type": kind, "record_id": record_id}
            for kind, record_id in dict.fromkeys(on)
            if record_id is not None
        ]
    await copy_rows(
        session,
        Activity,
        activities,
        shared={
            "type": type,
            "action": action,
            "details": details,
            "actor_id": actor.user_id,
            "occurred_at": now,
            "created_at": now,
            "updated_at": now,
        },
    )
    await copy_rows(session, ActivityLink, links)


def _marked(actor: Actor, subject: str, details: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """Writes of a CSV import (the actor's channel is `import`) are marked: `details.imported` and "(imported)"."""
    if actor.channel is Channel.csv_import:
        return f"{subject} (imported)", (details or {}) | {"imported": True}
    return subject, details or {}


async def timeline(
    session: AsyncSession, record_type: RecordType, record_id: uuid.UUID, *, limit: int = 50
) -> list[Activity]:
    """The newest activities on one record's timeline, unfiltered and unredacted: for services that reason over
    the history itself. Anything shown to a reader goes through `TimelineService.entries` instead."""
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


class TimelineService(Service):
    """Timelines as one reader may see them: the only way entries leave the store."""

    async def entries(
        self, kind: RecordType, record_id: uuid.UUID | str, *, limit: int = 50, types: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """The newest entries on a record the caller may read, without what the caller may not see."""
        record = await self.referenced(kind, record_id, field=f"{kind}_id")
        stmt = (
            select(Activity)
            .join(ActivityLink, ActivityLink.activity_id == Activity.id)
            .where(ActivityLink.record_type == kind, ActivityLink.record_id == record.id, self._visible())
            .order_by(Activity.occurred_at.desc(), Activity.created_at.desc())
            .limit(limit)
        )
        if types is not None:
            stmt = stmt.where(Activity.type.in_(list(types)))
        return [self.serialize(a) for a in await self.session.scalars(stmt)]

    def serialize(self, activity: Activity) -> dict[str, Any]:
        """One entry for the caller: details redacted once, the subject rendered from what is left."""
        details = redact(self.actor, activity.details or {})
        return {
            "id": str(activity.id),
            "at": activity.occurred_at.isoformat(),
            "type": activity.type.value,
            "action": activity.action,
            "subject": render(activity.subject, details),
            "details": details,
            "source": {"type": activity.source_type.value, "id": str(activity.source_id)}
            if activity.source_type
            else None,
        }

    def _visible(self) -> ColumnElement[bool]:
        """Entries none of whose linked records is hidden from the caller."""
        hidden = self._hidden_ids()
        if not hidden:
            return true()
        link = ActivityLink.__table__.alias("other_link")
        return not_(
            exists().where(
                link.c.activity_id == Activity.id,
                or_(*[and_(link.c.record_type == kind, link.c.record_id.in_(ids)) for kind, ids in hidden.items()]),
            )
        )

    def _hidden_ids(self) -> dict[RecordType, Any]:
        """Per record type, a subquery of the ids the caller may not read."""
        hidden = {kind: unreadable(self.actor, model) for kind, model in RECORD_MODELS.items()}
        return {kind: ids for kind, ids in hidden.items() if ids is not None}
