"""Contact engagement score 0-100: how much and how lately the person has engaged (the spec's "AI continuously
updates engagement score"), from the last 90 days: replies (inbound email, inbound calls) count most, meetings
attended next, then connected calls and emails we sent; recency adds on top. Explained factor by factor."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Call, Contact, EmailMessage, Meeting, MeetingAttendee
from store.models.enums import CallDirection, EmailStatus

WINDOW_DAYS = 90


@dataclass(frozen=True)
class Factor:
    factor: str
    value: int
    points: float


async def engagement(session: AsyncSession, contact: Contact, now: datetime) -> tuple[int, list[Factor]]:
    """The score and its factors."""
    since = now - timedelta(days=WINDOW_DAYS)
    replies = await session.scalar(select(func.count()).where(
        EmailMessage.contact_id == contact.id, EmailMessage.status == EmailStatus.received, EmailMessage.created_at >= since)) or 0
    sent = await session.scalar(select(func.count()).where(
        EmailMessage.contact_id == contact.id, EmailMessage.status == EmailStatus.sent, EmailMessage.sent_at >= since)) or 0
    inbound = await session.scalar(select(func.count()).where(
        Call.contact_id == contact.id, Call.direction == CallDirection.inbound, Call.call_at >= since)) or 0
    calls = await session.scalar(select(func.count()).where(
        Call.contact_id == contact.id, Call.direction != CallDirection.inbound, Call.call_at >= since)) or 0
    met = await session.scalar(select(func.count()).select_from(MeetingAttendee).join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
                               .where(MeetingAttendee.contact_id == contact.id, Meeting.start_at >= since, Meeting.start_at <= now)) or 0
    days = (now - contact.last_activity).days if contact.last_activity else None
    factors = [
        Factor("replies (emails and inbound calls)", replies + inbound, min(40, 12 * (replies + inbound))),
        Factor("meetings attended", met, min(30, 15 * met)),
        Factor("calls and emails from us", calls + sent, min(10, 2 * (calls + sent))),
        Factor("days since last activity", days if days is not None else -1,
               20 if days is not None and days <= 7 else 10 if days is not None and days <= 30 else 0),
    ]
    return max(0, min(100, round(sum(f.points for f in factors)))), [f for f in factors if f.points]


async def refresh_contact(session: AsyncSession, contact: Contact, now: datetime) -> dict[str, Any]:
    """Store the contact's engagement score; the score and its factors."""
    score, factors = await engagement(session, contact, now)
    contact.engagement_score = score
    await session.flush()
    return {"engagement_score": score, "factors": [asdict(f) for f in factors]}
