"""Email drafts grounded in one record: the facts are gathered here, the words come from a template or the LLM.

Only the recipient's own record, its deal and its timeline feed a draft, so a draft can
name nothing that belongs to another contact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from prompts import render
from prompts.money import money_short
from store.access import Actor, redact
from store.intelligence.writer import Writer
from store.models import (
    Account,
    Contact,
    Deal,
    DealLineItem,
    Lead,
    Meeting,
    MeetingAttendee,
    Product,
    Ticket,
    User,
)
from store.models.enums import RecordType, TicketStatus
from store.services.timeline import TimelineService

Purpose = Literal["follow_up", "intro", "demo", "proposal", "check_in"]
Tone = Literal["friendly", "formal", "brief"]
PURPOSES: tuple[str, ...] = ("follow_up", "intro", "demo", "proposal", "check_in")
TONES: tuple[str, ...] = ("friendly", "formal", "brief")


@dataclass
class Draft:
    """A composed email before it is saved: subject, body, and how it was written."""

    subject: str
    body: str
    method: str  # "template" or "llm"


async def gather_facts(
    session: AsyncSession,
    reader: Actor,
    sender: User | None,
    *,
    contact: Contact | None = None,
    lead: Lead | None = None,
    deal: Deal | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Everything a draft may mention, from the recipient's own records only, as `reader` may see them (redacted)."""
    person = contact or lead
    assert person is not None
    company = None
    if contact is not None and contact.account_id:
        account = await session.get(Account, contact.account_id)
        company = account.account_name if account else None
    elif lead is not None:
        company = lead.company
    title_name = f"{person.first_name} {person.last_name}"
    facts: dict[str, Any] = {
        "recipient": {
            "first_name": person.first_name,
            "name": title_name,
            "title_name": title_name,
            "email": person.email,
            "company": company,
            "title": person.title,
            "industry": getattr(person, "industry", None),
        },
        "sender": {
            "name": sender.name if sender else "The Nexa team",
            "first_name": (sender.name.split()[0] if sender else "Nexa"),
            "title": sender.title if sender else None,
            "email": sender.email if sender else None,
        },
        "deal": None,
        "last_touch": None,
        "next_meeting": None,
        "open_tickets": 0,
        "referral": lead is not None and str(lead.source) == "referral",
    }
    if deal is not None:
        products = await session.scalars(
            select(Product.name)
            .join(DealLineItem, DealLineItem.product_id == Product.id)
            .where(DealLineItem.deal_id == deal.id)
        )
        facts["deal"] = {
            "deal_name": deal.deal_name,
            "amount": money_short(deal.amount, deal.currency),
            "stage_label": str(deal.stage).replace("_", " "),
            "close_date": f"{deal.close_date:%B %-d}" if deal.close_date else None,
            "products": ", ".join(products) or None,
        }
    kind, record_id = (RecordType.contact, contact.id) if contact else (RecordType.lead, lead.id)  # type: ignore[union-attr]
    touches = await TimelineService(session, reader).entries(
        kind, record_id, limit=10, types=("call", "meeting", "email")
    )
    if touches:
        facts["last_touch"] = f"{datetime.fromisoformat(touches[0]['at']):%A, %B %-d}"
        facts["recent"] = [a["subject"] for a in touches[:3]]
    if contact is not None:
        upcoming = await session.scalar(
            select(func.min(Meeting.start_at))
            .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
            .where(MeetingAttendee.contact_id == contact.id, Meeting.start_at > now)
        )
        facts["next_meeting"] = f"{upcoming:%A, %B %-d at %H:%M %Z}" if upcoming else None
        facts["open_tickets"] = (
            await session.scalar(
                select(func.count()).where(
                    Ticket.requester_contact_id == contact.id,
                    Ticket.status.in_([TicketStatus.open, TicketStatus.pending]),
                )
            )
            or 0
        )
    return redact(reader, facts)


def from_template(facts: dict[str, Any], purpose: str, tone: str, notes: str | None) -> Draft:
    """The offline draft: `prompts/emails/<purpose>.md`, whose first line is the subject."""
    text = render(f"emails/{purpose}.md", tone=tone, notes=notes, **facts)
    return _split(text, "template")


async def from_writer(write: Writer, facts: dict[str, Any], purpose: str, tone: str, notes: str | None) -> Draft:
    """The online draft: the LLM writes from the same facts (and is told to use nothing else)."""
    prompt = render(
        "emails/llm.md",
        purpose=purpose,
        tone=tone,
        notes=notes,
        sender=facts["sender"],
        recipient=facts["recipient"],
        facts=json.dumps(facts, indent=1, default=str),
    )
    return _split(await write(prompt, "Write the email."), "llm")


def _split(text: str, method: str) -> Draft:
    head, _, body = text.strip().partition("\n")
    if not head.lower().startswith("subject:"):
        return Draft("(no subject)", text.strip(), method)
    return Draft(head.split(":", 1)[1].strip(), body.strip(), method)
