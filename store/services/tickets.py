"""Support tickets: open, update, assign, converse, resolve."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from store.access import require
from store.clock import utcnow
from store.errors import DomainError, InvalidInput, NotFound
from store.models import Account, Contact, Ticket, TicketMessage, User
from store.models.enums import ActivityType, AuthorType, Priority, RecordType, Role, TicketStatus
from store.schemas import TicketCreate, TicketUpdate, parse
from store.services.base import Service
from store.services.timeline import described_changes, record_activity

DONE = (TicketStatus.resolved, TicketStatus.closed)


class TicketService(Service):
    """Tickets and their threads."""

    async def create(self, data: TicketCreate | dict[str, Any], *, first_message: str | None = None) -> Ticket:
        values = parse(TicketCreate, data)
        require(self.actor, "tickets", "write")
        contact = await self.referenced(Contact, values.requester_contact_id, field="requester_contact_id")
        await self.referenced(Account, values.account_id, field="account_id")
        await self._ensure_assignee(values.assignee_id)
        ticket = Ticket(**values.model_dump())
        if contact is not None:
            ticket.account_id = ticket.account_id or contact.account_id
            ticket.requester_email = ticket.requester_email or contact.email
        self.session.add(ticket)
        await self.flush()
        body = first_message or values.description
        if body:
            self.session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    author_type=AuthorType.customer,
                    author_contact_id=ticket.requester_contact_id,
                    body=body,
                )
            )
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.ticket,
            action="created",
            subject=f"Ticket #{ticket.number} opened: {ticket.subject} ({ticket.priority})",
            on=self._refs(ticket),
        )
        return ticket

    async def get(self, ticket_id: uuid.UUID | str) -> Ticket:
        require(self.actor, "tickets", "read")
        return await self.load(Ticket, ticket_id, field="ticket_id")

    async def by_number(self, number: int) -> Ticket:
        require(self.actor, "tickets", "read")
        ticket = await self.session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None:
            raise NotFound("number", f"no ticket #{number}")
        return ticket

    async def update(self, ticket_id: uuid.UUID | str, data: TicketUpdate | dict[str, Any]) -> Ticket:
        changes = parse(TicketUpdate, data).model_dump(exclude_unset=True)
        require(self.actor, "tickets", "write")
        ticket = await self.load(Ticket, ticket_id, field="ticket_id", lock=True)
        if "assignee_id" in changes:
            await self._ensure_assignee(changes["assignee_id"])
        status = changes.get("status")
        if status in DONE and ticket.status not in DONE:
            ticket.resolved_at = utcnow()
        elif status is not None and status not in DONE:
            ticket.resolved_at = None
        diff = self.apply(ticket, changes)
        await self.flush()
        if diff:
            text, details = described_changes(diff)
            await record_activity(
                self.session,
                self.actor,
                type=ActivityType.ticket,
                action="updated",
                subject=f"Ticket #{ticket.number}: {text}",
                on=self._refs(ticket),
                details=details,
            )
        return ticket

    async def assign(self, ticket_id: uuid.UUID | str, assignee_id: uuid.UUID) -> Ticket:
        return await self.update(ticket_id, {"assignee_id": assignee_id})

    async def add_message(self, ticket_id: uuid.UUID | str, body: str, *, internal: bool = False) -> TicketMessage:
        """An agent's reply (or internal note) on a ticket's thread."""
        require(self.actor, "tickets", "write")
        if not body or not body.strip():
            raise InvalidInput("body", "a message needs text")
        ticket = await self.load(Ticket, ticket_id, field="ticket_id")
        message = TicketMessage(
            ticket_id=ticket.id,
            author_type=AuthorType.agent,
            author_user_id=self.actor.user_id,
            body=body.strip(),
            internal=internal,
        )
        self.session.add(message)
        await self.flush()
        return message

    async def messages(self, ticket_id: uuid.UUID, *, include_internal: bool = True) -> list[TicketMessage]:
        stmt = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
        if not include_internal:
            stmt = stmt.where(TicketMessage.internal.is_(False))
        return list(await self.session.scalars(stmt.order_by(TicketMessage.created_at)))

    async def search(
        self,
        *,
        q: str | None = None,
        status: TicketStatus | None = None,
        priority: Priority | None = None,
        account_id: uuid.UUID | None = None,
        contact_id: uuid.UUID | None = None,
        assignee_id: uuid.UUID | None = None,
        open_only: bool = False,
        sentiment: str | None = None,
        intent: str | None = None,
        unassigned: bool = False,
        created_since: date | None = None,
        resolved_from: date | None = None,
        resolved_to: date | None = None,
        oldest_first: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[Ticket], int]:
        """Tickets by text, status, priority, account, requester, assignee (or none: `unassigned`), the day they came in
        from (`created_since`, UTC), the days they were resolved on (`resolved_from` to `resolved_to`, UTC, inclusive)
        and the sentiment/intent a summary stored; the newest first, or the oldest."""
        require(self.actor, "tickets", "read")
        stmt = select(Ticket)
        if q:
            stmt = stmt.where(Ticket.subject.ilike(f"%{q.strip()}%"))
        if status:
            stmt = stmt.where(Ticket.status == status)
        if open_only:
            stmt = stmt.where(Ticket.status.notin_(DONE))
        if priority:
            stmt = stmt.where(Ticket.priority == priority)
        if account_id:
            stmt = stmt.where(Ticket.account_id == account_id)
        if contact_id:
            stmt = stmt.where(Ticket.requester_contact_id == contact_id)
        if assignee_id:
            stmt = stmt.where(Ticket.assignee_id == assignee_id)
        if sentiment:
            stmt = stmt.where(Ticket.sentiment == sentiment)
        if intent:
            stmt = stmt.where(Ticket.intent == intent)
        if unassigned:
            stmt = stmt.where(Ticket.assignee_id.is_(None))
        if created_since:
            stmt = stmt.where(Ticket.created_at >= datetime.combine(created_since, time.min, tzinfo=UTC))
        if resolved_from:
            stmt = stmt.where(Ticket.resolved_at >= datetime.combine(resolved_from, time.min, tzinfo=UTC))
        if resolved_to:
            stmt = stmt.where(
                Ticket.resolved_at < datetime.combine(resolved_to + timedelta(days=1), time.min, tzinfo=UTC)
            )
        order = Ticket.created_at.asc() if oldest_first else Ticket.created_at.desc()
        return await self.page(stmt, order, limit=limit, offset=offset)

    async def requesters(self, tickets: list[Ticket]) -> dict[uuid.UUID, str]:
        """The names of the contacts who raised `tickets`, by ticket id (tickets raised by an email alone have none)."""
        ids = {t.requester_contact_id for t in tickets if t.requester_contact_id}
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Contact.id, Contact.first_name, Contact.last_name).where(Contact.id.in_(ids))
        )
        names = {contact: f"{first} {last}" for contact, first, last in rows}
        return {t.id: names[t.requester_contact_id] for t in tickets if t.requester_contact_id in names}

    async def accounts(self, tickets: list[Ticket]) -> dict[uuid.UUID, str]:
        """The names of the accounts `tickets` are about (the ticket's, else its requester's), by ticket id."""
        if not tickets:
            return {}
        rows = await self.session.execute(
            select(Ticket.id, Account.account_name)
            .outerjoin(Contact, Contact.id == Ticket.requester_contact_id)
            .join(Account, Account.id == func.coalesce(Ticket.account_id, Contact.account_id))
            .where(Ticket.id.in_([t.id for t in tickets]))
        )
        return {ticket: name for ticket, name in rows}

    async def described(
        self, words: list[str], *, open_only: bool = True, assignee_id: uuid.UUID | None = None, limit: int = 5
    ) -> list[tuple[Ticket, str | None, str | None]]:
        """Tickets every word describes, each found in the subject, the requester's name or the account's (the
        ticket's, else the requester's) name ("the calendar sync ticket for the legal team", "maya dubois's sso
        ticket"), or a number that is the ticket's, newest first, with those two names."""
        require(self.actor, "tickets", "read")
        requester = func.concat(Contact.first_name, " ", Contact.last_name)
        stmt = (
            select(Ticket, requester, Account.account_name)
            .outerjoin(Contact, Contact.id == Ticket.requester_contact_id)
            .outerjoin(Account, Account.id == func.coalesce(Ticket.account_id, Contact.account_id))
        )
        for word in words:
            pattern = "%" + word.replace("\\", "").replace("%", "").replace("_", "") + "%"
            said = (
                Ticket.subject.ilike(pattern)
                | func.replace(Ticket.subject, " ", "").ilike(pattern)  # "login" is "Cannot log in ..."
                | requester.ilike(pattern)
                | Account.account_name.ilike(pattern)
            )
            stmt = stmt.where(said | (Ticket.number == int(word)) if word.isdigit() and len(word) <= 9 else said)
        if open_only:
            stmt = stmt.where(Ticket.status.notin_(DONE))
        if assignee_id:
            stmt = stmt.where(Ticket.assignee_id == assignee_id)
        rows = await self.session.execute(stmt.order_by(Ticket.created_at.desc()).limit(limit))
        return [(ticket, name, account) for ticket, name, account in rows]

    async def people(self, ticket: Ticket) -> dict[str, str | None]:
        """The names on a ticket the caller reads: who reported it (the requester contact, else their email) and who has it."""
        contact = await self.session.get(Contact, ticket.requester_contact_id) if ticket.requester_contact_id else None
        assignee = await self.session.get(User, ticket.assignee_id) if ticket.assignee_id else None
        return {
            "requester": contact.name if contact else ticket.requester_email,
            "assignee": assignee.name if assignee else None,
        }

    async def assignee_named(self, who: str, *, field: str = "assignee") -> User:
        """The active user who can take tickets (support, managers, admins) named by email, full name or first name
        ("me" is the caller); several matches are asked back by name, never picked."""
        require(self.actor, "tickets", "write")
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
        found = list(
            await self.session.scalars(select(User).where(named, User.is_active.is_(True)).order_by(User.name))
        )
        takers = [u for u in found if u.role in (Role.support, Role.manager, Role.admin)]
        if not takers:
            if found:
                raise InvalidInput(
                    field, f"{found[0].name} is a {found[0].role}; tickets go to support, managers or admins"
                )
            raise NotFound(field, f"no user named {who!r}")
        if len(takers) > 1:
            raise DomainError(
                field, f"{who!r} names {len(takers)} people ({', '.join(u.name for u in takers)}): which one?"
            )
        return takers[0]

    async def _ensure_assignee(self, user_id: uuid.UUID | None) -> None:
        if user_id is None:
            return
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound("assignee_id", f"no user with id {user_id}")
        if user.role not in (Role.support, Role.manager, Role.admin):
            raise InvalidInput(
                "assignee_id", f"{user.name} is a {user.role}; tickets go to support, managers or admins"
            )

    @staticmethod
    def _refs(ticket: Ticket) -> list[tuple[RecordType, uuid.UUID | None]]:
        return [
            (RecordType.ticket, ticket.id),
            (RecordType.contact, ticket.requester_contact_id),
            (RecordType.account, ticket.account_id),
        ]
