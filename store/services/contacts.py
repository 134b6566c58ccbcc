"""Contacts: people at accounts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select

from store.access import require
from store.errors import Conflict, InvalidInput
from store.models import Account, Contact
from store.models.enums import ActivityType, RecordType
from store.schemas import ContactCreate, ContactUpdate, parse
from store.services.base import Service
from store.services.timeline import record_activity
from store.services.visibility import owner_visible


class ContactService(Service):
    """Create, read, update and search contacts."""

    async def create(self, data: ContactCreate | dict[str, Any]) -> Contact:
        values = parse(ContactCreate, data)
        owner = values.owner_id or self.actor.user_id
        await self.check("contacts", "write", owner)
        await self.ensure_user(values.owner_id, "owner_id")
        await self.referenced(Account, values.account_id, field="account_id")
        await self.referenced(Contact, values.reporting_to_id, field="reporting_to_id")
        await self._email_free(values.email)
        contact = Contact(**values.model_dump(exclude={"owner_id"}), owner_id=owner)
        self.session.add(contact)
        await self.flush()
        await record_activity(
            self.session, self.actor, type=ActivityType.contact, action="created",
            subject=f"Contact {contact.name} created", on=[(RecordType.contact, contact.id), (RecordType.account, contact.account_id)],
        )
        return contact

    async def get(self, contact_id: uuid.UUID | str) -> Contact:
        contact = await self.load(Contact, contact_id, field="contact_id")
        await self.check("contacts", "read", contact.owner_id)
        return contact

    async def update(self, contact_id: uuid.UUID | str, data: ContactUpdate | dict[str, Any]) -> Contact:
        changes = parse(ContactUpdate, data).model_dump(exclude_unset=True)
        contact = await self.load(Contact, contact_id, field="contact_id", lock=True)
        await self.check("contacts", "write", contact.owner_id)
        if changes.get("email") and changes["email"].lower() != contact.email.lower():
            await self._email_free(changes["email"])
        await self.referenced(Account, changes.get("account_id"), field="account_id")
        if changes.get("reporting_to_id") == contact.id:
            raise InvalidInput("reporting_to_id", "a contact cannot report to themselves")
        await self.referenced(Contact, changes.get("reporting_to_id"), field="reporting_to_id")
        diff = self.apply(contact, changes)
        await self.flush()
        if diff:
            await record_activity(
                self.session, self.actor, type=ActivityType.contact, action="updated",
                subject=f"Contact {contact.name} updated: {', '.join(diff)}",
                on=[(RecordType.contact, contact.id)], details={k: new for k, (_, new) in diff.items()},
            )
        return contact

    async def search(self, *, q: str | None = None, account_id: uuid.UUID | None = None, limit: int = 20, offset: int = 0) -> tuple[list[Contact], int]:
        require(self.actor, "contacts", "read")
        stmt = select(Contact).where(owner_visible(self.actor, Contact.owner_id))
        if q:
            like = f"%{q.strip()}%"
            stmt = stmt.outerjoin(Account, Account.id == Contact.account_id).where(or_(
                (Contact.first_name + " " + Contact.last_name).ilike(like), Contact.email.ilike(like), Account.account_name.ilike(like),
            ))
        if account_id:
            stmt = stmt.where(Contact.account_id == account_id)
        return await self.page(stmt, Contact.last_name, Contact.first_name, limit=limit, offset=offset)

    async def _email_free(self, email: str) -> None:
        if await self.session.scalar(select(Contact.id).where(Contact.email == email)):
            raise Conflict("email", f"a contact with email {email} already exists")
