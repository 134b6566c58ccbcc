"""The help-center widget's customer side: one conversation per anonymous session, feedback, CSAT and handoff.

A widget customer is an `Actor.customer(session)` whose `customer_session` is the hash of the token
in their browser; everything here is scoped to that one conversation, so a session can neither see
nor touch another session's history. The handoff opens a ticket as the system (customers have no
ticket rights) carrying the transcript and the reason, once per conversation.

Anyone can type any email into the widget, so the handoff's email is only claimed: the ticket records it
as an unverified requester (`requester_verified` false), linked to no contact and
no account, so that it counts for no account (alerts, summaries) and carries no customer's name. A link
signed with the server's key and valid for `VERIFY_HOURS` is mailed to the address; following it proves
the address and links the ticket to the contact who owns it (and that contact's account).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from datetime import timedelta
from email.message import EmailMessage as MimeMessage
from typing import Any, Literal, overload

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.clock import utcnow
from store.errors import DomainError, InvalidInput
from store.models import Contact, Conversation, ConversationMessage, Ticket
from store.models.enums import Channel, Priority, TicketChannel
from store.schemas import EmailStr, Input, parse
from store.services.base import Service
from store.services.conversations import ConversationService
from store.services.emails import SmtpTarget
from store.services.tickets import TicketService
from store.settings import Settings

TOKEN_BYTES = 24
VERIFY_HOURS = 24  # how long a mailed verification link stays valid
log = logging.getLogger(__name__)


def new_session_token() -> str:
    """A fresh anonymous session token for a browser (kept in its localStorage)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def customer_actor(token: str) -> Actor:
    """The caller a widget token stands for; only the token's hash is ever stored."""
    if not token or len(token) < 16 or len(token) > 200:
        raise InvalidInput("X-Nexa-Session", "a widget session token is required (POST /api/v1/widget/session)")
    return Actor.customer(hashlib.sha256(token.encode()).hexdigest())


class HandoffRequest(Input):
    """A widget customer's request for a person: where to answer, consent to keep the email and chat, and why."""

    email: EmailStr
    consent: bool
    reason: str = Field("", max_length=2000)


class CsatRequest(Input):
    """A 1-5 rating of the conversation, with an optional comment."""

    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)


class WidgetService(Service):
    """What a widget customer may do with their own conversation."""

    @property
    def external_ref(self) -> str:
        assert self.actor.customer_session and self.actor.channel is Channel.widget
        return f"widget:{self.actor.customer_session}"

    @overload
    async def conversation(self, *, create: Literal[True] = ...) -> Conversation: ...
    @overload
    async def conversation(self, *, create: bool) -> Conversation | None: ...
    async def conversation(self, *, create: bool = True) -> Conversation | None:
        """This session's conversation (made on first use)."""
        found = await self.session.scalar(select(Conversation).where(Conversation.external_ref == self.external_ref))
        if found is not None or not create:
            return found
        return await ConversationService(self.session, self.actor).open(
            None, external_ref=self.external_ref, title="Help center chat"
        )

    async def history(self) -> list[dict[str, Any]]:
        """The visible turns: the customer's messages and the assistant's final answers with their citations."""
        conversation = await self.conversation(create=False)
        if conversation is None:
            return []
        rows = await self.session.scalars(
            select(ConversationMessage)
            .where(ConversationMessage.conversation_id == conversation.id)
            .order_by(ConversationMessage.created_at, ConversationMessage.id)
        )
        return [
            {"role": m.role, "content": m.content, "citations": m.citations or [], "at": m.created_at.isoformat()}
            for m in rows
            if m.role in ("user", "assistant") and m.content and not m.tool_calls
        ]

    async def ticket_number(self) -> int | None:
        """The number of the ticket this session's conversation was handed off to, if any."""
        conversation = await self.conversation(create=False)
        if conversation is None or conversation.handoff_ticket_id is None:
            return None
        return await self.session.scalar(select(Ticket.number).where(Ticket.id == conversation.handoff_ticket_id))

    async def feedback(self, helpful: bool) -> None:
        (await self._existing()).helpful = helpful
        await self.flush()

    async def csat(self, data: CsatRequest | dict[str, Any]) -> None:
        values = parse(CsatRequest, data)
        conversation = await self._existing()
        conversation.csat_rating, conversation.csat_comment = values.rating, values.comment
        await self.flush()

    async def handoff(self, data: HandoffRequest | dict[str, Any]) -> Ticket:
        """Open a ticket with the transcript (or return the one already opened for this conversation)."""
        values = parse(HandoffRequest, data)
        if not values.consent:
            raise InvalidInput("consent", "we need your consent to store your email and this conversation in a ticket")
        conversation = await self._existing()
        if conversation.handoff_ticket_id is not None:
            return await self.session.get(Ticket, conversation.handoff_ticket_id)  # type: ignore[return-value]
        turns = await self.history()
        first = next((t["content"] for t in turns if t["role"] == "user"), values.reason or "Help request")
        transcript = "\n\n".join(f"{'Customer' if t['role'] == 'user' else 'Assistant'}: {t['content']}" for t in turns)
        ticket = await TicketService(self.session, Actor.system()).create(
            {
                "subject": f"Widget: {first[:120]}",
                "channel": TicketChannel.widget,
                "priority": Priority.medium,
                "requester_email": values.email,
                "description": f"Email given in the widget: {values.email}\n\n"
                f"Reason: {values.reason or 'not given'}\n\nTranscript of the help-center chat:\n\n{transcript}",
            }
        )
        ticket.requester_verified = False
        conversation.handoff_ticket_id = ticket.id
        await self.flush()
        return ticket

    async def _existing(self) -> Conversation:
        conversation = await self.conversation(create=False)
        if conversation is None:
            raise InvalidInput("conversation", "ask a question first: this session has no conversation yet")
        return conversation


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verification_token(key: bytes, ticket_id: uuid.UUID, email: str, *, hours: float = VERIFY_HOURS) -> str:
    """A token proving that whoever holds it read mail sent to `email` about that ticket, until it expires."""
    expires = int((utcnow() + timedelta(hours=hours)).timestamp())
    payload = _b64(json.dumps({"ticket": str(ticket_id), "email": email, "expires": expires}).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


async def mail_verification(settings: Settings, ticket: Ticket, base_url: str) -> bool:
    """Mail the verification link for an unverified requester over the configured SMTP server; False when it
    could not be sent (no server, or it refused): the ticket then stays unverified and unlinked."""
    if ticket.requester_verified or not ticket.requester_email:
        return False
    token = verification_token(settings.signing_key(), ticket.id, ticket.requester_email)
    link = f"{(settings.public_url or base_url).rstrip('/')}/api/v1/widget/verify?token={token}"
    mime = MimeMessage()
    mime["From"], mime["To"] = settings.smtp_from or "nexa@localhost", ticket.requester_email
    mime["Subject"] = f"Confirm your email for ticket #{ticket.number}"
    mime.set_content(
        f"You asked for help and gave this address. To let our team link ticket #{ticket.number} to your "
        f"account, open this link within {VERIFY_HOURS} hours:\n\n{link}\n\n"
        "If this was not you, ignore this message: nothing is linked without it."
    )
    try:
        await asyncio.to_thread(SmtpTarget.parse(settings.smtp_url).send, mime)
    except (DomainError, OSError) as err:  # the handoff stands; only the link is missing
        log.warning("verification mail for ticket #%s not sent: %s", ticket.number, err)
        return False
    return True


async def verify_requester(session: AsyncSession, key: bytes, token: str) -> Ticket:
    """Check a mailed link's token (signature, expiry, ticket, address) and link the ticket to the contact who owns
    the address, and to that contact's account. A forged, altered or expired token is refused naming `token`."""
    payload, _, signature = token.partition(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise InvalidInput("token", "this link is not valid (it was altered or not issued by us)")
    claims = json.loads(_unb64(payload))
    if claims["expires"] < utcnow().timestamp():
        raise InvalidInput("token", "this link has expired; ask for help in the widget again")
    ticket = await session.get(Ticket, uuid.UUID(claims["ticket"]))
    if ticket is None or (ticket.requester_email or "").lower() != claims["email"].lower():
        raise InvalidInput("token", "this link does not match a ticket")
    if not ticket.requester_verified:
        contact = await session.scalar(select(Contact).where(Contact.email == claims["email"]))
        ticket.requester_verified = True
        if contact is not None:
            ticket.requester_contact_id, ticket.account_id = contact.id, contact.account_id
        await session.flush()
    return ticket
