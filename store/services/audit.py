"""The audit trail: every tool call, approval and API write, appended (the table refuses updates and deletes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import ALL_POWERFUL, Actor, CallerRole, require
from store.clock import utcnow
from store.models import AuditEntry, User
from store.serialize import plain
from store.services.base import Service


async def audit(
    session: AsyncSession,
    actor: Actor,
    *,
    action: str,
    arguments: dict[str, Any] | None = None,
    status: str,
    record_ids: Iterable[str | uuid.UUID | None] = (),
    error: str | None = None,
) -> None:
    """Append one entry in the caller's transaction (it commits or rolls back with the work it describes)."""
    session.add(
        AuditEntry(
            at=utcnow(),
            actor_id=actor.user_id,
            actor_label=actor.label
            if actor.role is not CallerRole.customer
            else f"customer:{(actor.customer_session or '')[:12]}",
            channel=actor.channel,
            action=action,
            arguments=plain(arguments or {}),
            status=status,
            record_ids=[str(r) for r in record_ids if r],
            error=error,
        )
    )


class AuditService(Service):
    """Reading the trail: admins see all of it, managers their team's, everyone else their own."""

    async def entries(
        self,
        *,
        actor_id: uuid.UUID | None = None,
        action: str | None = None,
        since: datetime | None = None,
        record_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[AuditEntry]:
        require(self.actor, "audit", "read")
        stmt = select(AuditEntry)
        if self.actor.role is CallerRole.manager:
            stmt = stmt.join(User, User.id == AuditEntry.actor_id).where(User.team == self.actor.team)
        elif self.actor.role not in ALL_POWERFUL:
            stmt = stmt.where(AuditEntry.actor_id == self.actor.user_id)
        if actor_id:
            stmt = stmt.where(AuditEntry.actor_id == actor_id)
        if action:
            stmt = stmt.where(AuditEntry.action.like(f"{action}%"))
        if since:
            stmt = stmt.where(AuditEntry.at >= since)
        if record_id:
            stmt = stmt.where(AuditEntry.record_ids.contains([record_id]))
        return list(
            await self.session.scalars(stmt.order_by(AuditEntry.at.desc(), AuditEntry.id).limit(limit).offset(offset))
        )
