"""Notifications for users: stored for the console, and a Slack DM (through a job) when the user is mapped to Slack."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.clock import utcnow
from store.errors import InvalidInput
from store.jobs.defer import defer
from store.models import Notification, User
from store.models.enums import RecordType
from store.services.base import Service


@dataclass(frozen=True)
class Notice:
    """One notification to store: for whom, what kind, the message, the record it is about, its dedupe key."""

    user_id: uuid.UUID
    kind: str
    message: str
    record: tuple[RecordType, uuid.UUID] | None = None
    dedupe_key: str | None = None


async def notify_many(session: AsyncSession, notices: list[Notice]) -> list[uuid.UUID]:
    """Store the notices (one INSERT; those whose `dedupe_key` was notified before are skipped) and queue the Slack DM
    of each new one whose user is mapped to Slack; the new notifications' ids, in the order of `notices`.

    The DM is a job (`notifications.slack`), committed with the notification, so a slow or down Slack
    never holds up the write that caused it.
    """
    if not notices:
        return []
    now = utcnow()
    ids = [uuid.uuid4() for _ in notices]
    rows = [
        {
            "id": id_,
            "user_id": n.user_id,
            "kind": n.kind,
            "message": n.message,
            "created_at": now,
            "record_type": n.record[0] if n.record else None,
            "record_id": n.record[1] if n.record else None,
            "dedupe_key": n.dedupe_key,
        }
        for id_, n in zip(ids, notices, strict=True)
    ]
    created = dict(
        (
            await session.execute(
                insert(Notification)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(Notification.id, Notification.user_id)
            )
        ).all()
    )
    if created:
        on_slack = set(
            await session.scalars(
                select(User.id).where(User.id.in_(set(created.values())), User.slack_user_id.is_not(None))
            )
        )
        for notification_id, user_id in created.items():
            if user_id in on_slack:
                await defer(session, "notifications.slack", notification_id=str(notification_id))
    return [id_ for id_ in ids if id_ in created]


async def notify(
    session: AsyncSession,
    user_id: uuid.UUID,
    kind: str,
    message: str,
    *,
    record: tuple[RecordType, uuid.UUID] | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Store a notification for `user_id` and queue its Slack DM (see `notify_many`); None when `dedupe_key` was notified before."""
    created = await notify_many(session, [Notice(user_id, kind, message, record, dedupe_key)])
    return await session.get(Notification, created[0]) if created else None


class NotificationService(Service):
    """A user's own notifications: list and mark read (nobody reads anyone else's)."""

    async def mine(self, *, unread_only: bool = False, limit: int = 50) -> tuple[list[Notification], int]:
        """The caller's notifications, newest first, and how many are unread."""
        if self.actor.user_id is None:
            return [], 0
        stmt = select(Notification).where(Notification.user_id == self.actor.user_id)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        rows = await self.session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id).limit(limit))
        unread = await self.session.scalar(
            select(func.count()).where(Notification.user_id == self.actor.user_id, Notification.read_at.is_(None))
        )
        return list(rows), int(unread or 0)

    async def mark_read(self, notification_ids: list[uuid.UUID]) -> int:
        """Mark the caller's notifications read; ids of other users' notifications are refused."""
        if not notification_ids:
            return 0
        owners = set(
            await self.session.scalars(select(Notification.user_id).where(Notification.id.in_(notification_ids)))
        )
        if owners - {self.actor.user_id}:
            raise InvalidInput("ids", "only your own notifications can be marked read")
        result = await self.session.execute(
            update(Notification)
            .where(Notification.id.in_(notification_ids), Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult; execute() is typed Result
