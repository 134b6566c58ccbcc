"""Delivering a queued email at most once: claimed in its own committed transaction before SMTP, marked sent after
(`store.services.send_once`: a retry never sends twice). An SMTP error before the server accepted it puts the
email back to `queued` and raises, so that the job is retried with backoff; after the last attempt it is `failed`.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from collections.abc import Sequence
from email.message import EmailMessage as MimeMessage

from store.access import Actor
from store.auth import actor_for
from store.clock import utcnow
from store.db import Database
from store.errors import InvalidInput, NotFound
from store.models import EmailMessage, Quote, User
from store.models.enums import EmailStatus
from store.services import quote_documents
from store.services.emails import EmailService, SmtpTarget
from store.services.quotes import QuoteService
from store.services.send_once import claim, release
from store.settings import Settings


class DeliveryFailed(Exception):
    """The SMTP server refused or could not be reached; the email is queued again (or failed, at the last attempt)."""


def compose(email: EmailMessage, settings: Settings, attachments: Sequence[tuple[str, bytes]] = ()) -> MimeMessage:
    """The MIME message (with its PDF `attachments`); its Message-ID is derived from the email's id, the same on every attempt."""
    mime = MimeMessage()
    sender = email.from_address or settings.smtp_from or "nexa@localhost"
    mime["From"] = sender
    mime["To"] = ", ".join(email.to_addresses)
    if email.cc_addresses:
        mime["Cc"] = ", ".join(email.cc_addresses)
    mime["Subject"] = email.subject
    mime["Message-ID"] = f"<{email.id}@{sender.rpartition('@')[2] or 'localhost'}>"
    mime.set_content(email.body)
    for filename, data in attachments:
        mime.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return mime


async def _claim(db: Database, email_id: uuid.UUID, settings: Settings) -> MimeMessage | None:
    """queued -> sending (committed); None when there is nothing to send."""
    async with db.session() as session:
        email = await session.get(EmailMessage, email_id, with_for_update=True)
        if email is None:
            raise NotFound("email_id", f"no email {email_id}")
        if not claim(email, field="status", what=f"email {email_id}"):
            return None
        attachments = []
        if email.quote_id is not None:
            quote = await session.get(Quote, email.quote_id)
            if quote is not None:
                view = await QuoteService(session, Actor.system()).view(quote)
                attachments.append((f"{quote.quote_number}.pdf", quote_documents.pdf(view)))
        return compose(email, settings, attachments)


async def deliver(
    db: Database, email_id: uuid.UUID | str, settings: Settings, *, last_attempt: bool
) -> EmailStatus | None:
    """Send a queued email over SMTP and log it on the timeline; the status it ends in (None: it was not queued)."""
    email_id = uuid.UUID(str(email_id))
    mime = await _claim(db, email_id, settings)
    if mime is None:
        return None
    try:
        await asyncio.to_thread(SmtpTarget.parse(settings.smtp_url).send, mime)
    except (OSError, smtplib.SMTPException, InvalidInput) as err:
        async with db.session() as session:
            release(
                await session.get(EmailMessage, email_id, with_for_update=True),
                field="status",
                last_attempt=last_attempt,
            )
        raise DeliveryFailed(f"email {email_id}: {err}") from err
    async with db.session() as session:
        email = await session.get_one(EmailMessage, email_id, with_for_update=True)
        email.status, email.sent_at = EmailStatus.sent, utcnow()
        author = await session.get(User, email.author_id) if email.author_id else None
        await EmailService(session, actor_for(author) if author else Actor.system()).touch(
            email, "sent", f"Email sent to {', '.join(email.to_addresses)}: {email.subject}"
        )
    return EmailStatus.sent
