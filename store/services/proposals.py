"""The records a proposed write names: loaded through the caller's read check, their version for the stale
re-check at approval, and a draft's recipients next to its record's own address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from store.errors import NotFound, PermissionDenied
from store.models import Account, Contact, Deal, EmailMessage, Lead, Task, Ticket
from store.services.base import READ_RULES, Service
from store.services.tasks import TaskService

TARGETS: dict[str, type[Lead | Contact | Account | Deal | Ticket | Task | EmailMessage]] = {
    model.record_type: model for model in (Lead, Contact, Account, Deal, Ticket, Task, EmailMessage)
}


@dataclass(frozen=True)
class Draft:
    """An email draft's addressing: who it goes to, and the own address of the contact or lead it was written for."""

    subject: str
    to: list[str]
    cc: list[str]
    own: set[str]


class ProposalService(Service):
    """Reads for the approval flow; every record goes through the caller's read check."""

    async def target(self, kind: str, key: Any) -> Any:
        """The record a proposal names (a ticket also by its number), only when the caller may read it."""
        model = TARGETS.get(kind)
        if model is None:
            raise NotFound("related_type", f"cannot refer to a {kind}")
        if model is Ticket and isinstance(key, int):
            record: Any = await self.session.scalar(select(Ticket).where(Ticket.number == key))
        else:
            record = await self.session.get(model, key if isinstance(key, uuid.UUID) else uuid.UUID(str(key)))
        if record is None:
            raise NotFound(f"{kind}_id", f"no {kind} {key}")
        if model in READ_RULES and not await self.readable(record):
            raise PermissionDenied(f"{kind}_id", f"{self.actor.label} may not read this {kind}")
        if model is Task:  # the caller's own, their team's (managers), any (admins)
            await TaskService(self.session, self.actor).get(record.id)
        return record

    async def changed_since(self, kind: str, record_id: str, version: datetime | None) -> bool:
        """Whether the record is gone or was updated since `version` (its `updated_at` when the write was proposed)."""
        record = await self.session.get(TARGETS[kind], uuid.UUID(record_id), populate_existing=True)
        return record is None or record.updated_at != version

    async def draft(self, email_id: Any) -> Draft | None:
        """The draft's addresses and its record's own address: the contact's or lead's, else the deal's primary
        contact's. Read fresh, so a change made since the proposal counts."""
        email = await self.session.get(EmailMessage, uuid.UUID(str(email_id)), populate_existing=True)
        if email is None:
            return None
        contact = (
            await self.session.get(Contact, email.contact_id, populate_existing=True) if email.contact_id else None
        )
        lead = await self.session.get(Lead, email.lead_id, populate_existing=True) if email.lead_id else None
        own = {address.lower() for address in (contact and contact.email, lead and lead.email) if address}
        if not own and email.deal_id:
            deal = await self.session.get(Deal, email.deal_id)
            contact = (
                await self.session.get(Contact, deal.primary_contact_id) if deal and deal.primary_contact_id else None
            )
            if contact is not None and contact.email:
                own.add(contact.email.lower())
        return Draft(
            subject=email.subject, to=list(email.to_addresses or []), cc=list(email.cc_addresses or []), own=own
        )
