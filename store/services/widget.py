"""The help-center widget's customer side: one conversation per anonymous session, feedback, CSAT and handoff.

A widget customer is an `Actor.customer(session)` whose `customer_session` is the hash of the token
in their browser; everything here is scoped to that one conversation, so a session can neither see
nor touch another session's history. The handoff opens a ticket as the system (customers have no
ticket rights) carrying the transcript and the reason, once per conversation.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from pydantic import Field
from sqlalchemy import select

from store.access import Actor
from store.errors import InvalidInput
from store.models import Contact, Conversation, ConversationMessage, Ticket
from store.models.enums import Channel, Priority, TicketChannel
from store.schemas import EmailStr, Input, parse
from store.services.base import Service
from store.services.conversations import ConversationService
from store.services.tickets import TicketService

TOKEN_BYTES = 24


def new_session_token() -> str:
    """A fresh anonymous session token for a browser (kept in its localStorage)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def customer_actor(token: str) -> Actor:
    """The caller a widget token stands for; only the token's hash is ever stored."""
    if not token or len(token) < 16 or len(token) > 200:
        raise InvalidInput("X-Nexa-Session", "a widget session token is required (POST /api/v1/widget/session)")
    return Actor.customer(hashlib.sha256(token.encode()).hexdigest())


class Handoff(Input):
    email: EmailStr
    consent: bool
    reason: str = Field("", max_length=2000)


class Csat(Input):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)


class WidgetService(Service):
    """What a widget customer may do with their own conversation."""

    @property
    def external_ref(self) -> str:
        assert self.actor.customer_session and self.actor.channel is Channel.widget
        return f"widget:{self.actor.customer_session}"

    async def conversation(self, *, create: bool = True) -> Conversation | None:
        """This session's conversation (made on first use)."""
        found = await self.session.scalar(select(Conversation).where(Conversation.external_ref == self.external_ref))
        if found is not None or not create:
            return found
        return await ConversationService(self.session, self.actor).open(None, external_ref=self.external_ref, title="Help center chat")

    async def history(self) -> list[dict[str, Any]]:
        """The visible turns: the customer's messages and the assistant's final answers with their citations."""
        conversation = await self.conversation(create=False)
        if conversation is None:
            return []
        rows = await self.session.scalars(
            select(ConversationMessage).where(ConversationMessage.conversation_id == conversation.id)
            .order_by(ConversationMessage.created_at, ConversationMessage.id))
        return [{"role": m.role, "content": m.content, "citations": m.citations or [], "at": m.created_at.isoformat()}
                for m in rows if m.role in ("user", "assistant") and m.content and not m.tool_calls]

    async def feedback(self, helpful: bool) -> None:
        (await self._existing()).helpful = helpful
        await self.flush()

    async def csat(self, data: Csat | dict[str, Any]) -> None:
        values = parse(Csat, data)
        conversation = await self._existing()
        conversation.csat_rating, conversation.csat_comment = values.rating, values.comment
        await self.flush()

    async def handoff(self, data: Handoff | dict[str, Any]) -> Ticket:
        """Open a ticket with the transcript (or return the one already opened for this conversation)."""
        values = parse(Handoff, data)
        if not values.consent:
            raise InvalidInput("consent", "we need your consent to store your email and this conversation in a ticket")
        conversation = await self._existing()
        if conversation.handoff_ticket_id is not None:
            return await self.session.get(Ticket, conversation.handoff_ticket_id)  # type: ignore[return-value]
        turns = await self.history()
        first = next((t["content"] for t in turns if t["role"] == "user"), values.reason or "Help request")
        transcript = "\n\n".join(f"{'Customer' if t['role'] == 'user' else 'Assistant'}: {t['content']}" for t in turns)
        contact = await self.session.scalar(select(Contact).where(Contact.email == values.email))
        ticket = await TicketService(self.session, Actor.system()).create({
            "subject": f"Widget: {first[:120]}", "channel": TicketChannel.widget, "priority": Priority.medium,
            "requester_email": values.email, "requester_contact_id": contact.id if contact else None,
            "description": f"Reason: {values.reason or 'not given'}\n\nTranscript of the help-center chat:\n\n{transcript}",
        })
        conversation.handoff_ticket_id = ticket.id
        await self.flush()
        return ticket

    async def _existing(self) -> Conversation:
        conversation = await self.conversation(create=False)
        if conversation is None:
            raise InvalidInput("conversation", "ask a question first: this session has no conversation yet")
        return conversation
