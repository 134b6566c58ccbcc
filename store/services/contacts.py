"""Contacts: people at accounts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select

from store.access import check_record
from store.clock import utcnow
from store.errors import Conflict, DomainError, InvalidInput, NotFound
from store.models import Account, Contact
from store.models.enums import ActivityType, RecordType
from store.schemas import ContactCreate, ContactUpdate, parse
from store.services.base import OwnedService, among
from store.services.bulk import copy_rows
from store.services.timeline import record_activities, record_activity


class ContactService(OwnedService[Contact]):
    """Create, read, update and search contacts."""

    model = Contact

    async def create(self, data: ContactCreate | dict[str, Any]) -> Contact:
        [values] = await self._vetted([data])
        if isinstance(values, DomainError):
            raise values
        contact = Contact(**values.model_dump(exclude={"owner_id"}), owner_id=values.owner_id or self.actor.user_id)
        self.session.add(contact)
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.contact,
            action="created",
            subject=f"Contact {contact.name} created",
            on=[(RecordType.contact, contact.id), (RecordType.account, contact.account_id)],
        )
        return contact

    async def create_many(self, items: Sequence[ContactCreate | dict[str, Any]]) -> list[uuid.UUID | DomainError]:
        """Create many contacts in a few statements whatever their number (imports), each by the rules of `create`.

        An item that fails a rule comes back as its error and nothing of it is written; the others are written with
        COPY, each with its timeline entry. A row the database still refuses (a value no rule catches, a concurrent
        write of the same email) fails the whole call: run it in a savepoint and fall back to `create` per item.
        """
        results: list[uuid.UUID | DomainError] = []
        rows, entries = [], []
        for value in await self._vetted(items):
            if isinstance(value, DomainError):
                results.append(value)
                continue
            contact_id = uuid.uuid4()
            rows.append(
                value.model_dump(exclude={"owner_id"})
                | {"id": contact_id, "owner_id": value.owner_id or self.actor.user_id}
            )
            entries.append(
                (
                    f"Contact {value.first_name} {value.last_name} created",
                    [(RecordType.contact, contact_id), (RecordType.account, value.account_id)],
                )
            )
            results.append(contact_id)
        now = utcnow()
        await copy_rows(self.session, Contact, rows, shared={"created_at": now, "updated_at": now})
        await record_activities(self.session, self.actor, type=ActivityType.contact, action="created", entries=entries)
        return results

    async def _vetted(self, items: Sequence[ContactCreate | dict[str, Any]]) -> list[ContactCreate | DomainError]:
        """Each item checked by the rules of a new contact, in this order: valid fields, the caller's write right for
        its owner, the owner exists, the account and the manager it names exist and are readable, the email is free
        (in the CRM and among the items before it). A query per kind of reference, whatever the number of items."""
        parsed: list[ContactCreate | DomainError] = []
        for data in items:
            try:
                parsed.append(parse(ContactCreate, data))
            except DomainError as err:
                parsed.append(err)
        values = [v for v in parsed if isinstance(v, ContactCreate)]
        accounts = await self.owners(Account, {v.account_id for v in values})
        managers = await self.owners(Contact, {v.reporting_to_id for v in values})
        teams = await self.teams(
            {v.owner_id or self.actor.user_id for v in values} | set(accounts.values()) | set(managers.values())
        )
        emails = [v.email for v in values]
        taken = (
            {e.lower() for e in await self.session.scalars(select(Contact.email).where(among(Contact.email, emails)))}
            if emails
            else set()
        )
        vetted: list[ContactCreate | DomainError] = []
        for value in parsed:
            try:
                if isinstance(value, DomainError):
                    raise value
                owner = value.owner_id or self.actor.user_id
                check_record(self.actor, "contacts", "write", owner, teams.get(owner) if owner else None)
                if value.owner_id is not None and value.owner_id not in teams:
                    raise NotFound("owner_id", f"no user with id {value.owner_id}")
                self.linkable(Account, accounts, value.account_id, teams, field="account_id")
                self.linkable(Contact, managers, value.reporting_to_id, teams, field="reporting_to_id")
                if value.email.lower() in taken:
                    raise Conflict("email", f"a contact with email {value.email} already exists")
            except DomainError as err:
                vetted.append(err)
                continue
            taken.add(value.email.lower())
            vetted.append(value)
        return vetted

    async def update(self, contact_id: uuid.UUID | str, data: ContactUpdate | dict[str, Any]) -> Contact:
        changes = parse(ContactUpdate, data).model_dump(exclude_unset=True)
        contact = await self.editable(contact_id)
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
                self.session,
                self.actor,
                type=ActivityType.contact,
                action="updated",
                subject=f"Contact {contact.name} updated: {', '.join(diff)}",
                on=[(RecordType.contact, contact.id)],
                details={k: new for k, (_, new) in diff.items()},
            )
        return contact

    async def search(
        self, *, q: str | None = None, account_id: uuid.UUID | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[list[Contact], int]:
        stmt = self.visible()
        if q:
            like = f"%{q.strip()}%"
            stmt = stmt.outerjoin(Account, Account.id == Contact.account_id).where(
                or_(
                    (Contact.first_name + " " + Contact.last_name).ilike(like),
                    Contact.email.ilike(like),
                    Account.account_name.ilike(like),
                )
            )
        if account_id:
            stmt = stmt.where(Contact.account_id == account_id)
        return await self.page(stmt, Contact.last_name, Contact.first_name, limit=limit, offset=offset)

    async def _email_free(self, email: str) -> None:
        await self.unique("email", email, f"a contact with email {email} already exists")
