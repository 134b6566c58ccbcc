"""Email messages: drafts written for a record, sending over SMTP after approval, replies received.

Sending and receiving land on the timeline of every record the email is about, move a lead's
`last_contacted`, and a reply rescores the lead (a responsive lead is a buying signal).
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import unquote, urlsplit

from store.access import require
from store.clock import utcnow
from store.errors import Conflict, InvalidInput, PermissionDenied
from store.intelligence import scoring
from store.intelligence.drafting import PURPOSES, TONES, Draft, from_template, from_writer, gather_facts
from store.intelligence.engagement import refresh_contact
from store.intelligence.writer import Writer, WriterError
from store.jobs.defer import defer
from store.models import Contact, Deal, EmailMessage, Lead, User
from store.models.enums import ActivityType, EmailStatus, RecordType
from store.services.base import Service
from store.services.timeline import record_activity
from store.services.touch import touched
from store.settings import Settings


@dataclass(frozen=True)
class SmtpTarget:
    """Where mail goes, parsed from NEXA_SMTP_URL (smtp://, smtp+starttls:// or smtps://, with user:password@)."""

    host: str
    port: int
    mode: str  # "plain", "starttls" or "ssl"
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str | None) -> SmtpTarget:
        if not url:
            raise InvalidInput("NEXA_SMTP_URL", "no SMTP server is configured; the draft is kept unsent")
        parts = urlsplit(url)
        modes = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}
        if parts.scheme not in modes or not parts.hostname:
            raise InvalidInput("NEXA_SMTP_URL", f"'{url}' is not smtp://, smtp+starttls:// or smtps://host[:port]")
        mode, port = modes[parts.scheme]
        return cls(
            parts.hostname,
            parts.port or port,
            mode,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
        )

    def connect(self, timeout: float = 30) -> smtplib.SMTP:
        """An open, authenticated connection (blocking; run it in a thread)."""
        if self.mode == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=timeout)
        try:
            if self.mode == "starttls":
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def send(self, message: Message, timeout: float = 30) -> None:
        """Deliver one message on its own connection (blocking; run it in a thread)."""
        with self.connect(timeout) as client:
            client.send_message(message)


class EmailService(Service):
    """Drafts, sends and records emails about contacts, leads and deals."""

    async def draft(
        self,
        *,
        contact_id: uuid.UUID | None = None,
        lead_id: uuid.UUID | None = None,
        deal_id: uuid.UUID | None = None,
        purpose: str = "follow_up",
        tone: str = "friendly",
        notes: str | None = None,
        writer: Writer | None = None,
    ) -> tuple[EmailMessage, Draft]:
        """Write a draft grounded in the record (read rights checked) and save it with status draft."""
        require(self.actor, "emails", "write")
        if purpose not in PURPOSES:
            raise InvalidInput("purpose", f"'{purpose}' is not one of {list(PURPOSES)}")
        if tone not in TONES:
            raise InvalidInput("tone", f"'{tone}' is not one of {list(TONES)}")
        deal = await self.referenced(Deal, deal_id, field="deal_id")
        if deal is not None and contact_id is None and lead_id is None:
            contact_id = deal.primary_contact_id
            if contact_id is None:
                raise InvalidInput("contact_id", f"deal {deal.deal_name} has no primary contact; name the recipient")
        if (contact_id is None) == (lead_id is None):
            raise InvalidInput(
                "contact_id", "name exactly one recipient: a contact, a lead, or a deal with a primary contact"
            )
        contact = await self.referenced(Contact, contact_id, field="contact_id")
        lead = await self.referenced(Lead, lead_id, field="lead_id")
        sender = await self.session.get(User, self.actor.user_id) if self.actor.user_id else None
        facts = await gather_facts(
            self.session, self.actor, sender, contact=contact, lead=lead, deal=deal, now=utcnow()
        )
        composed = from_template(facts, purpose, tone, notes)
        if writer is not None:
            try:
                composed = await from_writer(writer, facts, purpose, tone, notes)
            except WriterError:
                pass  # the template draft stands; its method says so
        person = contact or lead
        email = EmailMessage(
            status=EmailStatus.draft,
            from_address=sender.email if sender else None,
            to_addresses=[person.email],  # type: ignore[union-attr]
            subject=composed.subject[:500],
            body=composed.body,
            tone=tone,
            author_id=self.actor.user_id,
            contact_id=contact.id if contact else None,
            lead_id=lead.id if lead else None,
            deal_id=deal.id if deal else None,
            account_id=(contact.account_id if contact else None) or (deal.account_id if deal else None),
        )
        self.session.add(email)
        await self.flush()
        return email, composed

    async def get(self, email_id: uuid.UUID | str) -> EmailMessage:
        require(self.actor, "emails", "read")
        email = await self.load(EmailMessage, email_id, field="email_id")
        self._own(email)
        return email

    async def send(self, email_id: uuid.UUID | str, settings: Settings, *, deliver: bool = True) -> EmailMessage:
        """Queue an approved draft for delivery (one `emails.deliver` job, committed with the status `queued`).

        `deliver=False` checks everything but queues nothing (a proposal's trial run). The job hands it to
        the SMTP server and logs it on the timeline (`store.services.email_delivery`).
        """
        require(self.actor, "emails", "write")
        email = await self.load(EmailMessage, email_id, field="email_id", lock=True)
        self._own(email)
        if email.status is not EmailStatus.draft:
            raise Conflict("status", f"email '{email.subject}' is {email.status}, not a draft")
        SmtpTarget.parse(settings.smtp_url)
        if deliver:
            email.status = EmailStatus.queued
            await self.flush()
            await defer(self.session, "emails.deliver", queueing_lock=f"email:{email.id}", email_id=str(email.id))
        return email

    async def receive(self, data: dict[str, Any]) -> EmailMessage:
        """Record an email the contact or lead sent us (a reply); it rescores the lead."""
        require(self.actor, "emails", "write")
        subject, body = (data.get("subject") or "").strip(), (data.get("body") or "").strip()
        if not body:
            raise InvalidInput("body", "a received email needs its text")
        contact = await self.referenced(Contact, data.get("contact_id"), field="contact_id")
        lead = await self.referenced(Lead, data.get("lead_id"), field="lead_id")
        if (contact is None) == (lead is None):
            raise InvalidInput("contact_id", "name exactly one sender: a contact or a lead")
        person = contact or lead
        deal = await self.referenced(Deal, data.get("deal_id"), field="deal_id")
        email = EmailMessage(
            status=EmailStatus.received,
            from_address=person.email,  # type: ignore[union-attr]
            to_addresses=[self.actor.email or "team@nexa"],
            subject=(subject or "(no subject)")[:500],
            body=body,
            contact_id=contact.id if contact else None,
            lead_id=lead.id if lead else None,
            deal_id=deal.id if deal else None,
            account_id=contact.account_id if contact else None,
            sent_at=utcnow(),
        )
        self.session.add(email)
        await self.flush()
        await self.touch(email, "received", f"Email from {person.name}: {email.subject}")  # type: ignore[union-attr]
        if lead is not None:
            await scoring.rescore(self.session, lead, reason=f"{lead.first_name} replied")
        return email

    def _own(self, email: EmailMessage) -> None:
        if not (
            self.actor.sees_everything
            or email.author_id is None
            or email.author_id == self.actor.user_id
            or str(self.actor.role) == "manager"
        ):
            raise PermissionDenied("emails", "only the author (or a manager or admin) may read or send this draft")

    async def touch(self, email: EmailMessage, action: str, subject: str) -> None:
        """Move the lead's and contact's last contact to now (and the contact's engagement score), log the email on every record's timeline."""
        now = utcnow()
        if email.lead_id:
            lead = await self.session.get(Lead, email.lead_id)
            if lead is not None:
                lead.last_contacted = touched(lead.last_contacted, now)
        contact = await self.session.get(Contact, email.contact_id) if email.contact_id else None
        if contact is not None:
            contact.last_activity = touched(contact.last_activity, now)
        await self.flush()
        if contact is not None:
            await refresh_contact(self.session, contact, now)
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.email,
            action=action,
            subject=subject,
            on=[
                (RecordType.email, email.id),
                (RecordType.contact, email.contact_id),
                (RecordType.lead, email.lead_id),
                (RecordType.deal, email.deal_id),
                (RecordType.account, email.account_id),
            ],
            source=(RecordType.email, email.id),
            details={"to": email.to_addresses},
        )
