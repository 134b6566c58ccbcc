"""Sending a mass email: one job per email, one reused SMTP connection, each recipient claimed before its message is taken.

Each recipient's `campaign_sends` row moves pending -> sending in its own committed statement (which also confirms
the previous recipient as sent) before the end-of-data dot that makes the SMTP server take the message; the MAIL,
RCPT and DATA commands and the message text travel while that statement runs (a server delivers nothing before
the dot). A job that starts again after its worker died finds the one row left `sending`: whether the server took
that message is unknown, so it becomes `unknown` and is not sent again; everyone else continues where the dead
worker stopped, with no second copy. The claims commit without waiting for the WAL flush (`synchronous_commit` off on
the sending connection only, ~6 ms saved per message): a killed worker loses nothing, as PostgreSQL holds the
commit; only a crash of PostgreSQL itself can forget the last ~0.6 s of claims, whose recipients could then get a
second copy. After each batch, one statement marks the campaign members sent and one puts a "sent" entry on each
recipient's timeline.
A 4xx reply puts the recipient back with an exponential delay (up to `MAX_ATTEMPTS`), a 5xx reply is a
bounce (the address is suppressed, the member and contact marked), a dropped connection is reopened.
Suppressed addresses are skipped at claim time, so an unsubscribe during a send takes effect at once.
`NEXA_MASS_EMAIL_RATE` throttles; a paused email stops after the message in flight.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import smtplib
import socket
import threading
import time
import uuid
from datetime import timedelta
from email.generator import BytesGenerator
from email.message import Message
from email.utils import parseaddr
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
    "AND NOT EXISTS (SELECT 1 FROM email_suppressions s WHERE s.address = campaign_sends.address) RETURNING attempts"
)

# One "sent" entry per recipient of a batch on its contact's (or lead's) timeline, in one statement.
_LOG_SENT = text(
    "WITH sent AS (SELECT gen_random_uuid() AS activity_id, s.id, s.contact_id, s.lead_id, s.address, s.sent_at "
    "FROM campaign_sends s WHERE s.id = ANY(:ids) AND s.status = 'sent'), "
    "logged AS (INSERT INTO activities (id, type, action, subject, details, occurred_at, created_at, updated_at) "
    "SELECT activity_id, 'email', 'sent', :subject || ' sent to ' || address, "
    "jsonb_build_object('campaign_id', CAST(:campaign_id AS text), 'email_id', CAST(:email_id AS text), 'send_id', id), "
    "sent_at, :now, :now FROM sent) "
    "INSERT INTO activity_links (activity_id, record_type, record_id) "
    "SELECT activity_id, 'contact', contact_id FROM sent WHERE contact_id IS NOT NULL "
    "UNION ALL SELECT activity_id, 'lead', lead_id FROM sent WHERE lead_id IS NOT NULL"
)

_EOL = re.compile(rb"(?:\r\n|\n|\r(?!\n))")
_DOT = re.compile(rb"(?m)^\.")


class Claims:
    """Recipients claimed one at a time (committed before their message is taken), each claim confirming the last one sent."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.sent: int | None = None
        self.confirmed: list[int] = []  # sent in this batch: their members and timelines are written after it

    async def claim(self, send_id: int) -> int | None:
        """The attempt number, or None when the recipient is suppressed or taken meanwhile."""
        attempts: int | None = await self.conn.scalar(_CLAIM, {"id": send_id, "done": self.sent or 0, "now": utcnow()})
        self._confirmed()
        return attempts

    async def flush(self) -> None:
        if self.sent is not None:
            await self.conn.execute(
                update(MassEmailSend)
                .where(MassEmailSend.id == self.sent, MassEmailSend.status == SendStatus.sending)
                .values(status=SendStatus.sent, sent_at=utcnow())
            )
            self._confirmed()

    def _confirmed(self) -> None:
        if self.sent is not None:
            self.confirmed.append(self.sent)
            self.sent = None


def wire_bytes(message: Message) -> bytes:
    """The message as it goes after DATA: CRLF line ends, leading dots doubled, ending in CRLF (without the final dot)."""
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=message.policy.clone(linesep="\r\n")).flatten(message)
    data = _DOT.sub(b"..", _EOL.sub(b"\r\n", out.getvalue()))
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class NotClaimed(Exception):
    """The recipient was not claimed: the transaction was abandoned before its dot."""


class Mailer:
    """One SMTP connection, opened on first use and reopened after the server drops it (blocking; run in a thread).

    `exchange` sends MAIL, RCPT, DATA (pipelined when the server offers PIPELINING) and the message text, then waits
    for the go-ahead (the recipient's claim committed) before the final dot; without it the connection is dropped,
    so the server discards the message.
    """

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self.client: smtplib.SMTP | None = None

    def exchange(self, sender: str, to: str, data: bytes, go: threading.Event, claimed: list[bool]) -> None:
        try:
            self._begin(sender, to, data)
        except BaseException:
            go.wait()
            raise
        go.wait()
        if not claimed[0]:
            self.drop()
            raise NotClaimed(to)
        try:
            self.client.send(b".\r\n")  # type: ignore[union-attr]
            code, reply = self.client.getreply()  # type: ignore[union-attr]
        except OSError:
            self.drop()
            raise
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def _begin(self, sender: str, to: str, data: bytes) -> None:
        if self.client is None:
            self.client = self.target.connect()
            self.client.ehlo_or_helo_if_needed()
            # The dot goes out on its own after the text: without this, Nagle's algorithm holds it until the server's
            # delayed ACK (~40 ms a message).
            assert self.client.sock is not None  # connected just above
            self.client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client = self.client
        options = [] if (sender + to).isascii() or not client.has_extn("smtputf8") else ["SMTPUTF8"]
        try:
            if client.has_extn("pipelining"):
                client.putcmd("mail", f"FROM:{smtplib.quoteaddr(sender)}{''.join(' ' + o for o in options)}")
                client.putcmd("rcpt", f"TO:{smtplib.quoteaddr(to)}")
                client.putcmd("data")
                replies = [client.getreply(), client.getreply(), client.getreply()]
            else:
                replies = [client.mail(sender, options)]
                replies.append(client.rcpt(to) if replies[0][0] == 250 else (503, b"no sender"))
                replies.append(client.docmd("data") if replies[1][0] in (250, 251) else (503, b"no recipient"))
            (mail_code, mail_reply), (rcpt_code, rcpt_reply), (data_code, data_reply) = replies
            if mail_code != 250:
                self._reset()
                raise smtplib.SMTPSenderRefused(mail_code, mail_reply, sender)
            if rcpt_code not in (250, 251):
                self._reset()
                raise smtplib.SMTPRecipientsRefused({to: (rcpt_code, rcpt_reply)})
            if data_code != 354:
                self._reset()
                raise smtplib.SMTPDataError(data_code, data_reply)
            client.send(data)
        except OSError as err:
            if not isinstance(err, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
                self.drop()  # dropped or broken: reopened for the next message
            raise

    def _reset(self) -> None:
        try:
            self.client.rset()  # type: ignore[union-attr]
        except (smtplib.SMTPException, OSError):
            self.drop()

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
        await session.execute(
            update(MassEmailSend)
            .where(MassEmailSend.email_id == email_id, MassEmailSend.status == SendStatus.sending)
            .values(status=SendStatus.unknown, error="its worker stopped during the SMTP exchange; not sent again")
        )
        resumed = email.status is MassEmailStatus.sending
        email.status, email.started_at = MassEmailStatus.sending, email.started_at or utcnow()
        plan = Plan.of(email, await session.get(Campaign, email.campaign_id), settings)  # type: ignore[arg-type]
    mailer, pacer = Mailer(SmtpTarget.parse(settings.smtp_url)), Pacer(settings.mass_email_rate)
    try:
        async with db.engine.connect() as raw:
            conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SET synchronous_commit = off"))  # this connection only: see the module's docstring
            if resumed:
                await _log_sent(conn, plan, await _unlogged(conn, email_id))
            sender = Sender(db, Claims(conn), mailer, plan)
            try:
                while (
                    await conn.scalar(select(MassEmail.status).where(MassEmail.id == email_id))
                    is MassEmailStatus.sending
                ):
                    rows = await _due(conn, email_id)
                    if not rows:
                        break
                    for row in rows:
                        if await sender.send(row):
                            await pacer.wait()
                    await sender.settle()
                    await sender.claims.flush()
                    await _log_sent(conn, plan, sender.claims.confirmed)
            finally:
                await sender.settle()
                await sender.claims.flush()
                await _log_sent(conn, plan, sender.claims.confirmed)
                await _members_sent(conn, plan)
    finally:
        await asyncio.to_thread(mailer.close)
    return await _finish(db, email_id)


async def _log_sent(conn: AsyncConnection, plan: Plan, ids: list[int]) -> None:
    """A "sent" entry on the timeline of each recipient in `ids` (emptied), in one statement."""
    if ids:
        await conn.execute(
            _LOG_SENT,
            {
                "ids": list(ids),
                "subject": f"Campaign email '{plan.subject_source}'"[:300],
                "campaign_id": str(plan.campaign_id),
                "email_id": str(plan.email_id),
                "now": utcnow(),
            },
        )
        ids.clear()


async def _unlogged(conn: AsyncConnection, email_id: uuid.UUID) -> list[int]:
    """Recipients sent by a run that stopped before it put them on their timelines."""
    return list(
        await conn.scalars(
            text(
                "SELECT s.id FROM campaign_sends s WHERE s.email_id = :email_id AND s.status = 'sent' AND NOT EXISTS ("
                "SELECT 1 FROM activity_links l JOIN activities a ON a.id = l.activity_id WHERE l.record_type IN ('contact', 'lead') "
                "AND l.record_id = coalesce(s.contact_id, s.lead_id) AND a.action = 'sent' AND a.details->>'send_id' = s.id::text)"
            ),
            {"email_id": email_id},
        )
    )


async def _due(conn: AsyncConnection, email_id: uuid.UUID) -> list[Any]:
    """The next pending recipients whose time has come, with their merge data (suppressed ones are skipped first)."""
    await conn.execute(
        update(MassEmailSend)
        .where(
            MassEmailSend.email_id == email_id,
            MassEmailSend.status == SendStatus.pending,
            MassEmailSend.address.in_(select(Suppression.address)),
        )
        .values(status=SendStatus.skipped, error="suppressed")
    )
    stmt = (
        select(
            MassEmailSend.id,
            MassEmailSend.address,
            MassEmailSend.contact_id,
            MassEmailSend.lead_id,
            func.coalesce(Contact.first_name, Lead.first_name).label("first_name"),
            func.coalesce(Contact.last_name, Lead.last_name).label("last_name"),
            func.coalesce(Contact.title, Lead.title, "").label("title"),
            func.coalesce(Contact.department, "").label("department"),
            func.coalesce(Account.account_name, Lead.company, "").label("account_name"),
            func.coalesce(Account.industry, Lead.industry, "").label("industry"),
            Account.tier,
        )
        .outerjoin(Contact, Contact.id == MassEmailSend.contact_id)
        .outerjoin(Account, Account.id == Contact.account_id)
        .outerjoin(Lead, Lead.id == MassEmailSend.lead_id)
        .where(
            MassEmailSend.email_id == email_id,
            MassEmailSend.status == SendStatus.pending,
            MassEmailSend.due_at <= utcnow(),
        )
        .order_by(MassEmailSend.id)
        .limit(BATCH)
    )
    return list((await conn.execute(stmt)).all())


class Sender:
    """Sends recipients one after another over one connection; the next message is composed while one is on the wire.

    A recipient is claimed (committed) only after the previous exchange has ended, while its own MAIL, RCPT, DATA and
    text travel, and its final dot waits for that claim: at any moment at most one recipient is `sending`.
    """

    def __init__(self, db: Database, claims: Claims, mailer: Mailer, plan: Plan) -> None:
        self.db, self.claims, self.mailer, self.plan = db, claims, mailer, plan
        self.envelope_from = parseaddr(plan.sender)[1] or plan.sender
        self.inflight: tuple[Any, int, asyncio.Future[None]] | None = None

    async def send(self, row: Any) -> bool:
        """Compose, wait for the exchange in flight, start this one while claiming it; False when it was not claimed."""
        person = {
            "first_name": row.first_name,
            "last_name": row.last_name,
            "name": f"{row.first_name} {row.last_name}",
            "email": row.address,
            "title": row.title,
            "department": row.department,
        }
        account = {"name": row.account_name, "industry": row.industry, "tier": row.tier.value if row.tier else ""}
        data = wire_bytes(self.plan.message(row.address, person, account, send_id=row.id))
        await self.settle()
        go, claimed = threading.Event(), [False]
        exchange = asyncio.ensure_future(
            asyncio.to_thread(self.mailer.exchange, self.envelope_from, row.address, data, go, claimed)
        )
        try:
            attempts = await self.claims.claim(row.id)
            claimed[0] = attempts is not None
        finally:
            go.set()
        if attempts is None:  # suppressed meanwhile, or taken by another run: the server got no dot, so no message
            try:
                await exchange
            except (smtplib.SMTPException, OSError, NotClaimed):
                pass
            return False
        self.inflight = (row, attempts, exchange)
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
            await self.claims.conn.execute(
                update(MassEmailSend)
                .where(MassEmailSend.id == row.id)
                .values(
                    status=SendStatus.failed if failed else SendStatus.pending,
                    error=f"{code or 'connection'} {reason}"[:1000],
                    due_at=utcnow() + timedelta(seconds=RETRY_BASE_S * 2 ** (attempts - 1)),
                )
            )
            log.warning(
                "mass email %s to %s: %s %s (%s)",
                self.plan.email_id,
                row.address,
                code,
                reason,
                "failed" if failed else "will retry",
            )
            return
        self.claims.sent = row.id


async def _members_sent(conn: AsyncConnection, plan: Plan) -> None:
    """The campaign members this email was sent to -> sent (unless further already): one statement per kind of member."""
    for column, member in (
        (MassEmailSend.contact_id, CampaignMember.contact_id),
        (MassEmailSend.lead_id, CampaignMember.lead_id),
    ):
        await conn.execute(
            update(CampaignMember)
            .where(
                CampaignMember.campaign_id == plan.campaign_id,
                CampaignMember.status == MemberStatus.enrolled.value,
                member.in_(
                    select(column).where(
                        MassEmailSend.email_id == plan.email_id, MassEmailSend.status == SendStatus.sent
                    )
                ),
            )
            .values(status=advance(MemberStatus.sent))
        )


async def bounce(db: Database, plan: Plan, row: Any, reason: str) -> None:
    """A 5xx: the recipient is bounced, the address suppressed, the member marked and the contact's timeline told."""
    async with db.session() as session:
        await session.execute(
            update(MassEmailSend)
            .where(MassEmailSend.id == row.id)
            .values(status=SendStatus.bounced, error=reason[:1000])
        )
        await session.execute(
            insert(Suppression)
            .values(
                address=row.address,
                reason="bounced",
                detail=reason[:1000],
                contact_id=row.contact_id,
                campaign_id=plan.campaign_id,
            )
            .on_conflict_do_nothing()
        )
        column, value = (
            (CampaignMember.contact_id, row.contact_id) if row.contact_id else (CampaignMember.lead_id, row.lead_id)
        )
        await session.execute(
            update(CampaignMember)
            .where(CampaignMember.campaign_id == plan.campaign_id, column == value)
            .values(status=advance(MemberStatus.bounced))
        )
        await record_activity(
            session,
            Actor.system(),
            type=ActivityType.email,
            action="bounced",
            subject=f"Campaign email to {row.address} bounced ({reason[:200]}); the address is suppressed",
            on=[(RecordType.contact, row.contact_id), (RecordType.lead, row.lead_id)],
            details={"campaign_id": str(plan.campaign_id), "email_id": str(plan.email_id)},
        )


async def _finish(db: Database, email_id: uuid.UUID) -> MassEmailStatus:
    """Sent when nobody is left pending; else the job is queued again for the next retry that is due."""
    async with db.session() as session:
        email = await session.get(MassEmail, email_id, with_for_update=True)
        if email is None or email.status is not MassEmailStatus.sending:
            return email.status if email else MassEmailStatus.sent
        retry_at = await session.scalar(
            select(func.min(MassEmailSend.due_at)).where(
                MassEmailSend.email_id == email_id, MassEmailSend.status == SendStatus.pending
            )
        )
        if retry_at is not None:
            await requeue(session, email_id, retry_at)
            return MassEmailStatus.sending
        email.status, email.finished_at = MassEmailStatus.sent, utcnow()
        return MassEmailStatus.sent
