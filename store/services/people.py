"""The CRM's people as a caller may list them: the teammates an inbox thread can be given to."""

from __future__ import annotations

from sqlalchemy import func, select

from store.access import CallerRole, require
from store.errors import DomainError, NotFound, PermissionDenied
from store.models import User
from store.services.base import Service


class PeopleService(Service):
    """Read-only lists of users."""

    async def teammates(self) -> list[User]:
        """Active users of the caller's team (every active user for admins), by name."""
        require(self.actor, "users", "read")
        stmt = select(User).where(User.is_active.is_(True)).order_by(User.name)
        if not self.actor.sees_everything:
            stmt = (
                stmt.where(User.team == self.actor.team)
                if self.actor.team
                else stmt.where(User.id == self.actor.user_id)
            )
        return list(await self.session.scalars(stmt))

    async def colleague(self, who: str, *, field: str = "person") -> User:
        """A user of the caller's team (anyone for admins) named by email, full or first name ("me" is the caller), to
        narrow what the caller already sees to their work ("what is sam working on?"); it grants no other access."""
        key = who.strip().lower()
        if key in ("me", "myself", "i"):
            key = (self.actor.email or "").lower()
        found = [
            u
            for u in await self.teammates()
            if key in (u.email.lower(), u.name.lower()) or u.name.lower().startswith(key + " ")
        ]
        if not found:
            raise NotFound(field, f"no one on your team is named {who!r}")
        if len(found) > 1:
            raise DomainError(field, f"{who!r} names {len(found)} people: {', '.join(u.name for u in found)}")
        return found[0]

    async def teammate(self, who: str, *, field: str = "person", reading: bool = False) -> User:
        """The user named by email, full or first name ("me" is the caller), if the caller may act on their work:
        themselves, their team for managers, anyone for admins; `reading` (to narrow a read to that person's records),
        also their team for reps, who read their team's records (`access.can_touch`)."""
        key = who.strip().lower()
        named = (
            User.id == self.actor.user_id
            if key in ("me", "myself", "i")
            else (
                (func.lower(User.email) == key)
                | (func.lower(User.name) == key)
                | func.lower(User.name).startswith(key + " ")
            )
        )
        found = list(await self.session.scalars(select(User).where(named)))
        if not found:
            raise NotFound(field, f"no user named {who!r}")
        if len(found) > 1:
            raise DomainError(field, f"{who!r} names {len(found)} people: {', '.join(u.name for u in found)}")
        user = found[0]
        if user.id == self.actor.user_id or self.actor.sees_everything:
            return user
        if self.actor.role is not CallerRole.manager and not (reading and self.actor.role is CallerRole.rep):
            raise PermissionDenied(field, "only managers (for their team) and admins see or assign other people's work")
        if user.team != self.actor.team:
            raise PermissionDenied(
                field, f"{user.name} is not on your team; a manager can only see and assign their own team's work"
            )
        return user
