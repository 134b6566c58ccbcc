"""The CRM's people as a caller may list them: the teammates an inbox thread can be given to."""

from __future__ import annotations

from sqlalchemy import select

from store.access import require
from store.models import User
from store.services.base import Service


class PeopleService(Service):
    """Read-only lists of users."""

    async def teammates(self) -> list[User]:
        """Active users of the caller's team (every active user for admins), by name."""
        require(self.actor, "users", "read")
        stmt = select(User).where(User.is_active.is_(True)).order_by(User.name)
        if not self.actor.sees_everything:
            stmt = stmt.where(User.team == self.actor.team) if self.actor.team else stmt.where(User.id == self.actor.user_id)
        return list(await self.session.scalars(stmt))
