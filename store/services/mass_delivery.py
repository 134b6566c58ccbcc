"""Sending a mass email: one job per email, one reused SMTP connection, each recipient claimed before SMTP.

Each recipient's `campaign_sends` row moves pending -> sending in its own committed statement before
the SMTP exchange, and to sent (in batches) after. A job that starts again after its worker died finds
the rows left `sending`: whether the server took those messages is unknown, so they become `unknown` and
are not sent again; everyone else continues where the dead worker stopped, with no second copy.
A 4xx reply puts the recipient back with an exponential delay (up to `MAX_ATTEMPTS`), a 5xx reply is a
bounce (the address is suppressed, the member and contact marked), a dropped connection is reopened.
Suppressed addresses are skipped at claim time, so an unsubscribe during a send takes effect at once.
`NEXA_MASS_EMAIL_RATE` throttles; a paused email stops after the message in flight.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from store.access import Actor
from store.clock import utcnow
from store.db import Database
from store.models import Account, Campaign, CampaignMember, Contact, Lead, MassEmail, MassEmailSend, Suppression
from store.models.enums import ActivityType, MassEmailStatus, MemberStatus, RecordType, SendStatus
from store.services.campaigns import advance
from store.services.emails import SmtpTarget
from store.services.mass_email import Plan, requeue
from store.services.timeline import record_activity
from store.settings import Settings

log = logging.getLogger(__name__)
BATCH = 500
MAX_ATTEMPTS = 5
RETRY_BASE_S = 30  # a 4xx is tried again after 30 s, 60 s, 120 s, 240 s

# Claim one recipient and, in the same statement, confirm the one sent before it: one round trip per message.
_CLAIM = text(
    "WITH done AS (UPDATE campaign_sends SET status = 'sent', sent_at = :now WHERE id = :done AND status = 'sending') "
    "UPDATE campaign_sends SET status = 'sending', attempts = attempts + 1 WHERE id = :id AND status = 'pending' "
    "AND NOT EXISTS (SELECT 1 FROM email_suppressions s WHERE s.address = campaign_sends.address) RETURNING attempts")


class Claims:
    """Recipients claimed one at a time (committed before their SMTP exchange), each claim confirming the last message sent."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.sent: int | None = None

    async def claim(self, send_id: int) -> int | None:
        """The attempt number, or None when the recipient is suppressed or taken meanwhile."""
        attempts: int | None = await self.conn.scalar(_CLAIM, {"id": send_id, "done": self.sent or 0, "now": utcnow()})
        self.sent = None
        return attempts

    async def flush(self) -> None:
        if self.sent is not None:
            await self.conn.execute(update(MassEmailSend).where(MassEmailSend.id == self.sent, MassEmailSend.status == SendStatus.sending)
                                    .values(status=SendStatus.sent, sent_at=utcnow()))
            self.sent = None


class Mailer:
    """One SMTP connection, opened on first use and reopened after the server drops it (blocking; run in a thread)."""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self.client: smtplib.SMTP | None = None

    def send(self, message: Any, to: str) -> None:
        if self.client is None:
            self.client = self.target.connect()
        try:
            self.client.send_message(message, to_addrs=[to])
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            raise  # the server answered: the connection stays usable
        except OSError:  # dropped or broken (smtplib's errors are OSErrors too): reopen for the next message
            self.drop()
            raise

    def drop(self) -> None:
        if self.client is not None:
            try:
                self.client.close()
            finally:
                self.client = None

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.drop()


def reply_code(err: Exception) -> tuple[int | None, str]:
    """The SMTP reply code and text of a failed send (None for a connection failure)."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(err.recipients.values()))
        return code, message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    if isinstance(err, smtplib.SMTPResponseException):
        reply = err.smtp_error
        return err.smtp_code, reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return None, str(err) or err.__class__.__name__


class Pacer:
    """At most `rate` messages per second (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.gap = 1 / rate if rate > 0 else 0.0
        self.next = time.monotonic()

    async def wait(self) -> None:
        if self.gap:
            self.next = max(self.next + self.gap, time.monotonic())
            await asyncio.sleep(max(0.0, self.next - time.monotonic()))


async def deliver_mass_email(db: Database, email_id: uuid.UUID | str, settings: Settings) -> MassEmailStatus | None:
    """Send to every pending recipient that is due; the email's status at the end (None: no such email)."""
    email_id = uuid.UUID(str(email_id))
    async with db.session() as session:
        email = await session.get(MassEmail, email_id, with_for_update=True)
        if email is None or email.status not in (MassEmailStatus.scheduled, MassEmailStatus.sending):
            return email.status if email else None
        await session.execute(update(MassEmailSend).where(MassEmailSend.email_id == email_id, MassEmailSend.status == SendStatus.sending)
                              .values(status=SendStatus.unknown, error="its worker stopped during the SMTP exchange; not sent again"))
        email.status, email.started_at = MassEmailStatus.sending, email.started_at or utcnow()
        plan = Plan.of(email, await session.get(Campaign, email.campaign_id), settings)  # type: ignore[arg-type]
    mailer, pacer = Mailer(SmtpTarget.parse(settings.smtp_url)), Pacer(settings.mass_email_rate)
    try:
        async with db.engine.connect() as raw:
            conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
            sender = Sender(db, Claims(conn), mailer, plan)
            try:
                while await conn.scalar(select(MassEmail.status).where(MassEmail.id == email_id)) is MassEmailStatus.sending:
                    rows = await _due(conn, email_id)
                    if not rows:
                        break
                    for row in rows:
                        if await sender.send(row):
                            await pacer.wait()
                    await sender.settle()
            finally:
                await sender.settle()
                await sender.claims.flush()
                await _members_sent(conn, plan)
    finally:
        await asyncio.to_thread(mailer.close)
    return await _finish(db, email_id)


async def _due(conn: AsyncConnection, email_id: uuid.UUID) -> list[Any]:
    """The next pending recipients whose time has come, with their merge data (suppressed ones are skipped first)."""
    await conn.execute(update(MassEmailSend).where(
        MassEmailSend.email_id == email_id, MassEmailSend.status == SendStatus.pending,
        MassEmailSend.address.in_(select(Suppression.address))).values(status=SendStatus.skipped, error="suppressed"))
    stmt = (select(MassEmailSend.id, MassEmailSend.address, MassEmailSend.contact_id, MassEmailSend.lead_id,
                   func.coalesce(Contact.first_name, Lead.first_name).label("first_name"),
                   func.coalesce(Contact.last_name, Lead.last_name).label("last_name"),
                   func.coalesce(Contact.title, Lead.title, "").label("title"), func.coalesce(Contact.department, "").label("department"),
                   func.coalesce(Account.account_name, Lead.company, "").label("account_name"),
                   func.coalesce(Account.industry, Lead.industry, "").label("industry"), Account.tier)
            .outerjoin(Contact, Contact.id == MassEmailSend.contact_id).outerjoin(Account, Account.id == Contact.account_id)
            .outerjoin(Lead, Lead.id == MassEmailSend.lead_id)
            .where(MassEmailSend.email_id == email_id, MassEmailSend.status == SendStatus.pending, MassEmailSend.due_at <= utcnow())
            .order_by(MassEmailSend.id).limit(BATCH))
    return list((await conn.execute(stmt)).all())


class Sender:
    """Sends recipients one after another over one connection; the next message is composed while one is on the wire.

    A recipient is claimed (committed) only after the previous exchange has ended, right before its own: at any
    moment at most one recipient is `sending`.
    """

    def __init__(self, db: Database, claims: Claims, mailer: Mailer, plan: Plan) -> None:
        self.db, self.claims, self.mailer, self.plan = db, claims, mailer, plan
        self.inflight: tuple[Any, int, asyncio.Future[None]] | None = None

    async def send(self, row: Any) -> bool:
        """Compose, wait for the exchange in flight, claim and start this one; False when it was not claimed."""
        person = {"first_name": row.first_name, "last_name": row.last_name, "name": f"{row.first_name} {row.last_name}",
                  "email": row.address, "title": row.title, "department": row.department}
        account = {"name": row.account_name, "industry": row.industry, "tier": row.tier.value if row.tier else ""}
        message = self.plan.message(row.address, person, account, send_id=row.id)
        await self.settle()
        attempts = await self.claims.claim(row.id)
        if attempts is None:
            return False  # suppressed meanwhile, or taken by another run
        self.inflight = (row, attempts, asyncio.ensure_future(asyncio.to_thread(self.mailer.send, message, row.address)))
        return True

    async def settle(self) -> None:
        """Wait for the exchange in flight and sort out its outcome (sent, retry later, failed, bounced)."""
        if self.inflight is None:
            return
        row, attempts, exchange = self.inflight
        self.inflight = None
        try:
            await exchange
        except (smtplib.SMTPException, OSError) as err:
            code, reason = reply_code(err)
            if code is not None and code >= 500:
                await bounce(self.db, self.plan, row, f"{code} {reason}")
                return
            failed = attempts >= MAX_ATTEMPTS
            await self.claims.conn.execute(update(MassEmailSend).where(MassEmailSend.id == row.id).values(
                status=SendStatus.failed if failed else SendStatus.pending, error=f"{code or 'connection'} {reason}"[:1000],
                due_at=utcnow() + timedelta(seconds=RETRY_BASE_S * 2 ** (attempts - 1))))
            log.warning("mass email %s to %s: %s %s (%s)", self.plan.email_id, row.address, code, reason, "failed" if failed else "will retry")
            return
        self.claims.sent = row.id


async def _members_sent(conn: AsyncConnection, plan: Plan) -> None:
    """The campaign members this email was sent to -> sent (unless further already): one statement per kind of member."""
    for column, member in ((MassEmailSend.contact_id, CampaignMember.contact_id), (MassEmailSend.lead_id, CampaignMember.lead_id)):
        await conn.execute(update(CampaignMember).where(
            CampaignMember.campaign_id == plan.campaign_id, CampaignMember.status == MemberStatus.enrolled.value,
            member.in_(select(column).where(MassEmailSend.email_id == plan.email_id, MassEmailSend.status == SendStatus.sent)),
        ).values(status=advance(MemberStatus.sent)))


async def bounce(db: Database, plan: Plan, row: Any, reason: str) -> None:
    """A 5xx: the recipient is bounced, the address suppressed, the member marked and the contact's timeline told."""
    async with db.session() as session:
        await session.execute(update(MassEmailSend).where(MassEmailSend.id == row.id).values(status=SendStatus.bounced, error=reason[:1000]))
        await session.execute(insert(Suppression).values(address=row.address, reason="bounced", detail=reason[:1000],
                                                         contact_id=row.contact_id, campaign_id=plan.campaign_id).on_conflict_do_nothing())
        column, value = (CampaignMember.contact_id, row.contact_id) if row.contact_id else (CampaignMember.lead_id, row.lead_id)
        await session.execute(update(CampaignMember).where(CampaignMember.campaign_id == plan.campaign_id, column == value)
                              .values(status=advance(MemberStatus.bounced)))
        await record_activity(session, Actor.system(), type=ActivityType.email, action="bounced",
                              subject=f"Campaign email to {row.address} bounced ({reason[:200]}); the address is suppressed",
                              on=[(RecordType.contact, row.contact_id), (RecordType.lead, row.lead_id)],
                              details={"campaign_id": str(plan.campaign_id), "email_id": str(plan.email_id)})


async def _finish(db: Database, email_id: uuid.UUID) -> MassEmailStatus:
    """Sent when nobody is left pending; else the job is queued again for the next retry that is due."""
    async with db.session() as session:
        email = await session.get(MassEmail, email_id, with_for_update=True)
        if email is None or email.status is not MassEmailStatus.sending:
            return email.status if email else MassEmailStatus.sent
        retry_at = await session.scalar(select(func.min(MassEmailSend.due_at)).where(
            MassEmailSend.email_id == email_id, MassEmailSend.status == SendStatus.pending))
        if retry_at is not None:
            await requeue(session, email_id, retry_at)
            return MassEmailStatus.sending
        email.status, email.finished_at = MassEmailStatus.sent, utcnow()
        return MassEmailStatus.sent
