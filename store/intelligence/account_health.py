"""Account health 0-100, churn risk band and lifetime value, each score explained factor by factor (like lead scores).

Health starts at BASE and moves with: support load (open tickets, urgent ones more), support sentiment (tickets
read as negative or positive), engagement recency (the last call, meeting, email or note on the account), orders
(any, and a recent one) and open risks (open deals with risk factors). Churn risk: low at 70+, medium 40-69, high
below 40. Lifetime value: the account's orders that were not cancelled.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.intelligence.text import sentiment
from store.models import Account, Activity, ActivityLink, Deal, Order, Ticket
from store.models.enums import OPEN_STAGES, ActivityType, OrderStatus, Priority, RecordType, TicketStatus

BASE = 60
WINDOW_DAYS = 90
TOUCH_TYPES = (ActivityType.call, ActivityType.meeting, ActivityType.email, ActivityType.note)
OPEN_TICKETS = (TicketStatus.open, TicketStatus.pending)


@dataclass(frozen=True)
class Factor:
    factor: str
    value: str
    points: float


@dataclass(frozen=True)
class Health:
    score: int
    churn_risk: str
    lifetime_value: Decimal
    factors: list[Factor]

    def to_dict(self) -> dict[str, Any]:
        return {
            "health_score": self.score,
            "churn_risk": self.churn_risk,
            "lifetime_value": str(self.lifetime_value),
            "factors": [asdict(f) for f in self.factors],
        }


def churn_band(score: int) -> str:
    return "low" if score >= 70 else "medium" if score >= 40 else "high"


def _touch_points(days: int | None) -> float:
    if days is None:
        return -15
    return 15 if days <= 14 else 5 if days <= 45 else 0 if days <= 90 else -15


@dataclass
class Facts:
    """What an account's health is computed from (`gather` reads it for many accounts at once)."""

    tickets: list[tuple[TicketStatus, Priority, str]] = field(default_factory=list)  # status, priority, mood
    last_touch: datetime | None = None
    orders: list[tuple[Decimal, datetime]] = field(default_factory=list)
    risky: int = 0


async def gather(session: AsyncSession, account_ids: list[uuid.UUID], now: datetime) -> dict[uuid.UUID, Facts]:
    """The facts for every account in `account_ids`: four queries, whatever their number."""
    since = now - timedelta(days=WINDOW_DAYS)
    facts: dict[uuid.UUID, Facts] = defaultdict(Facts)
    for account_id, status, priority, mood, subject, description in await session.execute(
        select(
            Ticket.account_id, Ticket.status, Ticket.priority, Ticket.sentiment, Ticket.subject, Ticket.description
        ).where(Ticket.account_id.in_(account_ids), Ticket.created_at >= since)
    ):
        facts[cast(uuid.UUID, account_id)].tickets.append(
            (status, priority, mood or sentiment(" ".join(filter(None, [subject, description]))))
        )
    for account_id, last in await session.execute(
        select(ActivityLink.record_id, func.max(Activity.occurred_at))
        .join(Activity, ActivityLink.activity_id == Activity.id)
        .where(
            ActivityLink.record_type == RecordType.account,
            ActivityLink.record_id.in_(account_ids),
            Activity.type.in_(TOUCH_TYPES),
        )
        .group_by(ActivityLink.record_id)
    ):
        facts[account_id].last_touch = last
    for account_id, amount, created in await session.execute(
        select(Order.account_id, Order.amount, Order.created_at).where(
            Order.account_id.in_(account_ids), Order.status != OrderStatus.cancelled
        )
    ):
        facts[cast(uuid.UUID, account_id)].orders.append((amount, created))
    for account_id, risky in await session.execute(
        select(Deal.account_id, func.count())
        .where(Deal.account_id.in_(account_ids), Deal.stage.in_(OPEN_STAGES), func.cardinality(Deal.risk_factors) > 0)
        .group_by(Deal.account_id)
    ):
        facts[cast(uuid.UUID, account_id)].risky = risky
    return facts


def health(facts: Facts, now: datetime) -> Health:
    """The account's health now, with every factor that moved it."""
    open_tickets = [t for t in facts.tickets if t[0] in OPEN_TICKETS]
    urgent = [t for t in open_tickets if t[1] in (Priority.high, Priority.urgent)]
    moods = [mood for _, _, mood in facts.tickets]
    negative, positive = moods.count("negative"), moods.count("positive")
    orders, risky = facts.orders, facts.risky
    days = (now - facts.last_touch).days if facts.last_touch else None
    recent_order = any(created >= now - timedelta(days=365) for _, created in orders)
    factors = [
        Factor("base", "", BASE),
        Factor(
            "support load",
            f"{len(open_tickets)} open tickets in {WINDOW_DAYS} days, {len(urgent)} high/urgent",
            -min(30, 6 * len(open_tickets)) - min(15, 5 * len(urgent)),
        ),
        Factor(
            "support sentiment",
            f"{negative} negative, {positive} positive of {len(facts.tickets)} tickets",
            -min(15, 5 * negative) + min(9, 3 * positive),
        ),
        Factor(
            "engagement recency",
            f"last touch {days} days ago" if days is not None else "no call, meeting, email or note",
            _touch_points(days),
        ),
        Factor(
            "orders",
            f"{len(orders)} orders" + (", one in the last year" if recent_order else ""),
            (10 if orders else 0) + (5 if recent_order else 0),
        ),
        Factor("open risks", f"{risky} open deals with risk factors", -min(12, 4 * risky)),
    ]
    score = max(0, min(100, round(sum(f.points for f in factors))))
    ltv = sum((amount for amount, _ in orders), Decimal(0))
    return Health(score, churn_band(score), ltv, [f for f in factors if f.points or f.factor == "base"])


async def assess(session: AsyncSession, account: Account, now: datetime) -> Health:
    """The account's health now, with every factor that moved it."""
    return health((await gather(session, [account.id], now)).get(account.id, Facts()), now)


async def refresh_account(session: AsyncSession, account: Account, now: datetime) -> Health:
    """Store health score, churn risk, lifetime value and the factors on the account."""
    found = await assess(session, account, now)
    account.health_score, account.churn_risk, account.lifetime_value = (
        found.score,
        found.churn_risk,
        found.lifetime_value,
    )
    account.health_factors = [asdict(f) for f in found.factors]
    await session.flush()
    return found
