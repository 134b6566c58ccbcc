"""Replies out: composed from the inbox's address with the thread's In-Reply-To/References and a Message-ID we
recognise when the customer answers; delivered over NEXA_SMTP_URL at most once.

The MIME is composed when the agent sends (so the stored message is exactly what goes out) and handed to the SMTP
server by the `inbox.send` job at most once, with the steps drafted emails take (`store.services.send_once`):
claimed `queued` -> `sending` in its own committed transaction first, marked `sent` after; a retry never sends twice.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr

from store.access import Actor
from store.clock import utcnow
from store.db import Database
from store.errors import InvalidInput, NotFound
from store.models import Inbox, InboxConversation, InboxMessage, User
from store.models.enums import ActivityType, RecordType
from store.models.inbox import DeliveryState, Direction
from store.services.emails import SmtpTarget
from store.services.send_once import claim, release
from store.services.timeline import record_activity
from store.settings import Settings

OUR_HEADER = "X-Nexa-Inbox"  # on everything we send: if it ever comes back in, it is a loop


class ReplyFailed(Exception):
    """The SMTP server refused or could not be reached; the reply is queued again (or failed, at the last attempt)."""


def our_message_id(inbox: Inbox, message_uuid: uuid.UUID) -> str:
    return f"<{message_uuid}.{inbox.name}@{inbox.address.rpartition('@')[2]}>"


def compose_reply(
    inbox: Inbox,
    conversation: InboxConversation,
    answered: InboxMessage,
    author: User,
    text: str,
    *,
    ticket_number: int | None,
) -> InboxMessage:
    """The outbound message (state queued, MIME composed) answering `answered`, the customer's latest message."""
    message_uuid = uuid.uuid4()
    subject = conversation.subject if conversation.subject.lower().startswith("re:") else f"Re: {conversation.subject}"
    if ticket_number is not None and f"[#{ticket_number}]" not in subject:
        subject = f"{subject} [#{ticket_number}]"
    references = [*answered.references, answered.message_id][-20:]
    mime = EmailMessage(policy=policy.SMTP)
    mime["From"] = formataddr((f"{author.name} ({inbox.name})", inbox.address))
    mime["To"] = conversation.customer_email or answered.from_address or ""
    mime["Subject"] = subject
    mime["Date"] = format_datetime(utcnow())
    mime["Message-ID"] = our_message_id(inbox, message_uuid)
    mime["In-Reply-To"] = answered.message_id
    mime["References"] = " ".join(references)
    mime[OUR_HEADER] = inbox.name
    mime["Auto-Submitted"] = "no"
    mime.set_content(text)
    return InboxMessage(
        id=message_uuid,
        inbox_id=inbox.id,
        conversation_id=conversation.id,
        direction=Direction.outbound,
        state=DeliveryState.queued,
        message_id=mime["Message-ID"],
        in_reply_to=answered.message_id,
        references=references,
        from_address=inbox.address,
        from_name=author.name,
        to_addresses=[mime["To"]],
        subject=subject[:500],
        text_body=text,
        reply_text=text,
        headers=[[k, str(v)] for k, v in mime.items()],
        raw_mime=mime.as_bytes(),
        author_id=author.id,
    )


async def _claim(db: Database, message_id: uuid.UUID) -> bytes | None:
    """queued -> sending (committed); the MIME to send, or None when there is nothing to send."""
    async with db.session() as session:
        message = await session.get(InboxMessage, message_id, with_for_update=True)
        if message is None or message.direction is not Direction.outbound:
            raise NotFound("message_id", f"no outbound inbox message {message_id}")
        return message.raw_mime if claim(message, field="state", what=f"inbox reply {message_id}") else None


async def deliver(
    db: Database, message_id: uuid.UUID | str, settings: Settings, *, last_attempt: bool
) -> DeliveryState | None:
    """Send a queued reply over SMTP and put it on the timeline; the state it ends in (None: it was not queued)."""
    message_id = uuid.UUID(str(message_id))
    raw = await _claim(db, message_id)
    if raw is None:
        return None
    mime = BytesParser(policy=policy.SMTP).parsebytes(raw)
    try:
        await asyncio.to_thread(SmtpTarget.parse(settings.smtp_url).send, mime)
    except (OSError, smtplib.SMTPException, InvalidInput) as err:
        async with db.session() as session:
            release(
                await session.get(InboxMessage, message_id, with_for_update=True),
                field="state",
                last_attempt=last_attempt,
            )
        raise ReplyFailed(f"inbox reply {message_id}: {err}") from err
    async with db.session() as session:
        message = await session.get(InboxMessage, message_id, with_for_update=True)
        message.state, message.sent_at = DeliveryState.sent, utcnow()  # type: ignore[union-attr]
        conversation = await session.get(InboxConversation, message.conversation_id)  # type: ignore[union-attr]
        author = await session.get(User, message.author_id) if message.author_id else None  # type: ignore[union-attr]
        await record_activity(
            session,
            Actor.system(),
            type=ActivityType.email,
            action="sent",
            subject=f"Email sent by {author.name if author else 'an agent'} to {', '.join(message.to_addresses)}: {message.subject}",  # type: ignore[union-attr]
            on=[
                (RecordType.contact, conversation.contact_id),  # type: ignore[union-attr]
                (RecordType.ticket, conversation.ticket_id),  # type: ignore[union-attr]
                (RecordType.deal, conversation.deal_id),  # type: ignore[union-attr]
            ],
            details={"conversation_id": str(message.conversation_id), "message_id": str(message.id)},  # type: ignore[union-attr]
        )
    return DeliveryState.sent
