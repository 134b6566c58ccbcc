"""What every service shares: the session, the caller, lookups and error translation."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, check_record
from store.errors import NotFound, from_integrity
from store.models import User
from store.models.base import Base

T = TypeVar("T", bound=Base)


class Service:
    """A service runs in one session (one transaction) for one caller."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def load(self, model: type[T], record_id: uuid.UUID | str, *, field: str = "id", lock: bool = False) -> T:
        """The record with that id, or NotFound naming `field`."""
        try:
            key = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id))
        except ValueError:
            raise NotFound(field, f"'{record_id}' is not a valid id") from None
        stmt = select(model).where(model.id == key)  # type: ignore[attr-defined]
        if lock:
            stmt = stmt.with_for_update()
        record = (await self.session.execute(stmt)).scalar_one_or_none()
        if record is None:
            raise NotFound(field, f"no {model.__tablename__[:-1]} with id {key}")
        return record

    async def team_of(self, user_id: uuid.UUID | None) -> str | None:
        """The team of a user (None for no user)."""
        if user_id is None:
            return None
        return await self.session.scalar(select(User.team).where(User.id == user_id))

    async def check(self, area: str, op: str, owner_id: uuid.UUID | None) -> None:
        """Refuse unless the caller may `op` a record of `area` owned by `owner_id`."""
        check_record(self.actor, area, op, owner_id, await self.team_of(owner_id))

    async def ensure_user(self, user_id: uuid.UUID | None, field: str) -> None:
        """NotFound naming `field` unless `user_id` is empty or an existing user."""
        if user_id is not None and await self.session.get(User, user_id) is None:
            raise NotFound(field, f"no user with id {user_id}")

    async def ensure(self, model: type[Base], record_id: uuid.UUID | None, field: str) -> None:
        """NotFound naming `field` unless `record_id` is empty or an existing record."""
        if record_id is not None and await self.session.get(model, record_id) is None:
            raise NotFound(field, f"no {model.__tablename__[:-1]} with id {record_id}")

    async def flush(self) -> None:
        """Flush, turning constraint violations into domain errors."""
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as err:
            raise from_integrity(err) from None

    @staticmethod
    def apply(record: Base, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        """Set the changed attributes; return {field: (old, new)} of what really changed."""
        diff = {}
        for key, value in changes.items():
            old = getattr(record, key)
            if old != value:
                setattr(record, key, value)
                diff[key] = (old, value)
        return diff
