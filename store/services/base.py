"""What every service shares: the session, the caller, lookups and error translation."""

from __future__ import annotations

import uuid
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import ColumnElement, Select, any_, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, check_record, require
from store.errors import Conflict, InvalidInput, NotFound, PermissionDenied, from_integrity
from store.models import Account, Contact, Deal, Lead, Ticket, User
from store.models.base import Base, Entity
from store.models.enums import RecordType
from store.services.visibility import owner_visible

T = TypeVar("T", bound=Entity)

# Records a write may point at, and how the caller's right to read one is decided: (area, owner column or None).
READ_RULES: dict[type[Entity], tuple[str, str | None]] = {
    Lead: ("leads", "assigned_to_id"),
    Contact: ("contacts", "owner_id"),
    Account: ("accounts", "account_owner_id"),
    Deal: ("deals", "owner_id"),
    Ticket: ("tickets", None),
}
RECORD_MODELS: dict[RecordType, type[Entity]] = {RecordType(model.record_type): model for model in READ_RULES}


def among(column: Any, values: list[Any]) -> ColumnElement[bool]:
    """`column = ANY(:values)`: one array parameter however many values (for the lookups of bulk writes; `IN` sends
    one parameter per value, and the driver's work on a statement grows with them)."""
    condition: ColumnElement[bool] = column == any_(literal(values, ARRAY(column.type)))
    return condition


class Service:
    """A service runs in one session (one transaction) for one caller."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def page(
        self, stmt: Select[*tuple[Any, ...]], *order: Any, limit: int | None, offset: int
    ) -> tuple[list[Any], int]:
        """One page of `stmt`'s records in `order` (every record for no `limit`), and how many records match in all, in
        one statement (a window count); only a page past the end counts apart."""
        rows = (
            await self.session.execute(
                stmt.add_columns(func.count().over()).order_by(*order).limit(limit).offset(offset)
            )
        ).all()
        if rows:
            return [row[0] for row in rows], int(rows[0][1])
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery())) if offset else 0
        return [], int(total or 0)

    async def load(self, model: type[T], record_id: uuid.UUID | str, *, field: str = "id", lock: bool = False) -> T:
        """The record with that id, or NotFound naming `field`."""
        try:
            key = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id))
        except ValueError:
            raise NotFound(field, f"'{record_id}' is not a valid id") from None
        stmt = select(model).where(model.id == key)
        if lock:
            stmt = stmt.with_for_update()
        record = (await self.session.execute(stmt)).scalar_one_or_none()
        if record is None:
            raise NotFound(field, f"no {model.record_type} with id {key}")
        return record

    @overload
    async def referenced(self, model: type[T], record_id: uuid.UUID | str, *, field: str) -> T: ...
    @overload
    async def referenced(self, model: type[T], record_id: uuid.UUID | str | None, *, field: str) -> T | None: ...
    @overload
    async def referenced(self, model: RecordType, record_id: uuid.UUID | str, *, field: str) -> Entity: ...
    @overload
    async def referenced(
        self, model: RecordType, record_id: uuid.UUID | str | None, *, field: str
    ) -> Entity | None: ...
    async def referenced(
        self, model: type[T] | RecordType, record_id: uuid.UUID | str | None, *, field: str
    ) -> Entity | None:
        """The record a write points at (None for no id), loaded through the caller's READ check.

        Every id a write references (account, contact, deal, lead, related record, attendee, requester,
        parent) comes through here, so no write can link, copy or change a record its caller may not read.
        NotFound or PermissionDenied name `field`.
        """
        if record_id is None:
            return None
        if isinstance(model, RecordType):
            if model not in RECORD_MODELS:
                raise InvalidInput(field, f"cannot refer to a {model} here")
            model = RECORD_MODELS[model]  # type: ignore[assignment]
        record = await self.load(model, record_id, field=field)  # type: ignore[arg-type]
        if not await self.readable(record):
            raise PermissionDenied(
                field, f"{self.actor.label} may not read this {record.record_type}, so cannot link to it"
            )
        return record

    async def owners(self, model: type[Entity], ids: set[uuid.UUID | None]) -> dict[uuid.UUID, uuid.UUID | None]:
        """Many records a write points at (one of READ_RULES' models): {id: owner id} of those that exist, in one query."""
        ids.discard(None)
        owner_attr = READ_RULES[model][1]
        if not ids or owner_attr is None:
            return {i: None for i in ids if i is not None} if ids and owner_attr is None else {}
        rows = await self.session.execute(select(model.id, getattr(model, owner_attr)).where(model.id.in_(ids)))
        return {key: owner for key, owner in rows}

    def linkable(
        self,
        model: type[Entity],
        found: dict[uuid.UUID, uuid.UUID | None],
        record_id: uuid.UUID | None,
        teams: dict[uuid.UUID, str | None],
        *,
        field: str,
    ) -> None:
        """`referenced` for records loaded in bulk by `owners` (owners' teams in `teams`): the same errors, naming `field`."""
        if record_id is None:
            return
        kind = model.record_type
        if record_id not in found:
            raise NotFound(field, f"no {kind} with id {record_id}")
        owner = found[record_id]
        try:
            check_record(self.actor, READ_RULES[model][0], "read", owner, teams.get(owner) if owner else None)
        except PermissionDenied:
            raise PermissionDenied(
                field, f"{self.actor.label} may not read this {kind}, so cannot link to it"
            ) from None

    async def teams(self, user_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str | None]:
        """{user id: team} of the users that exist among `user_ids`, in one query."""
        user_ids.discard(None)
        if not user_ids:
            return {}
        return {
            key: team
            for key, team in await self.session.execute(select(User.id, User.team).where(User.id.in_(user_ids)))
        }

    async def readable(self, record: Entity) -> bool:
        """True when the caller may read `record` (one of READ_RULES' models)."""
        area, owner_attr = READ_RULES[type(record)]
        owner = getattr(record, owner_attr) if owner_attr else None
        try:
            await self.check(area, "read", owner)
        except PermissionDenied:
            return False
        return True

    async def team_of(self, user_id: uuid.UUID | None) -> str | None:
        """The team of a user (None for no user)."""
        if user_id is None:
            return None
        return await self.session.scalar(select(User.team).where(User.id == user_id))

    async def user_name(self, user_id: uuid.UUID | None) -> str | None:
        """The name of a user, e.g. a record's owner (None for no user)."""
        user = await self.session.get(User, user_id) if user_id else None
        return user.name if user else None

    async def check(self, area: str, op: str, owner_id: uuid.UUID | None) -> None:
        """Refuse unless the caller may `op` a record of `area` owned by `owner_id`."""
        check_record(self.actor, area, op, owner_id, await self.team_of(owner_id))

    async def ensure_user(self, user_id: uuid.UUID | None, field: str) -> None:
        """NotFound naming `field` unless `user_id` is empty or an existing user."""
        if user_id is not None and await self.session.get(User, user_id) is None:
            raise NotFound(field, f"no user with id {user_id}")

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


E = TypeVar("E", bound=Entity)


class OwnedService(Service, Generic[E]):
    """A service over one kind of owned record (one of READ_RULES' models with an owner column): the reads, the
    write check and the uniqueness checks every such service does alike. The area and the owner column come from
    READ_RULES, so the rule that decides who may read a record is written once."""

    model: type[E]

    @property
    def area(self) -> str:
        return READ_RULES[self.model][0]

    def owner_of(self, record: E) -> uuid.UUID | None:
        """The record's owner (the user whose team may read and write it)."""
        owner: uuid.UUID | None = getattr(record, self._owner_column)
        return owner

    @property
    def _owner_column(self) -> str:
        column = READ_RULES[self.model][1]
        assert column is not None, f"{self.model.__name__} has no owner column"
        return column

    async def get(self, record_id: uuid.UUID | str) -> E:
        """The record, when the caller may read it (NotFound or PermissionDenied naming `<record_type>_id`)."""
        record = await self.load(self.model, record_id, field=f"{self.model.record_type}_id")
        await self.check(self.area, "read", self.owner_of(record))
        return record

    async def editable(self, record_id: uuid.UUID | str) -> E:
        """The record locked for an update, when the caller may write it."""
        record = await self.load(self.model, record_id, field=f"{self.model.record_type}_id", lock=True)
        await self.check(self.area, "write", self.owner_of(record))
        return record

    async def new_owner(self, owner_id: uuid.UUID | None) -> uuid.UUID | None:
        """The owner of a new record (the caller unless `owner_id` says otherwise), once the caller may write a record
        owned by them and they exist."""
        owner = owner_id or self.actor.user_id
        await self.check(self.area, "write", owner)
        await self.ensure_user(owner_id, self._owner_column)
        return owner

    def visible(self) -> Select[E]:
        """The records the caller may list (PermissionDenied without the area's read right)."""
        require(self.actor, self.area, "read")
        return select(self.model).where(owner_visible(self.actor, getattr(self.model, self._owner_column)))

    async def unique(self, column: str, value: Any, taken: str) -> None:
        """Conflict naming `column` when a record already has `value` there; `taken` is the message."""
        if await self.session.scalar(select(self.model.id).where(getattr(self.model, column) == value)):
            raise Conflict(column, taken)
