"""AI in the loop for inbox threads: a stored summary (refreshed when messages arrive), intent and sentiment, and a
suggested reply grounded in the public help center and in similar resolved tickets, with citations.

A support thread's summary is its ticket's (`summarize_ticket`: the ticket mirrors the thread; the online model
writes it when configured, else it is extractive); a sales thread's is extractive from its own messages. The
suggested reply cites only public articles (it is written to a customer); similar resolved tickets are cited to the
agent beside it, never quoted in it. Nothing here sends anything: the agent edits and sends the reply.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, allowed
from store.clock import utcnow
from store.embeddings import Embedder
from store.inbox.service import InboxService
from store.intelligence.summaries import Turn, key_lines, open_questions, summarize_ticket
from store.intelligence.text import intent, sentiment
from store.intelligence.writer import Writer
from store.knowledge.answers import answer_from
from store.knowledge.memory import search_memory
from store.knowledge.search import RELEVANCE_FLOOR
from store.knowledge.search import search as kb_search
from store.models import Contact, InboxConversation, InboxMessage, Ticket
from store.models.enums import TicketStatus, Visibility
from store.models.inbox import Direction, MailKind

SIMILAR_SCORE = (
    0.45  # cosine between the question and a resolved ticket's message below which the ticket is not "similar"
)


@dataclass
class Suggestion:
    """A draft for the agent: the reply text with [n] markers, what each marker cites, similar resolved tickets."""

    summary: str | None
    intent: str | None
    sentiment: str | None
    reply: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    similar_tickets: list[dict[str, Any]] = field(default_factory=list)
    grounded: bool = False  # False: no article answered the question; the draft only acknowledges it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def turns(messages: list[InboxMessage]) -> list[Turn]:
    """The people's messages of a thread (automated mail left out), new text only."""
    return [
        Turn(
            "Customer" if m.direction is Direction.inbound else f"Agent {m.from_name or ''}".strip(),
            m.reply_text or m.text_body,
            m.created_at,
        )
        for m in messages
        if m.kind is MailKind.normal
    ]


async def summarize(
    session: AsyncSession,
    actor: Actor,
    conversation_id: uuid.UUID | str,
    embedder: Embedder,
    *,
    writer: Writer | None = None,
) -> InboxConversation:
    """Refresh the thread's stored summary, intent and sentiment (stored only for callers who may work the inbox)."""
    service = InboxService(session, actor)
    conversation = await service.get(conversation_id)
    messages = list(
        await session.scalars(
            select(InboxMessage).where(InboxMessage.conversation_id == conversation.id).order_by(InboxMessage.seq)
        )
    )
    thread = turns(messages)
    said = [t.text for t in thread if t.speaker == "Customer"]
    found_intent, found_sentiment = (
        intent(" ".join([conversation.subject, *said])),
        sentiment(said or [conversation.subject]),
    )
    if conversation.ticket_id is not None and allowed(actor, "tickets", "read"):
        text = (await summarize_ticket(session, actor, conversation.ticket_id, embedder, writer=writer)).text
    else:
        who = conversation.customer_email or "an unknown sender"
        headline = (
            f"'{conversation.subject}': {len(thread)} message(s) with {who}; "
            f"{found_intent.replace('_', ' ')}, {found_sentiment} sentiment."
        )
        text = "\n".join(
            [
                headline,
                *key_lines(thread, embedder, focus=conversation.subject),
                *[f"Open question: {q}" for q in open_questions(thread)],
            ]
        )
    if allowed(actor, "inbox", "write"):
        conversation.summary, conversation.summary_at = text, utcnow()
        conversation.intent, conversation.sentiment = found_intent, found_sentiment
        await service.flush()
    return conversation


async def suggest(
    session: AsyncSession, actor: Actor, conversation_id: uuid.UUID | str, embedder: Embedder
) -> Suggestion:
    """A reply the agent can edit and send: grounded in the best public article (cited [1]) and beside it the similar
    resolved tickets; the summary is refreshed first when messages arrived since it was written."""
    service = InboxService(session, actor)
    conversation = await service.get(conversation_id)
    if conversation.summary_at is None or conversation.summary_at <= conversation.last_message_at:
        conversation = await summarize(session, actor, conversation.id, embedder)
    last = await session.scalar(
        select(InboxMessage)
        .where(
            InboxMessage.conversation_id == conversation.id,
            InboxMessage.direction == Direction.inbound,
            InboxMessage.kind == MailKind.normal,
        )
        .order_by(InboxMessage.seq.desc())
        .limit(1)
    )
    question = " ".join(
        filter(None, [conversation.subject, (last.reply_text or last.text_body)[:1500] if last else None])
    )
    contact = await session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    greeting = f"Hi {contact.first_name}," if contact and contact.first_name else "Hi,"
    suggestion = Suggestion(conversation.summary, conversation.intent, conversation.sentiment, reply="")
    hits = [
        h
        for h in await kb_search(session, embedder, question, limit=3, visibilities=(Visibility.public,))
        if h.score >= RELEVANCE_FLOOR
    ]
    if hits:
        composed = await answer_from(session, embedder, question, hits[0].article_id)
        suggestion.reply = (
            f"{greeting}\n\nThanks for getting in touch about {conversation.subject}. {composed.text.strip()} [1]\n\n"
            "Let me know if that solves it."
        )
        suggestion.citations = [
            {
                "n": n,
                "type": "article",
                "article_id": str(h.article_id),
                "title": h.title,
                "url": h.url,
                "snippet": h.snippet,
                "score": round(h.score, 3),
            }
            for n, h in enumerate(hits, start=1)
        ]
        suggestion.grounded = True
    else:
        suggestion.reply = (
            f"{greeting}\n\nThanks for getting in touch about {conversation.subject}. "
            "We are looking into it and will get back to you shortly."
        )
    suggestion.similar_tickets = await _similar_resolved(session, actor, embedder, question, conversation.ticket_id)
    return suggestion


async def _similar_resolved(
    session: AsyncSession, actor: Actor, embedder: Embedder, question: str, own_ticket: uuid.UUID | None
) -> list[dict[str, Any]]:
    """Resolved or closed tickets whose threads are nearest the question (the thread's own ticket left out)."""
    if not allowed(actor, "tickets", "read"):
        return []
    matches = [
        m
        for m in await search_memory(session, embedder, actor, question, limit=10)
        if m.kind == "ticket" and m.score >= SIMILAR_SCORE and m.record_id != str(own_ticket)
    ]
    if not matches:
        return []
    done = {
        t.id: t
        for t in await session.scalars(
            select(Ticket).where(
                Ticket.id.in_([uuid.UUID(m.record_id) for m in matches]),
                Ticket.status.in_([TicketStatus.resolved, TicketStatus.closed]),
            )
        )
    }
    return [
        {
            "type": "ticket",
            "ticket_id": m.record_id,
            "number": done[uuid.UUID(m.record_id)].number,
            "subject": done[uuid.UUID(m.record_id)].subject,
            "summary": done[uuid.UUID(m.record_id)].summary,
            "matched": m.text[:300],
            "score": round(m.score, 3),
        }
        for m in matches
        if uuid.UUID(m.record_id) in done
    ][:3]
