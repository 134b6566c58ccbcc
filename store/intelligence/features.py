"""Lead features for scoring: firmographics from the lead, engagement counted in PostgreSQL."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.clock import utcnow
from store.models import Call, EmailMessage, Lead, Meeting
from store.models.enums import CallDirection, EmailStatus, LeadStatus, RecordType

# Industries Nexa sells best into (the ideal customer profile); configurable later, named here once.
ICP_INDUSTRIES = frozenset({"software", "finance", "healthcare", "manufacturing"})
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"]
SOURCES = ["referral", "event", "website", "social_media", "cold_call"]
LEVELS = ["c_level", "vp", "director", "manager", "individual", "unknown"]
_LEVEL_PATTERNS = [
    ("c_level", r"\b(ceo|cto|cfo|coo|cio|cmo|chief|founder|owner|president)\b"),
    ("vp", r"\b(vp|vice president|svp|evp)\b"),
    ("director", r"\b(director|head of)\b"),
    ("manager", r"\b(manager|lead|supervisor)\b"),
]


def title_level(title: str | None) -> str:
    """Seniority of a job title: c_level, vp, director, manager, individual or unknown."""
    if not title or not title.strip():
        return "unknown"
    lowered = title.lower()
    for level, pattern in _LEVEL_PATTERNS:
        if re.search(pattern, lowered):
            return level
    return "individual"


@dataclass(frozen=True)
class LeadFeatures:
    """What the scorer knows about one lead."""

    lead_id: uuid.UUID
    source: str
    company_size: str | None
    level: str
    industry: str | None
    outbound: int  # calls made and emails sent by reps
    replies: int  # inbound calls and emails received: the lead answering
    meetings: int
    days_since_touch: float | None  # since the last contact either way, as of `as_of`
    status: LeadStatus

    @property
    def responsiveness(self) -> float:
        """Replies per outbound touch (0 when never reached out to)."""
        return self.replies / self.outbound if self.outbound else float(self.replies > 0)

    @property
    def icp_industry(self) -> bool:
        return (self.industry or "").strip().lower() in ICP_INDUSTRIES

    def vector(self) -> dict[str, float]:
        """Numeric features for the trained model (one-hot categories, log counts, recency decay)."""
        values: dict[str, float] = {f"source={s}": float(self.source == s) for s in SOURCES}
        values |= {f"size={s}": float(self.company_size == s) for s in SIZES}
        values |= {f"level={lv}": float(self.level == lv) for lv in LEVELS}
        values["industry=icp"] = float(self.icp_industry)
        values["log_replies"] = math.log1p(self.replies)
        values["log_meetings"] = math.log1p(self.meetings)
        values["log_outbound"] = math.log1p(self.outbound)
        values["responsiveness"] = min(self.responsiveness, 2.0)
        values["recency"] = math.exp(-self.days_since_touch / 14) if self.days_since_touch is not None else 0.0
        return values


def _engagement() -> tuple[Select[*tuple[Any, ...]], Select[*tuple[Any, ...]], Select[*tuple[Any, ...]]]:
    calls = (
        select(
            Call.lead_id.label("lead_id"),
            func.count().filter(Call.direction == CallDirection.outbound).label("out"),
            func.count().filter(Call.direction == CallDirection.inbound).label("inb"),
            func.max(Call.call_at).filter(Call.direction == CallDirection.inbound).label("last_in"),
        )
        .where(Call.lead_id.is_not(None))
        .group_by(Call.lead_id)
    )
    emails = (
        select(
            EmailMessage.lead_id.label("lead_id"),
            func.count().filter(EmailMessage.status == EmailStatus.sent).label("out"),
            func.count().filter(EmailMessage.status == EmailStatus.received).label("inb"),
            func.max(EmailMessage.created_at).filter(EmailMessage.status == EmailStatus.received).label("last_in"),
        )
        .where(EmailMessage.lead_id.is_not(None))
        .group_by(EmailMessage.lead_id)
    )
    meetings = (
        select(Meeting.related_id.label("lead_id"), func.count().label("n"))
        .where(Meeting.related_type == RecordType.lead)
        .group_by(Meeting.related_id)
    )
    return calls, emails, meetings


def features_query(where: ColumnElement[bool] | None = None) -> Select[*tuple[Any, ...]]:
    """One row per lead with everything `LeadFeatures` needs, aggregated in the database."""
    calls, emails, meetings = (q.subquery() for q in _engagement())
    last_touch = func.greatest(Lead.last_contacted, calls.c.last_in, emails.c.last_in)
    stmt = (
        select(
            Lead.id,
            Lead.source,
            Lead.company_size,
            Lead.title,
            Lead.industry,
            Lead.status,
            Lead.converted_at,
            Lead.updated_at,
            (func.coalesce(calls.c.out, 0) + func.coalesce(emails.c.out, 0)).label("outbound"),
            (func.coalesce(calls.c.inb, 0) + func.coalesce(emails.c.inb, 0)).label("replies"),
            func.coalesce(meetings.c.n, 0).label("meetings"),
            last_touch.label("last_touch"),
        )
        .outerjoin(calls, calls.c.lead_id == Lead.id)
        .outerjoin(emails, emails.c.lead_id == Lead.id)
        .outerjoin(meetings, meetings.c.lead_id == Lead.id)
    )
    return stmt.where(where) if where is not None else stmt


def _row_features(row: Row[*tuple[Any, ...]], now: datetime) -> LeadFeatures:
    closed = row.status in (LeadStatus.converted, LeadStatus.lost)
    as_of = (row.converted_at or row.updated_at) if closed else now
    days = (as_of - row.last_touch).total_seconds() / 86400 if row.last_touch else None
    return LeadFeatures(
        lead_id=row.id,
        source=str(row.source),
        company_size=str(row.company_size) if row.company_size else None,
        level=title_level(row.title),
        industry=row.industry,
        outbound=int(row.outbound),
        replies=int(row.replies),
        meetings=int(row.meetings),
        days_since_touch=max(days, 0.0) if days is not None else None,
        status=row.status,
    )


async def lead_features(
    session: AsyncSession,
    lead_ids: list[uuid.UUID] | None = None,
    *,
    outcomes_only: bool = False,
    now: datetime | None = None,
) -> list[LeadFeatures]:
    """Features of the given leads (all leads when None), or of every converted/lost lead."""
    conditions = []
    if lead_ids is not None:
        conditions.append(Lead.id.in_(lead_ids))
    if outcomes_only:
        conditions.append(Lead.status.in_([LeadStatus.converted, LeadStatus.lost]))
    rows = await session.execute(features_query(and_(*conditions) if conditions else None))
    moment = now or utcnow()
    return [_row_features(row, moment) for row in rows]
