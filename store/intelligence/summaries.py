"""Summaries of tickets, assistant conversations, calls and accounts.

Each summary is structured facts plus a short text. Offline the text is extractive: the thread's most
central sentences (embedding centrality, blended with position and, for tickets, closeness to the
subject) under a one-line headline. Given a `Writer` (the online LLM), the text is the model's, written from the
same facts and thread with the prompts in `prompts/summaries/`; when the model fails, the summary
falls back to the extractive text and `method` says which one was used.

Every read goes through the caller's rights via the services; only `summarize_ticket` writes (the
summary, sentiment and intent on the ticket), and only for callers who may update tickets.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from prompts import render
from prompts.money import money_short
from store.access import Actor, CallerRole, allowed, require
from store.embeddings import Embedder
from store.intelligence.text import (
    Intent,
    Sentiment,
    error_codes,
    intent,
    questions,
    sentiment,
    split_sentences,
)
from store.intelligence.writer import Writer, WriterError
from store.models import Account, Call, Contact, Note, Ticket, TicketMessage, User
from store.models.base import Entity
from store.models.enums import AuthorType, RecordType
from store.serialize import ref
from store.services.conversations import ConversationService
from store.services.engagements import EngagementService
from store.services.tickets import TicketService
from store.services.timeline import timeline
from store.services.views import ViewService

log = logging.getLogger(__name__)

Method = Literal["extractive", "llm"]
MIN_WORDS = 3  # shorter lines (greetings, sign-offs) are never picked as key sentences
POSITION_WEIGHT = 0.15
FOCUS_WEIGHT = 0.35
INTERNAL_READERS = {CallerRole.support, CallerRole.manager}
KEY_CONTACTS = 3  # people an account summary names (whom to talk to)
HUMAN_WRITTEN = {"Note", "Call", "Meeting", "Email"}  # account timeline entries whose words carry the customer's mood


@dataclass
class Summary:
    """A record's summary: text, structured facts, the records it drew on and how the text was made.

    `stored` is True when the summary was saved on the record (tickets, for callers who may update them).
    """

    text: str
    facts: dict[str, Any]
    sentiment: Sentiment | None
    intent: Intent | None
    sources: list[dict[str, str]]
    method: Method
    stored: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Turn:
    """One contribution to a thread: who said it, what, and when."""

    speaker: str
    text: str
    at: datetime

    def line(self) -> str:
        return f"[{self.at:%Y-%m-%d %H:%M}] {self.speaker}: {self.text}"


# ---------------------------------------------------------------- extractive core


def rank(
    sentences: Sequence[str],
    embedder: Embedder,
    k: int = 3,
    *,
    focus: str | None = None,
    position_weight: float = POSITION_WEIGHT,
) -> list[int]:
    """Indices of the `k` most central sentences, in their original order.

    Centrality is a sentence's mean cosine similarity to the others (one batched embedding call),
    blended with closeness to `focus` (e.g. a ticket's subject) and a small bonus for coming early.
    """
    n = len(sentences)
    if n <= k:
        return list(range(n))
    vectors = embedder.embed([*sentences, *([focus] if focus else [])])
    body = vectors[:n]
    score = ((body @ body.T).sum(axis=1) - 1.0) / (n - 1)
    if focus:
        score = (1 - FOCUS_WEIGHT) * score + FOCUS_WEIGHT * (body @ vectors[n])
    score = (1 - position_weight) * score + position_weight * (1 - np.arange(n) / (n - 1))
    return sorted(np.argsort(-score, kind="stable")[:k].tolist())


def extractive(sentences: Sequence[str], embedder: Embedder, k: int = 3, *, focus: str | None = None) -> list[str]:
    """The `k` most central sentences in their original order (see `rank`)."""
    return [sentences[i] for i in rank(sentences, embedder, k, focus=focus)]


def key_lines(turns: Sequence[Turn], embedder: Embedder, k: int = 3, *, focus: str | None = None) -> list[str]:
    """The thread's key sentences, each labelled with its speaker; duplicates and short lines are skipped."""
    seen: dict[str, str] = {}
    for turn in turns:
        for sentence in split_sentences(turn.text):
            if len(sentence.split()) >= MIN_WORDS:
                seen.setdefault(sentence, turn.speaker)
    sentences = list(seen)
    return [f"{seen[s]}: {s}" for s in extractive(sentences, embedder, k, focus=focus)]


# ---------------------------------------------------------------- writing the text


async def _ask(write: Writer, kind: str, facts: dict[str, Any], turns: Sequence[Turn]) -> str | None:
    """The model's summary, or None when the endpoint fails or answers nothing."""
    request = render(
        f"summaries/{kind}.md",
        facts=json.dumps(facts, indent=2, ensure_ascii=False, default=str),
        thread=[t.line() for t in turns],
    )
    try:
        return await write(render("summaries/system.md"), request) or None
    except WriterError as err:
        log.warning("summary of a %s: the model failed (%s); using the extractive summary", kind, err)
        return None


async def _write(
    kind: str,
    facts: dict[str, Any],
    turns: Sequence[Turn],
    embedder: Embedder,
    writer: Writer | None,
    *,
    headline: str,
    extra: Sequence[str] = (),
    focus: str | None = None,
) -> tuple[str, Method]:
    """The model's text when a model is given and answers, else headline + key sentences + extra lines."""
    if writer is not None and (text := await _ask(writer, kind, facts, turns)):
        return text, "llm"
    return "\n".join([headline, *key_lines(turns, embedder, focus=focus), *extra]), "extractive"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# ---------------------------------------------------------------- tickets


def sees_internal_notes(actor: Actor) -> bool:
    """Internal ticket notes are for support, managers, admins and the system; not for reps."""
    return actor.sees_everything or actor.role in INTERNAL_READERS


SPEAKERS = {AuthorType.customer: "Customer", AuthorType.agent: "Agent", AuthorType.assistant: "Assistant"}


def ticket_turns(ticket: Ticket, messages: Sequence[TicketMessage]) -> list[Turn]:
    """The public thread: the description (unless the first message repeats it), then the non-internal messages."""
    public = [m for m in messages if not m.internal]
    turns = [Turn(SPEAKERS[m.author_type], m.body, m.created_at) for m in public]
    if ticket.description and not any(m.body.strip() == ticket.description.strip() for m in public[:1]):
        turns.insert(0, Turn("Customer", ticket.description, ticket.created_at))
    return turns


def open_questions(turns: Sequence[Turn]) -> list[str]:
    """Customer questions that no later agent or assistant reply followed."""
    replied = max((i for i, t in enumerate(turns) if t.speaker != "Customer"), default=-1)
    return [q for t in turns[replied + 1 :] if t.speaker == "Customer" for q in questions(t.text)]


async def _last_action(session: AsyncSession, ticket: Ticket, turns: Sequence[Turn]) -> dict[str, str] | None:
    """The latest public reply or status change, with its date."""
    candidates = [(t.at, f"{t.speaker.lower()} reply: {t.text[:160]}") for t in turns if t.speaker != "Customer"]
    for activity in await timeline(session, RecordType.ticket, ticket.id, limit=50):
        if "status" in (activity.details or {}):
            candidates.append((activity.occurred_at, f"status changed to {activity.details['status']}"))
            break
    if not candidates:
        return None
    at, what = max(candidates, key=lambda c: c[0])
    return {"at": at.isoformat(), "what": what}


async def _ticket_facts(
    session: AsyncSession, ticket: Ticket, turns: Sequence[Turn]
) -> tuple[dict[str, Any], list[Entity]]:
    """The ticket's facts (from the public thread) and the records they name."""
    contact = await session.get(Contact, ticket.requester_contact_id) if ticket.requester_contact_id else None
    account = await session.get(Account, ticket.account_id) if ticket.account_id else None
    assignee = await session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    said = [t.text for t in turns if t.speaker == "Customer"]
    facts = {
        "ticket": ticket.name,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "customer": contact.name if contact else account.name if account else ticket.requester_email,
        "customer_email": contact.email if contact else ticket.requester_email,
        "account": account.name if account else None,
        "assignee": assignee.name if assignee else None,
        "product": ticket.product,
        "opened": ticket.created_at.isoformat(),
        "sentiment": sentiment(said),
        "intent": intent(" ".join([ticket.subject, *said])),
        "error_codes": error_codes("\n".join([ticket.subject, *said])),
        "last_action": await _last_action(session, ticket, turns),
        "open_questions": open_questions(turns),
        "messages": len(turns),
    }
    return facts, [r for r in (ticket, contact, account) if r is not None]


def _ticket_extras(facts: dict[str, Any]) -> tuple[str, list[str]]:
    """Headline and closing lines (open questions, last action) of an extractive ticket summary."""
    who = (
        f"{facts['customer']} ({facts['account']})"
        if facts["account"] and facts["customer"] != facts["account"]
        else facts["customer"]
    )
    headline = (
        f"Ticket {facts['ticket']}: {facts['status']}, {facts['priority']} priority, from {who or 'an unknown requester'}; "
        f"{facts['intent'].replace('_', ' ')}, {facts['sentiment']} sentiment."
    )
    extra = [f"Open question: {q}" for q in facts["open_questions"]]
    if last := facts["last_action"]:
        extra.append(f"Last action ({last['at'][:10]}): {last['what']}")
    return headline, extra


async def summarize_ticket(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID | str, embedder: Embedder, *, writer: Writer | None = None
) -> Summary:
    """Summarize a ticket's thread and save summary, sentiment and intent on the ticket.

    Needs tickets read. The summary is saved only when the caller may also update tickets; a
    read-only caller gets it back unsaved (`stored` False). The text covers the public thread only,
    because it is saved where every ticket reader sees it; callers who may see internal notes
    (`sees_internal_notes`) get them in `facts["internal_notes"]`, never in the text.
    """
    tickets = TicketService(session, actor)
    ticket = await tickets.get(ticket_id)
    messages = await tickets.messages(ticket.id, include_internal=sees_internal_notes(actor))
    turns = ticket_turns(ticket, messages)
    facts, records = await _ticket_facts(session, ticket, turns)
    headline, extra = _ticket_extras(facts)
    text, method = await _write(
        "ticket", facts, turns, embedder, writer, headline=headline, extra=extra, focus=ticket.subject
    )
    stored = allowed(actor, "tickets", "write")
    if stored:
        ticket.summary, ticket.sentiment, ticket.intent = text, facts["sentiment"], facts["intent"]
        await tickets.flush()
    if sees_internal_notes(actor):
        facts["internal_notes"] = [Turn("Internal note", m.body, m.created_at).line() for m in messages if m.internal]
    return Summary(
        text=text,
        facts=facts,
        sentiment=facts["sentiment"],
        intent=facts["intent"],
        sources=[ref(r) for r in records],
        method=method,
        stored=stored,
    )


# ---------------------------------------------------------------- assistant conversations


async def summarize_conversation(
    session: AsyncSession,
    actor: Actor,
    conversation_id: uuid.UUID | str,
    embedder: Embedder,
    *,
    writer: Writer | None = None,
) -> Summary:
    """Summarize one of the caller's assistant conversations (another caller's does not exist for them)."""
    conversations = ConversationService(session, actor)
    conversation = await conversations.get(conversation_id)
    history = await conversations.history(conversation, limit=500)
    turns = [
        Turn("User" if m.role == "user" else "Assistant", m.content, m.created_at)
        for m in history
        if m.role in ("user", "assistant") and m.content and m.content.strip()
    ]
    asked = [t.text for t in turns if t.speaker == "User"]
    mood, purpose = sentiment(asked), intent(" ".join(asked))
    tools = Counter(c["name"] for m in history for c in m.tool_calls or [])
    pending = [p.summary for p in await conversations.pending(conversation)]
    facts = {
        "title": conversation.title,
        "channel": conversation.channel.value,
        "started": conversation.created_at.isoformat(),
        "last_message": turns[-1].at.isoformat() if turns else None,
        "user_messages": len(asked),
        "assistant_messages": len(turns) - len(asked),
        "tools_used": dict(tools),
        "pending_approvals": pending,
        "sentiment": mood,
        "intent": purpose,
    }
    headline = (
        f"Conversation{f' {conversation.title!r}' if conversation.title else ''} on {conversation.channel.value}, "
        f"{conversation.created_at:%Y-%m-%d}: {_count(len(asked), 'user message')}, {_count(sum(tools.values()), 'tool call')}."
    )
    extra = [f"Waiting for approval: {p}" for p in pending]
    text, method = await _write("conversation", facts, turns, embedder, writer, headline=headline, extra=extra)
    return Summary(text=text, facts=facts, sentiment=mood, intent=purpose, sources=[ref(conversation)], method=method)


# ---------------------------------------------------------------- calls


def _minutes(seconds: int) -> str:
    return f"{round(seconds / 60)} min" if seconds >= 60 else f"{seconds} s"


async def summarize_call(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID | str, embedder: Embedder, *, writer: Writer | None = None
) -> Summary:
    """Summarize a logged call: who, when, how long, the outcome, the related records and the notes.

    Needs activities read and read rights on each record the call is about (contact, lead, deal, account).
    """
    require(actor, "activities", "read")
    engagements = EngagementService(session, actor)
    call = await engagements.load(Call, call_id, field="call_id")
    related = {
        kind: await engagements.target_for_read(kind, rid)
        for kind, rid in (
            (RecordType.contact, call.contact_id),
            (RecordType.lead, call.lead_id),
            (RecordType.deal, call.deal_id),
            (RecordType.account, call.account_id),
        )
        if rid
    }
    caller = await session.get(User, call.user_id) if call.user_id else None
    person = related.get(RecordType.contact) or related.get(RecordType.lead)
    turns = [Turn("Notes", call.notes, call.call_at)] if call.notes else []
    mood, purpose = (sentiment(call.notes), intent(call.notes)) if call.notes else (None, None)
    facts = {
        "direction": call.direction.value,
        "outcome": call.outcome.value,
        "when": call.call_at.isoformat(),
        "duration_seconds": call.duration,
        "by": caller.name if caller else None,
        "with": person.name if person else None,
        "related": {kind.value: record.name for kind, record in related.items()},
        "sentiment": mood,
        "intent": purpose,
    }
    about = ", ".join(f"{kind.value} {record.name}" for kind, record in related.items() if record is not person)
    headline = (
        f"{call.direction.value.capitalize()} call with {facts['with'] or 'an unknown person'} on {call.call_at:%Y-%m-%d}"
        f"{f' by {caller.name}' if caller else ''}: {_minutes(call.duration)}, {call.outcome.value.replace('_', ' ')}"
        f"{f' ({about})' if about else ''}."
    )
    if not call.notes:
        headline += " No notes were taken."
    text, method = await _write("call", facts, turns, embedder, writer, headline=headline)
    sources = [ref(call), *(ref(r) for r in related.values())]
    return Summary(text=text, facts=facts, sentiment=mood, intent=purpose, sources=sources, method=method)


# ---------------------------------------------------------------- accounts


def _pipeline(deals: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Facts on the open deals of a 360 view: count, value and {stage: {count, value}}.

    The view is redacted for its reader: without amounts there are counts only, and no values.
    """
    open_deals = [d for d in deals if d["open"]]
    priced = all("amount" in d for d in open_deals)
    stages: dict[str, dict[str, Any]] = {}
    for deal in open_deals:
        stage = stages.setdefault(deal["stage"], {"count": 0, "value": Decimal(0)})
        stage["count"] += 1
        stage["value"] += Decimal(deal["amount"]) if priced else 0
    facts: dict[str, Any] = {
        "open_deals": len(open_deals),
        "pipeline_by_stage": {
            k: {"count": s["count"]} | ({"value": str(s["value"])} if priced else {}) for k, s in stages.items()
        },
    }
    if priced:
        facts["open_pipeline"] = str(sum((s["value"] for s in stages.values()), Decimal(0)))
    return facts


def _account_headline(facts: dict[str, Any]) -> str:
    kind = ", ".join(filter(None, [facts["type"], facts["tier"]]))
    health = f", health {facts['health_score']}" if facts["health_score"] is not None else ""
    by_stage = ", ".join(f"{stage} {s['count']}" for stage, s in facts["pipeline_by_stage"].items())
    by_priority = ", ".join(f"{n} {p}" for p, n in facts["open_tickets_by_priority"].items())
    worth = f" worth {money_short(Decimal(facts['open_pipeline']))}" if "open_pipeline" in facts else ""
    headline = (
        f"{facts['account']} ({kind}){health}: {_count(facts['open_deals'], 'open deal')}{worth}"
        f"{f' ({by_stage})' if by_stage else ''}; "
        f"{_count(len(facts['open_tickets']), 'open ticket')}{f' ({by_priority})' if by_priority else ''}."
    )
    people = ", ".join(f"{c['name']} ({c['title']})" if c["title"] else c["name"] for c in facts["contacts"])
    last = facts["last_activity"]
    return (
        headline
        + (f" Contacts: {people}." if people else "")
        + (f" Last activity {last['at'][:10]}: {last['what']}" if last else "")
    )


async def summarize_account(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID | str,
    embedder: Embedder,
    *,
    writer: Writer | None = None,
) -> Summary:
    """Summarize an account from its 360 view: pipeline, open tickets, health and recent activity and notes.

    Needs read rights on the account; deals are those the caller may see.
    """
    view = await ViewService(session, actor).account_360(account_id, timeline_limit=30)
    info = view["account"]
    notes = await session.scalars(
        select(Note)
        .where(Note.related_type == RecordType.account, Note.related_id == uuid.UUID(info["id"]))
        .order_by(Note.created_at.desc())
        .limit(20)
    )
    turns = [Turn("Note", n.body, n.created_at) for n in notes]
    turns += [
        Turn(a["type"].capitalize(), a["subject"], datetime.fromisoformat(a["at"]))
        for a in view["timeline"]
        if a["type"] not in ("account", "note")
    ]
    turns.sort(key=lambda t: t.at, reverse=True)  # newest first
    tickets = view["open_tickets"]
    last = view["timeline"][0] if view["timeline"] else None
    facts = {
        "account": info["name"],
        "type": info["type"],
        "tier": info["tier"],
        "owner": info["owner"],
        "health_score": info["health_score"],
        **_pipeline(view["deals"]),
        "open_tickets": [{k: t[k] for k in ("number", "subject", "status", "priority")} for t in tickets],
        "open_tickets_by_priority": dict(Counter(t["priority"] for t in tickets)),
        "last_activity": {"at": last["at"], "what": last["subject"]} if last else None,
        "contacts": [{"name": c["name"], "title": c["title"]} for c in view["contacts"][:KEY_CONTACTS]],
    }
    said = [t.text for t in reversed(turns) if t.speaker in HUMAN_WRITTEN]  # oldest first: the latest weighs most
    mood = sentiment(said) if said else None
    text, method = await _write("account", facts, turns, embedder, writer, headline=_account_headline(facts))
    sources = [{"type": "account", "id": info["id"], "name": info["name"]}]
    sources += [{"type": "deal", "id": d["id"], "name": d["deal_name"]} for d in view["deals"] if d["open"]]
    sources += [{"type": "ticket", "id": t["id"], "name": f"#{t['number']} {t['subject']}"} for t in tickets]
    return Summary(text=text, facts=facts, sentiment=mood, intent=None, sources=sources, method=method)
