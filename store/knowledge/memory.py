"""Conversation memory: embeddings of ticket and assistant messages, searched within the caller's rights."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, allowed
from store.embeddings import Embedder, embed_cached
from store.models import ConversationMessage, TicketMessage

INDEX_BATCH = 256


@dataclass
class Match:
    kind: str  # "ticket" or "conversation"
    record_id: str
    label: str
    text: str
    score: float
    at: datetime

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"at": self.at.isoformat(), "score": round(self.score, 3)}


async def index_pending(session: AsyncSession, embedder: Embedder, *, limit: int = INDEX_BATCH) -> int:
    """Embed up to `limit` ticket and conversation messages that have no embedding yet."""
    done = 0
    for model, wanted in ((TicketMessage, TicketMessage.body), (ConversationMessage, ConversationMessage.content)):
        stmt = select(model.id, wanted).where(model.embedding.is_(None), wanted.isnot(None))
        if model is ConversationMessage:
            stmt = stmt.where(ConversationMessage.role.in_(("user", "assistant")))
        rows = (await session.execute(stmt.limit(limit - done))).all()
        if not rows:
            continue
        vectors = await asyncio.to_thread(embedder.embed, [(body or "")[:2000] for _, body in rows])
        for (row_id, _body), vector in zip(rows, vectors):
            await session.execute(update(model).where(model.id == row_id).values(embedding=vector.tolist()))
        done += len(rows)
    return done


async def search_memory(
    session: AsyncSession, embedder: Embedder, actor: Actor, query: str, *, limit: int = 5
) -> list[Match]:
    """Ticket threads (when the caller may read tickets) and the caller's own conversations nearest to `query`."""
    await index_pending(session, embedder)
    # the question's vector, off the event loop; the chat turn that asks it has usually embedded it already
    vector = str((await asyncio.to_thread(embed_cached, embedder, [query]))[0].tolist())
    matches: list[Match] = []
    if allowed(actor, "tickets", "read"):
        rows = await session.execute(
            text(
                "SELECT t.id, t.number, t.subject, m.body, m.created_at, 1 - (m.embedding <=> CAST(:v AS vector)) AS score "
                "FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.embedding IS NOT NULL "
                "ORDER BY m.embedding <=> CAST(:v AS vector) LIMIT :k"
            ),
            {"v": vector, "k": limit * 3},
        )
        seen = set()
        for r in rows:
            if r.id not in seen:
                seen.add(r.id)
                matches.append(
                    Match("ticket", str(r.id), f"#{r.number} {r.subject}", r.body, float(r.score), r.created_at)
                )
    if actor.user_id is not None or actor.customer_session is not None:
        rows = await session.execute(
            text(
                "SELECT c.id, coalesce(c.title, 'conversation') AS title, m.content, m.created_at, "
                "1 - (m.embedding <=> CAST(:v AS vector)) AS score FROM conversation_messages m "
                "JOIN conversations c ON c.id = m.conversation_id "
                "WHERE m.embedding IS NOT NULL AND (c.user_id = :uid OR c.customer_session = :cs) "
                "ORDER BY m.embedding <=> CAST(:v AS vector) LIMIT :k"
            ),
            {"v": vector, "k": limit, "uid": actor.user_id, "cs": actor.customer_session},
        )
        matches += [Match("conversation", str(r.id), r.title, r.content, float(r.score), r.created_at) for r in rows]
    return sorted(matches, key=lambda m: m.score, reverse=True)[:limit]
