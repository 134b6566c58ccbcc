"""Contact lists: static (members added and removed) and dynamic (a filter evaluated live by the database).

Dynamic membership is evaluated when it is read, in one SQL query, not stored: its rules are relative to
the clock ("no activity in 90 days", "opened a campaign email in 30 days"), so stored members would go
stale without any record changing; evaluated live, a contact enters the list the moment its records
match (a converted contact at an enterprise account is on "Enterprise Prospects" at once). A send fixes
its recipients when it starts (`MassEmailService.send`). Every read is cut to the contacts the caller may
read (`owner_visible`), so a rep sees a list's members only as far as they see the contacts.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from store.access import require
from store.clock import utcnow
from store.errors import Conflict, InvalidInput
from store.models import Contact, ContactList, ContactListMember
from store.schemas import ListCreate, ListMembersChange, ListUpdate, parse
from store.services.base import Service
from store.services.segments import audience, condition, dump, parse_filter
from store.services.visibility import owner_visible


class ListService(Service):
    """Create, read, evaluate and change contact lists."""

    async def create(self, data: ListCreate | dict[str, Any]) -> ContactList:
        values = parse(ListCreate, data)
        owner = values.owner_id or self.actor.user_id
        await self.check("lists", "write", owner)
        await self.ensure_user(values.owner_id, "owner_id")
        criteria = dump(parse_filter(values.criteria)) if values.criteria is not None else None
        await self._name_free(values.name)
        made = ContactList(name=values.name, description=values.description, criteria=criteria, owner_id=owner)
        self.session.add(made)
        await self.flush()
        return made

    async def update(self, list_id: uuid.UUID | str, data: ListUpdate | dict[str, Any]) -> ContactList:
        changes = parse(ListUpdate, data).model_dump(exclude_unset=True)
        found = await self.load(ContactList, list_id, field="list_id", lock=True)
        await self.check("lists", "write", found.owner_id)
        if "name" in changes and changes["name"] is None:
            raise InvalidInput("name", "a list keeps a name")
        if "criteria" in changes:
            if (changes["criteria"] is None) != (found.criteria is None):
                raise InvalidInput("criteria", "a list stays static or dynamic; create a new list to change its kind")
            if changes["criteria"] is not None:
                changes["criteria"] = dump(parse_filter(changes["criteria"]))
        if changes.get("name") and changes["name"] != found.name:
            await self._name_free(changes["name"])
        if "owner_id" in changes:
            await self.ensure_user(changes["owner_id"], "owner_id")
            await self.check("lists", "write", changes["owner_id"])
        self.apply(found, changes)
        await self.flush()
        return found

    async def get(self, list_id: uuid.UUID | str) -> ContactList:
        require(self.actor, "lists", "read")
        return await self.load(ContactList, list_id, field="list_id")

    async def find(self, name_or_id: str) -> ContactList:
        """A list by id or by name (case-insensitive)."""
        require(self.actor, "lists", "read")
        try:
            return await self.load(ContactList, uuid.UUID(str(name_or_id)), field="list_id")
        except ValueError:
            pass
        found = await self.session.scalar(
            select(ContactList).where(func.lower(ContactList.name) == name_or_id.strip().lower())
        )
        if found is None:
            names = ", ".join(await self.session.scalars(select(ContactList.name).order_by(ContactList.name).limit(20)))
            raise InvalidInput("list", f"no list named '{name_or_id}' (lists: {names or 'none yet'})")
        return found

    async def search(
        self, *, q: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[tuple[ContactList, int]], int]:
        """Lists with the number of their members the caller may see."""
        require(self.actor, "lists", "read")
        stmt = select(ContactList)
        if q:
            stmt = stmt.where(ContactList.name.ilike(f"%{q.strip()}%"))
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = list(await self.session.scalars(stmt.order_by(ContactList.name).limit(limit).offset(offset)))
        return [(r, await self.count(r)) for r in rows], int(total or 0)

    def members_query(self, found: ContactList) -> Select[*tuple[Any, ...]]:
        """Ids of the list's contacts the caller may read: one query (the filter's, or the static rows)."""
        return audience().where(self._membership(found), owner_visible(self.actor, Contact.owner_id))

    def _membership(self, found: ContactList) -> ColumnElement[bool]:
        if found.criteria is not None:
            return condition(parse_filter(found.criteria), utcnow())
        return Contact.id.in_(select(ContactListMember.contact_id).where(ContactListMember.list_id == found.id))

    async def count(self, found: ContactList) -> int:
        return int(
            await self.session.scalar(select(func.count()).select_from(self.members_query(found).subquery())) or 0
        )

    async def members(self, list_id: uuid.UUID | str, *, limit: int = 50, offset: int = 0) -> tuple[list[Contact], int]:
        found = await self.get(list_id)
        ids = self.members_query(found)
        rows = await self.session.scalars(
            select(Contact)
            .where(Contact.id.in_(ids))
            .order_by(Contact.last_name, Contact.first_name, Contact.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows), await self.count(found)

    async def preview(self, criteria: dict[str, Any], *, limit: int = 10) -> tuple[int, list[Contact]]:
        """How many contacts (that the caller may read) a filter selects, and the first of them, before saving it."""
        require(self.actor, "lists", "read")
        where = (condition(parse_filter(criteria), utcnow()), owner_visible(self.actor, Contact.owner_id))
        return await self._first(where, limit=limit)

    async def _first(self, where: tuple[ColumnElement[bool], ...], *, limit: int) -> tuple[int, list[Contact]]:
        """How many contacts match and the first `limit` by name, from one scan: the matches (id and name) are kept
        once in a CTE that both the count and the first rows read."""
        matched = audience(Contact.id, Contact.last_name, Contact.first_name).where(*where).cte("matched")
        first = (
            select(matched.c.id)
            .order_by(matched.c.last_name, matched.c.first_name, matched.c.id)
            .limit(limit)
            .scalar_subquery()
        )
        total = select(func.count()).select_from(matched).scalar_subquery()
        rows = (
            await self.session.execute(
                select(Contact, total)
                .where(Contact.id.in_(first))
                .order_by(Contact.last_name, Contact.first_name, Contact.id)
            )
        ).all()
        if rows:
            return int(rows[0][1]), [contact for contact, _ in rows]
        return 0, []

    async def add(self, list_id: uuid.UUID | str, data: ListMembersChange | dict[str, Any]) -> int:
        """Add contacts (each read-checked) to a static list; how many were new."""
        found, ids = await self._change(list_id, data)
        result = await self.session.execute(
            insert(ContactListMember)
            .values([{"list_id": found.id, "contact_id": i} for i in ids])
            .on_conflict_do_nothing()
            .returning(ContactListMember.contact_id)
        )
        return len(result.all())

    async def remove(self, list_id: uuid.UUID | str, data: ListMembersChange | dict[str, Any]) -> int:
        """Take contacts off a static list; how many were on it."""
        found, ids = await self._change(list_id, data)
        result = await self.session.execute(
            delete(ContactListMember)
            .where(ContactListMember.list_id == found.id, ContactListMember.contact_id.in_(ids))
            .returning(ContactListMember.contact_id)
        )
        return len(result.all())

    async def _change(
        self, list_id: uuid.UUID | str, data: ListMembersChange | dict[str, Any]
    ) -> tuple[ContactList, list[uuid.UUID]]:
        values = parse(ListMembersChange, data)
        found = await self.load(ContactList, list_id, field="list_id", lock=True)
        await self.check("lists", "write", found.owner_id)
        if found.criteria is not None:
            raise InvalidInput(
                "list_id", f"'{found.name}' is a dynamic list: its members come from its filter, not by hand"
            )
        for n, contact_id in enumerate(values.contact_ids):
            await self.referenced(
                Contact, contact_id, field=f"contact_ids.{n}" if len(values.contact_ids) > 1 else "contact_ids"
            )
        return found, list(dict.fromkeys(values.contact_ids))

    async def lists_of(self, contact_id: uuid.UUID) -> list[str]:
        """Names of the lists a contact is on, static and dynamic (one query per dynamic list)."""
        static = select(ContactList.name).join(ContactListMember).where(ContactListMember.contact_id == contact_id)
        names = set(await self.session.scalars(static))
        for found in await self.session.scalars(select(ContactList).where(ContactList.criteria.is_not(None))):
            if await self.session.scalar(audience().where(Contact.id == contact_id, self._membership(found))):
                names.add(found.name)
        return sorted(names)

    async def _name_free(self, name: str) -> None:
        if await self.session.scalar(select(ContactList.id).where(func.lower(ContactList.name) == name.lower())):
            raise Conflict("name", f"a list named '{name}' already exists")
