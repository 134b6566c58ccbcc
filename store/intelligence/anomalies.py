"""Anomalies in daily CRM series: robust z-scores against a median/MAD baseline with weekday seasonality.

`detect` is the pure detector; `find_alerts` builds the series in PostgreSQL (one GROUP BY
day query each) for what the caller may see, and words each finding with its evidence numbers.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from prompts.money import money_short
from store.access import Actor, allowed
from store.clock import utcnow
from store.inbox import sla
from store.models import Account, Activity, Deal, InboxConversation, Ticket, User
from store.models.base import Entity
from store.models.enums import OPEN_STAGES, ActivityType, Role
from store.serialize import plain, ref
from store.services.visibility import owner_visible

Direction = Literal["up", "down", "both"]
AlertKind = Literal[
    "account_tickets", "product_tickets", "slipping_deals", "pipeline_drop", "rep_activity", "inbox_sla", "stuck_deal"
]
Series = Sequence[tuple[date, float]]

MAD_TO_SD = 1.4826  # MAD x 1.4826 estimates the standard deviation of normal data
THRESHOLD = 3.5
MIN_HISTORY = 14
WORK_TYPES = (ActivityType.call, ActivityType.meeting, ActivityType.email, ActivityType.note)
# A rep's activity is summed over a week (which also evens out weekends): one quiet day of a rep
# logging 8 a day is only ~2.8 sd below typical (never flagged at 3.5), a quiet week stands out.
ACTIVITY_SPAN = 7
# The smallest scale of the daily pipeline change, as a share of the typical open pipeline, so that
# a pipeline that rarely moves does not turn every closed deal into an alert.
PIPELINE_FLOOR = 0.02


@dataclass(frozen=True)
class Anomaly:
    """One day whose value is far from its baseline: robust z = (observed - expected) / scale."""

    day: date
    observed: float
    expected: float
    scale: float
    z: float


def detect(
    series: Series,
    *,
    window_days: int = 7,
    direction: Direction = "both",
    threshold: float = THRESHOLD,
    min_history: int = MIN_HISTORY,
    min_scale: float = 1.0,
    counts: bool = True,
) -> list[Anomaly]:
    """Days of the last `window_days` of a daily series whose robust z-score crosses `threshold` in `direction`.

    The window ends on the series' last day; the days before it are the history. The baseline of a
    day is the median of the same weekday over the history, or of the whole history when it has
    fewer than 3 such days; the scale is 1.4826 x MAD, at least `min_scale` and, for `counts`, at
    least sqrt(1 + the baseline's level). Fewer than `min_history` days of history give nothing.
    """
    if not series:
        return []
    scan_from = series[-1][0] - timedelta(days=window_days - 1)
    history = [(day, value) for day, value in series if day < scan_from]
    if len(history) < min_history:
        return []
    found = []
    for day, value in series:
        if day < scan_from:
            continue
        expected, scale = _baseline(history, day.weekday(), min_scale=min_scale, counts=counts)
        z = (value - expected) / scale
        if (direction != "down" and z >= threshold) or (direction != "up" and z <= -threshold):
            found.append(Anomaly(day, value, expected, scale, z))
    return found


def _baseline(history: Series, weekday: int, *, min_scale: float, counts: bool) -> tuple[float, float]:
    same = [value for day, value in history if day.weekday() == weekday]
    values = same if len(same) >= 3 else [value for _, value in history]
    median = statistics.median(values)
    mad = statistics.median(abs(value - median) for value in values)
    # Counts: the Poisson sd at the baseline's level, the mean guarding against a median of 0 on
    # sparse days, plus one count of variance for the baseline's own noise (with 8 same-weekday
    # points a median of 0 or 1 is often off by one); this keeps false alarms near 1 in 1000 checks.
    floor = max(min_scale, math.sqrt(1 + max(median, statistics.fmean(values)))) if counts else min_scale
    return median, max(MAD_TO_SD * mad, floor)


def rolling_sum(series: Series, span: int) -> list[tuple[date, float]]:
    """Each point's value summed with the `span - 1` points before it (the first ones are dropped)."""
    return [
        (series[i][0], sum(value for _, value in series[i - span + 1 : i + 1])) for i in range(span - 1, len(series))
    ]


@dataclass(frozen=True)
class Alert:
    """An anomaly about something in the CRM, with the numbers that back it."""

    kind: AlertKind
    subject: str
    day: date
    observed: float
    expected: float
    scale: float
    z: float
    message: str
    record: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = plain(asdict(self))
        return fields


@dataclass(frozen=True)
class Window:
    """The days of one scan: history from `start`, alerts from `scan_from` to `end` (both inclusive)."""

    start: date
    scan_from: date
    end: date

    @classmethod
    def ending(cls, today: date, *, window_days: int, history_days: int) -> Window:
        scan_from = today - timedelta(days=window_days - 1)
        return cls(start=scan_from - timedelta(days=history_days), scan_from=scan_from, end=today)

    @property
    def length(self) -> int:
        """Days scanned for alerts."""
        return (self.end - self.scan_from).days + 1

    def days(self, last: date | None = None) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(((last or self.end) - self.start).days + 1)]


async def find_alerts(
    session: AsyncSession,
    actor: Actor,
    *,
    today: date,
    window_days: int = 7,
    history_days: int = 56,
) -> list[Alert]:
    """Unusual days in the last `window_days` (up to `today`), strongest first, one per subject.

    Ticket spikes per account and per product (for callers who read tickets), and for callers who
    read the pipeline: open deals slipping past their close date, drops of the open pipeline and
    reps' activity falling off; always limited to the deals, accounts and people the caller may see.
    The `history_days` before the window are the baseline (under MIN_HISTORY days: no alerts).
    """
    if history_days < MIN_HISTORY:
        return []
    window = Window.ending(today, window_days=window_days, history_days=history_days)
    alerts: list[Alert] = []
    if allowed(actor, "tickets", "read"):
        alerts += await _account_ticket_alerts(session, actor, window)
        alerts += await _product_ticket_alerts(session, window)
    if allowed(actor, "inbox", "read"):
        alerts += await _inbox_sla_alerts(session, actor, window)
    if allowed(actor, "pipeline", "read"):
        alerts += await _slipping_deal_alerts(session, actor, window)
        alerts += await _pipeline_drop_alerts(session, actor, window)
        alerts += await _rep_activity_alerts(session, actor, window)
        alerts += await _stuck_deal_alerts(session, actor, today)
    return sorted(alerts, key=lambda alert: abs(alert.z), reverse=True)


async def _inbox_sla_alerts(session: AsyncSession, actor: Actor, window: Window) -> list[Alert]:
    """Shared-inbox conversations past a first-response or resolution due time (in the caller's team's inboxes), each
    clock once: observed is the minutes late, expected 0 (a breach is a fact, not a deviation: z is 0). Threads are
    named by identifiers, never by their subjects (written by outsiders), so alerts stay trusted text."""
    now = datetime.combine(window.end, time.max, tzinfo=UTC) if window.end < utcnow().date() else utcnow()
    teams = None if actor.sees_everything else ({actor.team} if actor.team else set())
    found = []
    for breach in await sla.breaches(session, now, since=window.scan_from, teams=teams):
        found.append(
            Alert(
                kind="inbox_sla",
                subject=f"{breach.label()} ({breach.clock.replace('_', ' ')})",
                day=breach.due.date(),
                observed=float(breach.late_minutes(now)),
                expected=0.0,
                scale=1.0,
                z=0.0,
                message=breach.message(now),
                record={
                    "type": InboxConversation.record_type,
                    "id": str(breach.conversation.id),
                    "name": breach.label(),
                },
            )
        )
    return found


async def _account_ticket_alerts(session: AsyncSession, actor: Actor, window: Window) -> list[Alert]:
    day = _day(Ticket.created_at)
    stmt = (
        select(Ticket.account_id, day, func.count())
        .join(Account, Account.id == Ticket.account_id)
        .where(_within(Ticket.created_at, window.start, window.end), owner_visible(actor, Account.account_owner_id))
        .where(
            Ticket.account_id.in_(
                select(Ticket.account_id).where(_within(Ticket.created_at, window.scan_from, window.end))
            )
        )
        .group_by(Ticket.account_id, day)
    )
    found = _strongest_per_key(await _series_by_key(session, stmt, window), window, direction="up")
    accounts = await _records(session, Account, found)
    return [
        _alert(
            "account_tickets", accounts[key], anomaly, f"{_count(anomaly.observed, 'ticket')} on {_date(anomaly.day)}"
        )
        for key, anomaly in found.items()
    ]


async def _product_ticket_alerts(session: AsyncSession, window: Window) -> list[Alert]:
    """Per product, over all tickets: ticket reads are not limited by owner (as in the ticket service)."""
    day = _day(Ticket.created_at)
    stmt = (
        select(Ticket.product, day, func.count())
        .where(_within(Ticket.created_at, window.start, window.end))
        .where(
            Ticket.product.in_(select(Ticket.product).where(_within(Ticket.created_at, window.scan_from, window.end)))
        )
        .group_by(Ticket.product, day)
    )
    found = _strongest_per_key(await _series_by_key(session, stmt, window), window, direction="up")
    return [
        _alert(
            "product_tickets",
            f"Product {product}",
            anomaly,
            f"{_count(anomaly.observed, 'ticket')} on {_date(anomaly.day)}",
        )
        for product, anomaly in found.items()
    ]


async def _slipping_deal_alerts(session: AsyncSession, actor: Actor, window: Window) -> list[Alert]:
    """Open deals still open after their close date, counted by that (now past) close date."""
    last = window.end - timedelta(days=1)
    stmt = (
        select(Deal.close_date, func.count())
        .where(
            Deal.stage.in_(OPEN_STAGES),
            Deal.close_date.between(window.start, last),
            owner_visible(actor, Deal.owner_id),
        )
        .group_by(Deal.close_date)
    )
    by_day = {day: float(n) for day, n in await session.execute(stmt) if day is not None}  # between() excludes NULL
    anomaly = _strongest(detect(_dense(by_day, window.days(last)), window_days=window.length - 1, direction="up"))
    if anomaly is None:
        return []
    evidence = f"{_count(anomaly.observed, 'open deal')} due {_date(anomaly.day)} still open"
    return [_alert("slipping_deals", "Deals past their close date", anomaly, evidence)]


async def _stuck_deal_alerts(session: AsyncSession, actor: Actor, today: date) -> list[Alert]:
    """Open deals whose stored risk factors (refreshed by the `deals.refresh` / `insights.nightly` jobs) say stuck.

    Not a statistical anomaly: `observed` is the days in stage, `expected` the threshold, and `z` scales the two onto
    the anomalies' THRESHOLD so that a deal stuck twice as long ranks like a twice-as-strong anomaly.
    """
    stmt = (
        select(Deal)
        .where(
            Deal.stage.in_(OPEN_STAGES),
            owner_visible(actor, Deal.owner_id),
            func.array_to_string(Deal.risk_factors, "|").like("stuck%"),
        )
        .order_by(Deal.stage_changed_at)
        .limit(50)
    )
    alerts = []
    for deal in await session.scalars(stmt):
        days = (today - deal.stage_changed_at.date()).days
        threshold = float(stuck.group(1)) if (stuck := re.search(r">= (\d+)", deal.risk_factors[0])) else 14.0
        alerts.append(
            Alert(
                kind="stuck_deal",
                subject=deal.deal_name,
                day=deal.stage_changed_at.date(),
                observed=float(days),
                expected=threshold,
                scale=1.0,
                z=round(THRESHOLD * days / threshold, 2),
                message=f"Deal {deal.deal_name} stuck {days} days in {deal.stage}: risk of stalling"
                + (f". Suggested: {deal.next_best_action}" if deal.next_best_action else ""),
                record=ref(deal),
            )
        )
    return alerts


async def _pipeline_drop_alerts(session: AsyncSession, actor: Actor, window: Window) -> list[Alert]:
    """Day-over-day change of the open pipeline, rebuilt from when deals were created and closed."""
    visible = owner_visible(actor, Deal.owner_id)
    added = select(_day(Deal.created_at).label("day"), Deal.amount.label("delta")).where(
        _within(Deal.created_at, window.start, window.end), visible
    )
    closed = select(_day(Deal.closed_at).label("day"), (-Deal.amount).label("delta")).where(
        _within(Deal.closed_at, window.start, window.end), visible
    )
    moves = sa.union_all(added, closed).subquery()
    stmt = select(moves.c.day, func.sum(moves.c.delta)).group_by(moves.c.day)
    by_day = {day: float(delta) for day, delta in await session.execute(stmt)}
    if not by_day:
        return []
    deltas = _dense(by_day, window.days())
    start = _midnight(window.start)
    level = float(
        await session.scalar(
            select(func.coalesce(func.sum(Deal.amount), 0)).where(
                Deal.created_at < start, or_(Deal.closed_at.is_(None), Deal.closed_at >= start), visible
            )
        )
        or 0
    )  # coalesce() is never NULL; the scalar is typed as optional
    levels = []
    for _, delta in deltas[: (window.scan_from - window.start).days]:
        level += delta
        levels.append(level)
    floor = max(1.0, PIPELINE_FLOOR * statistics.median(levels))
    anomaly = _strongest(detect(deltas, window_days=window.length, direction="down", min_scale=floor, counts=False))
    if anomaly is None:
        return []
    evidence = f"changed by {_signed_money(anomaly.observed)} on {_date(anomaly.day)}"
    return [_alert("pipeline_drop", "Open pipeline", anomaly, evidence, typical=_signed_money(anomaly.expected))]


async def _rep_activity_alerts(session: AsyncSession, actor: Actor, window: Window) -> list[Alert]:
    """Calls, meetings, emails and notes logged by each active rep, per rolling week."""
    day = _day(Activity.occurred_at)
    stmt = (
        select(Activity.actor_id, day, func.count())
        .join(User, User.id == Activity.actor_id)
        .where(User.role == Role.rep, User.is_active, owner_visible(actor, User.id))
        .where(Activity.type.in_(WORK_TYPES), _within(Activity.occurred_at, window.start, window.end))
        .group_by(Activity.actor_id, day)
    )
    weekly = {
        key: rolling_sum(series, ACTIVITY_SPAN) for key, series in (await _series_by_key(session, stmt, window)).items()
    }
    found = _strongest_per_key(weekly, window, direction="down")
    reps = await _records(session, User, found)
    return [
        _alert(
            "rep_activity",
            reps[key],
            anomaly,
            f"{_count(anomaly.observed, 'call, meeting, email or note', 'calls, meetings, emails and notes')} "
            f"in the {ACTIVITY_SPAN} days to {_date(anomaly.day)}",
        )
        for key, anomaly in found.items()
    ]


async def _series_by_key(
    session: AsyncSession, stmt: Select[*tuple[Any, ...]], window: Window
) -> dict[Hashable, list[tuple[date, float]]]:
    """Rows of (key, day, value) as one dense daily series per key over the window."""
    values: dict[Hashable, dict[date, float]] = defaultdict(dict)
    for key, day, value in await session.execute(stmt):
        values[key][day] = float(value)
    days = window.days()
    return {key: _dense(by_day, days) for key, by_day in values.items()}


def _dense(by_day: dict[date, float], days: list[date]) -> list[tuple[date, float]]:
    """A value for every day in `days` (0 where there was none)."""
    return [(day, by_day.get(day, 0.0)) for day in days]


def _strongest(found: list[Anomaly]) -> Anomaly | None:
    return max(found, key=lambda anomaly: abs(anomaly.z), default=None)


def _strongest_per_key(
    series_by_key: dict[Hashable, list[tuple[date, float]]], window: Window, *, direction: Direction
) -> dict[Hashable, Anomaly]:
    found = {
        key: _strongest(detect(series, window_days=window.length, direction=direction))
        for key, series in series_by_key.items()
    }
    return {key: anomaly for key, anomaly in found.items() if anomaly is not None}


async def _records(session: AsyncSession, model: type[Entity], ids: dict[Hashable, Anomaly]) -> dict[Hashable, Entity]:
    if not ids:
        return {}
    return {record.id: record for record in await session.scalars(select(model).where(model.id.in_(list(ids))))}


def _alert(
    kind: AlertKind, subject: Entity | str, anomaly: Anomaly, evidence: str, *, typical: str | None = None
) -> Alert:
    """The alert for `anomaly`; `subject` is a record (referenced) or a plain label."""
    label = subject if isinstance(subject, str) else str(subject.name)  # type: ignore[attr-defined]
    typical = typical or f"{anomaly.expected:g}"
    return Alert(
        kind=kind,
        subject=label,
        day=anomaly.day,
        observed=anomaly.observed,
        expected=anomaly.expected,
        scale=round(anomaly.scale, 2),
        z=round(anomaly.z, 2),
        message=f"{label}: {evidence} vs typical {typical} (robust z {anomaly.z:.1f})",
        record=None if isinstance(subject, str) else ref(subject),
    )


def _day(column: Any) -> ColumnElement[date]:
    """The UTC calendar day of a timestamp column."""
    return sa.cast(func.timezone("UTC", column), sa.Date)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _within(column: Any, first: date, last: date) -> ColumnElement[bool]:
    """Timestamps on the UTC days `first` to `last`, inclusive (index-friendly: no function on the column)."""
    return sa.and_(column >= _midnight(first), column < _midnight(last + timedelta(days=1)))


def _date(day: date) -> str:
    return day.strftime("%a %Y-%m-%d")


def _count(value: float, singular: str, plural: str | None = None) -> str:
    return f"{value:g} {singular if value == 1 else plural or singular + 's'}"


def _signed_money(value: float) -> str:
    return ("-" if value < 0 else "+") + money_short(abs(value))
