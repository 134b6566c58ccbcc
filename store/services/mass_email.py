"""Mass email: a campaign's emails, their preview and test send, and sending to a list (fixed at send time).

`send` fixes the recipients in one INSERT ... SELECT (one `campaign_sends` row per address, suppressed
addresses left out), enrolls them in the campaign and queues one `campaigns.send` job (now or at the
scheduled time); the job (`store.services.mass_delivery`) sends over one SMTP connection. A mass email
is sent once: a second send is refused, naming its status.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from email.header import Header, decode_header, make_header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.dialects.postgresql import insert

from store.access import require
from store.clock import utcnow
from store.errors import Conflict, InvalidInput, NotFound
from store.jobs.defer import defer
from store.models import (
    Account,
    Campaign,
    CampaignMember,
    Contact,
    ContactList,
    Lead,
    MassEmail,
    MassEmailSend,
    Suppression,
)
from store.models.enums import LeadStatus, MassEmailStatus
from store.schemas import MassEmailCreate, MassEmailUpdate, parse
from store.services.base import Service
from store.services.emails import SmtpTarget
from store.services.lists import ListService
from store.services.mail_templates import compile_template, footer, links, render, to_text, track
from store.services.tracking import Links
from store.services.visibility import owner_visible
from store.settings import Settings

SEND_TASK = "campaigns.send"


def public_base(settings: Settings) -> str:
    return (settings.public_url or "http://localhost:8000").rstrip("/")


def postal_address(settings: Settings) -> str:
    if not settings.mail_postal_address:
        raise InvalidInput(
            "NEXA_MAIL_ADDRESS",
            "set the sender's postal address (printed in every campaign email's footer) before sending campaign email",
        )
    return settings.mail_postal_address


@dataclass
class Plan:
    """Everything one mass email's messages are made from, compiled once per send job."""

    email_id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_name: str
    subject: Any
    body: Any
    links: list[str]
    sender: str
    postal: str
    base: str
    key: bytes
    subject_source: str = ""

    @classmethod
    def of(cls, email: MassEmail, campaign: Campaign, settings: Settings) -> Plan:
        return cls(
            email.id,
            campaign.id,
            campaign.name,
            compile_template(email.subject, "subject", html_body=False),
            compile_template(email.body, "body"),
            list(email.links),
            email.from_address or settings.smtp_from or "nexa@localhost",
            postal_address(settings),
            public_base(settings),
            settings.signing_key(),
            email.subject,
        )

    def render(self, person: dict[str, Any], account: dict[str, Any], unsubscribe_url: str) -> tuple[str, str]:
        """(subject, HTML body) for one recipient; InvalidInput naming a merge field the data cannot fill."""
        context = {
            "contact": person,
            "account": account,
            "campaign": {"name": self.campaign_name},
            "unsubscribe_url": unsubscribe_url,
        }
        return " ".join(render(self.subject, context, "subject").split()), render(self.body, context, "body")

    def message(
        self, to: str, person: dict[str, Any], account: dict[str, Any], *, send_id: int | None
    ) -> MIMEMultipart:
        """The MIME message for one recipient: tracked links and pixel, footer, List-Unsubscribe (RFC 8058), Message-ID.

        Without a send id (a test send) nothing is tracked and the unsubscribe link unsubscribes nobody.
        """
        tokens = Links(self.base, self.key, send_id) if send_id is not None else None
        unsubscribe = tokens.unsubscribe if tokens else f"{self.base}/u/test"
        subject, body = self.render(person, account, unsubscribe)
        index = {url: n for n, url in enumerate(self.links)}
        body = track(
            body,
            (lambda url: tokens.click(index[url]) if url in index else None) if tokens else (lambda url: None),
            tokens.pixel if tokens else None,
        )
        html_footer, text_footer = footer(self.postal, unsubscribe)
        # compat32 classes: several times quicker to build than EmailMessage at 10k recipients. The parts are base64,
        # which never holds a "-": a fixed boundary cannot collide, and the generator need not search for a free one.
        mime = MIMEMultipart("alternative", boundary=f"--nexa-{self.email_id.hex}")
        mime["From"] = self.sender
        mime["To"] = to
        subject = subject if tokens else f"[TEST] {subject}"
        mime["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")  # type: ignore[assignment]  # compat32 takes a Header; typeshed: str
        mime["Date"] = format_datetime(utcnow())
        mime["Message-ID"] = (
            f"<{self.email_id}.{send_id if send_id is not None else 'test'}@{self.sender.rpartition('@')[2] or 'localhost'}>"
        )
        mime["List-Unsubscribe"] = f"<{unsubscribe}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mime["Precedence"] = "bulk"
        mime.attach(MIMEText(to_text(body) + text_footer, "plain", "utf-8"))
        mime.attach(
            MIMEText(
                body.replace("</body>", html_footer + "</body>") if "</body>" in body else body + html_footer,
                "html",
                "utf-8",
            )
        )
        return mime


def person_of(contact: Contact | None = None, lead: Lead | None = None) -> dict[str, Any]:
    who = contact or lead
    return {
        "first_name": who.first_name,  # type: ignore[union-attr]
        "last_name": who.last_name,  # type: ignore[union-attr]
        "name": who.name,  # type: ignore[union-attr]
        "email": who.email,  # type: ignore[union-attr]
        "title": who.title or "",  # type: ignore[union-attr]
        "department": (contact.department if contact else None) or "",
    }


def account_of(account: Account | None = None, lead: Lead | None = None) -> dict[str, Any]:
    if account is not None:
        return {
            "name": account.account_name,
            "industry": account.industry or "",
            "tier": account.tier.value if account.tier else "",
        }
    return {
        "name": (lead.company if lead else None) or "",
        "industry": (lead.industry if lead else None) or "",
        "tier": "",
    }


@dataclass(frozen=True)
class Audience:
    """Who a mass email would go to now: sendable addresses and those left out as suppressed."""

    recipients: int
    suppressed: int


class MassEmailService(Service):
    """Campaign emails: write, preview, test, send, pause and resume."""

    async def create(self, campaign_id: uuid.UUID | str, data: MassEmailCreate | dict[str, Any]) -> MassEmail:
        values = parse(MassEmailCreate, data)
        campaign = await self._campaign(campaign_id)
        compile_template(values.subject, "subject", html_body=False)
        compile_template(values.body, "body")
        if values.list_id is not None:
            await ListService(self.session, self.actor).get(values.list_id)
        email = MassEmail(
            campaign_id=campaign.id,
            list_id=values.list_id,
            subject=values.subject,
            body=values.body,
            links=links(values.body),
            from_address=values.from_address,
            author_id=self.actor.user_id,
        )
        self.session.add(email)
        await self.flush()
        return email

    async def update(self, email_id: uuid.UUID | str, data: MassEmailUpdate | dict[str, Any]) -> MassEmail:
        changes = parse(MassEmailUpdate, data).model_dump(exclude_unset=True)
        email = await self.get(email_id, lock=True)
        await self._campaign(email.campaign_id)
        if email.status is not MassEmailStatus.draft:
            raise Conflict("status", f"the email is {email.status.value}; only a draft can change")
        for required in ("subject", "body"):
            if required in changes and changes[required] is None:
                raise InvalidInput(required, "cannot be emptied")
        if "subject" in changes:
            compile_template(changes["subject"], "subject", html_body=False)
        if "body" in changes:
            compile_template(changes["body"], "body")
            changes["links"] = links(changes["body"])
        if changes.get("list_id"):
            await ListService(self.session, self.actor).get(changes["list_id"])
        self.apply(email, changes)
        await self.flush()
        return email

    async def get(self, email_id: uuid.UUID | str, *, lock: bool = False) -> MassEmail:
        require(self.actor, "mass_email", "read")
        return await self.load(MassEmail, email_id, field="email_id", lock=lock)

    async def of_campaign(self, campaign_id: uuid.UUID | str) -> list[MassEmail]:
        require(self.actor, "mass_email", "read")
        return list(
            await self.session.scalars(
                select(MassEmail).where(MassEmail.campaign_id == campaign_id).order_by(MassEmail.created_at)
            )
        )

    def _targets(
        self, email: MassEmail, found: ContactList | None
    ) -> tuple[Select[*tuple[Any, ...]], Select[*tuple[Any, ...]] | None]:
        """(contact ids, lead ids or None) this email goes to, as far as the caller may read them."""
        if found is not None:
            return ListService(self.session, self.actor).members_query(found), None
        contacts = (
            select(Contact.id)
            .join(CampaignMember, CampaignMember.contact_id == Contact.id)
            .where(CampaignMember.campaign_id == email.campaign_id, owner_visible(self.actor, Contact.owner_id))
        )
        leads = (
            select(Lead.id)
            .join(CampaignMember, CampaignMember.lead_id == Lead.id)
            .where(
                CampaignMember.campaign_id == email.campaign_id,
                Lead.status != LeadStatus.converted,
                owner_visible(self.actor, Lead.assigned_to_id),
            )
        )
        return contacts, leads

    async def _list(self, email: MassEmail) -> ContactList | None:
        if email.list_id is None:
            return None
        found = await self.session.get(ContactList, email.list_id)
        if found is None:
            raise NotFound("list_id", "the email's list no longer exists")
        return found

    async def audience(self, email_id: uuid.UUID | str) -> Audience:
        """How many addresses it would go to now, and how many are left out as suppressed (unsubscribed or bounced)."""
        email = await self.get(email_id)
        contacts, leads = self._targets(email, await self._list(email))
        suppressed = select(Suppression.address)
        counts = [
            select(
                func.count(func.distinct(Contact.email)),
                func.count(func.distinct(Contact.email)).filter(Contact.email.in_(suppressed)),
            ).where(Contact.id.in_(contacts))
        ]
        if leads is not None:
            counts.append(
                select(
                    func.count(func.distinct(Lead.email)),
                    func.count(func.distinct(Lead.email)).filter(Lead.email.in_(suppressed)),
                ).where(Lead.id.in_(leads))
            )
        total = suppressed_n = 0
        for stmt in counts:
            n, s = (await self.session.execute(stmt)).one()
            total, suppressed_n = total + n, suppressed_n + s
        return Audience(total - suppressed_n, suppressed_n)

    async def preview(
        self, email_id: uuid.UUID | str, settings: Settings, *, contact_id: uuid.UUID | None = None
    ) -> dict[str, Any]:
        """The email rendered for one recipient (the given contact, else the first on its audience); merge errors name the field."""
        email = await self.get(email_id)
        campaign = await self.load(Campaign, email.campaign_id, field="campaign_id")
        contact, lead = await self._sample(email, contact_id)
        plan = Plan.of(
            email,
            campaign,
            replace(settings, mail_postal_address=settings.mail_postal_address or "(your postal address)"),
        )
        mime = plan.message(
            contact.email if contact else lead.email,  # type: ignore[union-attr]
            person_of(contact, lead),
            account_of(
                await self.session.get(Account, contact.account_id) if contact and contact.account_id else None, lead
            ),
            send_id=None,
        )
        parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in mime.walk() if not p.is_multipart()}  # type: ignore[union-attr]  # a leaf decodes to bytes; typeshed: any payload
        return {
            "to": mime["To"],
            "subject": str(make_header(decode_header(str(mime["Subject"])))).removeprefix("[TEST] "),
            "html": parts.get("text/html", ""),
            "text": parts.get("text/plain", ""),
        }

    async def _sample(self, email: MassEmail, contact_id: uuid.UUID | None) -> tuple[Contact | None, Lead | None]:
        if contact_id is not None:
            return await self.referenced(Contact, contact_id, field="contact_id"), None
        contacts, leads = self._targets(email, await self._list(email))
        contact = await self.session.scalar(
            select(Contact).where(Contact.id.in_(contacts)).order_by(Contact.last_name).limit(1)
        )
        if contact is not None:
            return contact, None
        lead = await self.session.scalar(select(Lead).where(Lead.id.in_(leads)).limit(1)) if leads is not None else None
        if lead is None:
            raise InvalidInput("list_id", "the email has no recipients to preview it for; name a contact_id")
        return None, lead

    async def test_send(
        self, email_id: uuid.UUID | str, settings: Settings, *, to: str, contact_id: uuid.UUID | None = None
    ) -> MIMEMultipart:
        """Send one copy marked [TEST] to `to`, rendered for a recipient, at once (nothing tracked or recorded)."""
        email = await self.get(email_id)
        campaign = await self._campaign(email.campaign_id)
        if "@" not in to or len(to) > 320:
            raise InvalidInput("to", f"'{to}' is not an email address")
        contact, lead = await self._sample(email, contact_id)
        plan = Plan.of(email, campaign, settings)
        account = await self.session.get(Account, contact.account_id) if contact and contact.account_id else None
        mime = plan.message(to, person_of(contact, lead), account_of(account, lead), send_id=None)
        await asyncio.to_thread(SmtpTarget.parse(settings.smtp_url).send, mime)
        return mime

    async def send(
        self, email_id: uuid.UUID | str, settings: Settings, *, at: datetime | None = None, deliver: bool = True
    ) -> Audience:
        """Fix the recipients and queue the send (at `at`, else now); refused when already sent or scheduled, or when
        nobody can receive it. `deliver=False` checks everything and writes nothing (an approval's preview)."""
        email = await self.get(email_id, lock=True)
        campaign = await self._campaign(email.campaign_id)
        if email.status is not MassEmailStatus.draft:
            raise Conflict(
                "status",
                f"this email is already {email.status.value}; a campaign email is sent once "
                "(create a new one to send again)",
            )
        SmtpTarget.parse(settings.smtp_url)
        postal_address(settings)
        if at is not None and at <= utcnow():
            at = None
        found = await self._list(email)
        audience = await self.audience(email.id)
        if audience.recipients == 0:
            where = f"list '{found.name}'" if found else f"campaign '{campaign.name}' (it has no list and no members)"
            raise InvalidInput(
                "list_id",
                f"no sendable recipients on {where}: {audience.suppressed} suppressed "
                "(unsubscribed or bounced), none else you may read",
            )
        await self.preview(email.id, settings)  # every merge field resolves before anything is queued
        if not deliver:
            return audience
        contacts, leads = self._targets(email, found)
        suppressed = select(Suppression.address)
        await self.session.execute(
            insert(MassEmailSend)
            .from_select(
                ["email_id", "contact_id", "address"],
                select(literal(email.id), Contact.id, Contact.email).where(
                    Contact.id.in_(contacts), Contact.email.not_in(suppressed)
                ),
            )
            .on_conflict_do_nothing()
        )
        if leads is not None:
            await self.session.execute(
                insert(MassEmailSend)
                .from_select(
                    ["email_id", "lead_id", "address"],
                    select(literal(email.id), Lead.id, Lead.email).where(
                        Lead.id.in_(leads), Lead.email.not_in(suppressed)
                    ),
                )
                .on_conflict_do_nothing()
            )
        await self.session.execute(
            insert(CampaignMember)
            .from_select(
                ["id", "campaign_id", "contact_id"],
                select(func.gen_random_uuid(), literal(campaign.id), MassEmailSend.contact_id).where(
                    MassEmailSend.email_id == email.id, MassEmailSend.contact_id.is_not(None)
                ),
            )
            .on_conflict_do_nothing(
                index_elements=["campaign_id", "contact_id"], index_where=CampaignMember.contact_id.is_not(None)
            )
        )
        email.status, email.scheduled_at = MassEmailStatus.scheduled, at or utcnow()
        await self.flush()
        await self._queue(email, at)
        return audience

    async def pause(self, email_id: uuid.UUID | str) -> MassEmail:
        """Stop sending after the message in flight; `resume` continues with the recipients not yet sent to."""
        email = await self.get(email_id, lock=True)
        await self._campaign(email.campaign_id)
        if email.status not in (MassEmailStatus.scheduled, MassEmailStatus.sending):
            raise Conflict(
                "status", f"this email is {email.status.value}; only a scheduled or sending email can be paused"
            )
        email.status = MassEmailStatus.paused
        await self.flush()
        return email

    async def resume(self, email_id: uuid.UUID | str) -> MassEmail:
        email = await self.get(email_id, lock=True)
        await self._campaign(email.campaign_id)
        if email.status is not MassEmailStatus.paused:
            raise Conflict("status", f"this email is {email.status.value}, not paused")
        email.status = MassEmailStatus.scheduled
        await self.flush()
        await self._queue(email, None)
        return email

    async def progress(self, email_id: uuid.UUID | str) -> dict[str, int]:
        """Recipients by send status (pending, sent, bounced, ...) and how many opened and clicked."""
        email = await self.get(email_id)
        rows = await self.session.execute(
            select(MassEmailSend.status, func.count())
            .where(MassEmailSend.email_id == email.id)
            .group_by(MassEmailSend.status)
        )
        counts = {str(status.value): n for status, n in rows}
        opened, clicked = (
            await self.session.execute(
                select(func.count(MassEmailSend.opened_at), func.count(MassEmailSend.clicked_at)).where(
                    MassEmailSend.email_id == email.id
                )
            )
        ).one()
        return counts | {"opened": opened, "clicked": clicked}

    async def _queue(self, email: MassEmail, at: datetime | None) -> None:
        await requeue(self.session, email.id, at)

    async def _campaign(self, campaign_id: uuid.UUID | str) -> Campaign:
        """The campaign, after checking the caller may write its mass email (managers and admins) and change it."""
        require(self.actor, "mass_email", "write")
        campaign = await self.load(Campaign, campaign_id, field="campaign_id")
        await self.check("campaigns", "write", campaign.owner_id)
        return campaign


async def requeue(session: Any, email_id: uuid.UUID, at: datetime | None) -> None:
    """Queue the send job again (for recipients whose retry is due at `at`)."""
    await defer(
        session,
        SEND_TASK,
        lock=f"mass-email:{email_id}",
        queueing_lock=f"mass-email:{email_id}",
        at=at,
        email_id=str(email_id),
    )
