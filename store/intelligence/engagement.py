"""Contact engagement score 0-100: how much and how lately the person has engaged (the spec's "AI continuously
updates engagement score"), from the last 90 days: replies (inbound email, inbound calls) count most, meetings
attended next, then connected calls and emails we sent; recency adds on top. Explained factor by factor.

The counts for many contacts come from one grouped query each (`activity_counts`); one contact is the case of one id.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Call, Contact, EmailMessage, Meeting, MeetingAttendee
from store.models.enums import CallDirection, EmailStatus

WINDOW_DAYS = 90
COUNTS = ("replies", "sent", "inbound", "calls", "met")


@dataclass(frozen=True)
class Factor:
    factor: str
    value: int
    points: float


async def activity_counts(
    session: AsyncSession, contact_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, dict[str, int]]:
    """Per contact, over the window: emails received and sent, inbound and other calls, meetings attended (zeros left out)."""
    since = now - timedelta(days=WINDOW_DAYS)
    queries = {
        "replies": select(EmailMessage.contact_id, func.count()).where(
            EmailMessage.status == EmailStatus.received,
            EmailMessage.created_at >= since,
            EmailMessage.contact_id.in_(contact_ids),
        ),
        "sent": select(EmailMessage.contact_id, func.count()).where(
            EmailMessage.status == EmailStatus.sent,
            EmailMessage.sent_at >= since,
            EmailMessage.contact_id.in_(contact_ids),
        ),
        "inbound": select(Call.contact_id, func.count()).where(
            Call.direction == CallDirection.inbound, Call.call_at >= since, Call.contact_id.in_(contact_ids)
        ),
        "calls": select(Call.contact_id, func.count()).where(
            Call.direction != CallDirection.inbound, Call.call_at >= since, Call.contact_id.in_(contact_ids)
        ),
        "met": select(MeetingAttendee.contact_id, func.count())
        .join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
        .where(Meeting.start_at >= since, Meeting.start_at <= now, MeetingAttendee.contact_id.in_(contact_ids)),
    }
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for name, stmt in queries.items():
        for contact_id, n in await session.execute(stmt.group_by(stmt.selected_columns[0])):
            counts[cast(uuid.UUID, contact_id)][name] = (
                n  # the attendee's contact is nullable; the IN filter leaves no None
            )
    return counts


def score(counts: dict[str, int], last_activity: datetime | None, now: datetime) -> tuple[int, list[Factor]]:
    """The score and the factors that gave it points."""
    replies, sent, inbound, calls, met = (counts.get(name, 0) for name in COUNTS)
    days = (now - last_activity).days if last_activity else None
    factors = [
        Factor("replies (emails and inbound calls)", replies + inbound, min(40, 12 * (replies + inbound))),
        Factor("meetings attended", met, min(30, 15 * met)),
        Factor("calls and emails from us", calls + sent, min(10, 2 * (calls + sent))),
        Factor(
            "days since last activity",
            days if days is not None else -1,
            20 if days is not None and days <= 7 else 10 if days is not None and days <= 30 else 0,
        ),
    ]
    return max(0, min(100, round(sum(f.points for f in factors)))), [f for f in factors if f.points]


async def engagement(session: AsyncSession, contact: Contact, now: datetime) -> tuple[int, list[Factor]]:
    """The contact's score and its factors."""
    counts = await activity_counts(session, [contact.id], now)
    return score(counts.get(contact.id, {}), contact.last_activity, now)


async def refresh_contact(session: AsyncSession, contact: Contact, now: datetime) -> dict[str, Any]:
    """Store the contact's engagement score; the score and its factors."""
    found, factors = await engagement(session, contact, now)
    contact.engagement_score = found
    await session.flush()
    return {"engagement_score": found, "factors": [asdict(f) for f in factors]}
