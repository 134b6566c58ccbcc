"""Forecasts: quarter bookings from the open pipeline and historical win rates; daily ticket volume."""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import sqlalchemy as sa
from sqlalchemy import ColumnElement, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, require
from store.models import STAGE_PROBABILITY, Deal, DealStageChange, Ticket
from store.models.enums import OPEN_STAGES, DealStage
from store.serialize import plain
from store.services.visibility import owner_visible

Z80 = 1.2815515655446004  # half-width of a two-sided 80% normal interval, in sd
PRIOR_STRENGTH = 10  # pseudo-outcomes behind each stage's default probability (Beta prior)
HOLT_WINTERS_MIN_DAYS = 28  # four weeks: enough to estimate a weekly season and a trend
CLOSED = (DealStage.closed_won, DealStage.closed_lost)
Series = Sequence[tuple[date, float]]


@dataclass(frozen=True)
class StageRate:
    """How often deals that reached `stage` were won: `won` of `closed`, blended with the stage's prior."""

    stage: str
    won: int
    closed: int
    prior: float
    rate: float


@dataclass(frozen=True)
class QuarterForecast:
    """One quarter: closed-won so far, and what its open deals (close date in the quarter) should bring.

    `weighted` uses each deal's probability; `expected`, `low` and `high` (an 80% interval) use the
    historical win rate of the deal's stage. All three concern open deals only; `projected` adds
    the closed-won amount.
    """

    label: str
    start: date
    end: date
    closed_won: Decimal
    won_count: int
    deal_count: int
    open_amount: Decimal
    weighted: Decimal
    expected: Decimal
    low: Decimal
    high: Decimal
    win_rates: dict[str, StageRate]

    @property
    def projected(self) -> dict[str, Decimal]:
        """Closed-won plus the open deals' expected value and interval."""
        return {
            "expected": self.closed_won + self.expected,
            "low": self.closed_won + self.low,
            "high": self.closed_won + self.high,
        }

    def to_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = plain(asdict(self) | {"projected": self.projected})
        return fields


async def pipeline_forecast(
    session: AsyncSession, actor: Actor, *, today: date, quarters: int = 2
) -> list[QuarterForecast]:
    """This quarter and the next `quarters - 1`, over the deals the caller may see (as in the pipeline service)."""
    require(actor, "pipeline", "read")
    visible = owner_visible(actor, Deal.owner_id)
    rates = await _win_rates(session, visible, until=today)
    return [await _quarter(session, visible, rates, start, today=today) for start in _quarter_starts(today, quarters)]


async def _win_rates(session: AsyncSession, visible: ColumnElement[bool], *, until: date) -> dict[str, StageRate]:
    """Per open stage: the share of closed deals (closed by `until`) that reached it and were won.

    A deal reached the stages its stage history names; the stage's default probability is a Beta
    prior worth PRIOR_STRENGTH outcomes, so that a stage with few closed deals keeps close to it.
    """
    deals = func.count(distinct(Deal.id))
    stmt = (
        select(DealStageChange.to_stage, deals, deals.filter(Deal.stage == DealStage.closed_won))
        .join(Deal, Deal.id == DealStageChange.deal_id)
        .where(Deal.stage.in_(CLOSED), DealStageChange.to_stage.in_(OPEN_STAGES), visible)
        .where(or_(Deal.closed_at.is_(None), Deal.closed_at < _midnight(until + timedelta(days=1))))
        .group_by(DealStageChange.to_stage)
    )
    outcomes = {DealStage(stage): (closed, won) for stage, closed, won in await session.execute(stmt)}
    rates = {}
    for stage in OPEN_STAGES:
        closed, won = outcomes.get(stage, (0, 0))
        prior = STAGE_PROBABILITY[stage] / 100
        rate = (won + PRIOR_STRENGTH * prior) / (closed + PRIOR_STRENGTH)
        rates[stage.value] = StageRate(stage.value, won, closed, prior, rate)
    return rates


async def _quarter(
    session: AsyncSession,
    visible: ColumnElement[bool],
    rates: dict[str, StageRate],
    start: date,
    *,
    today: date,
) -> QuarterForecast:
    end = _quarter_starts(start, 2)[1] - timedelta(days=1)
    won_until = _midnight(min(end, today) + timedelta(days=1))
    won_amount, won_count = (
        await session.execute(
            select(func.coalesce(func.sum(Deal.amount), 0), func.count()).where(
                Deal.stage == DealStage.closed_won,
                Deal.closed_at >= _midnight(start),
                Deal.closed_at < won_until,
                visible,
            )
        )
    ).one()
    open_by_stage = await session.execute(
        select(
            Deal.stage,
            func.count(),
            func.sum(Deal.amount),
            func.sum(Deal.weighted_value),
            func.sum(Deal.amount * Deal.amount),
        )
        .where(Deal.stage.in_(OPEN_STAGES), Deal.close_date.between(start, end), visible)
        .group_by(Deal.stage)
    )
    count, amount, weighted, expected, variance = 0, Decimal(0), Decimal(0), 0.0, 0.0
    for stage, n, stage_amount, stage_weighted, squares in open_by_stage:
        p = rates[DealStage(stage).value].rate
        count, amount, weighted = count + n, amount + stage_amount, weighted + stage_weighted
        expected += p * float(stage_amount)
        variance += p * (1 - p) * float(squares)
    spread = Z80 * math.sqrt(variance)
    return QuarterForecast(
        label=f"{start.year}-Q{(start.month - 1) // 3 + 1}",
        start=start,
        end=end,
        closed_won=Decimal(won_amount),
        won_count=won_count,
        deal_count=count,
        open_amount=amount,
        weighted=weighted,
        expected=_money(expected),
        low=_money(max(0.0, expected - spread)),
        high=_money(min(float(amount), expected + spread)),
        win_rates=rates,
    )


def _quarter_starts(day: date, count: int) -> list[date]:
    """The first days of the quarter holding `day` and of the `count - 1` quarters after it."""
    first = day.year * 12 + (day.month - 1) // 3 * 3  # months since year 0, at the quarter's start
    return [date((first + 3 * i) // 12, (first + 3 * i) % 12 + 1, 1) for i in range(count)]


@dataclass(frozen=True)
class DayForecast:
    """Tickets expected on `day`, with an 80% prediction interval."""

    day: date
    expected: float
    low: float
    high: float


@dataclass(frozen=True)
class VolumeForecast:
    """Daily forecasts with 80% prediction intervals, and how they were made."""

    method: Literal["holt_winters", "weekday_mean"]
    history_days: int
    days: list[DayForecast]

    def to_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = plain(asdict(self))
        return fields


async def ticket_volume_forecast(
    session: AsyncSession,
    actor: Actor,
    *,
    today: date,
    horizon_days: int = 14,
    history_days: int = 120,
) -> VolumeForecast:
    """New tickets per day from `today` for `horizon_days`, learnt from up to `history_days` full days before it.

    The history starts at the first ticket when that is more recent (a new CRM has no zero-ticket past).
    """
    require(actor, "tickets", "read")
    day = sa.cast(func.timezone("UTC", Ticket.created_at), sa.Date)
    stmt = (
        select(day, func.count())
        .where(
            Ticket.created_at >= _midnight(today - timedelta(days=history_days)), Ticket.created_at < _midnight(today)
        )
        .group_by(day)
    )
    counts = {d: float(n) for d, n in await session.execute(stmt)}
    first = min(counts, default=today - timedelta(days=1))
    series = [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0.0)) for i in range((today - first).days)
    ]
    return forecast_series(series, horizon_days)


def forecast_series(series: Series, horizon: int) -> VolumeForecast:
    """Forecast the `horizon` days after a contiguous, non-empty daily series.

    Holt-Winters (additive damped trend, additive weekly season) with at least four weeks of
    history, else the mean of each weekday; intervals are +/- 1.28 in-sample residual sd, clipped at 0.
    """
    values = np.array([value for _, value in series], dtype=float)
    method: Literal["holt_winters", "weekday_mean"]
    if len(values) >= HOLT_WINTERS_MIN_DAYS and np.ptp(values) > 0:
        method, mean, residuals = "holt_winters", *_holt_winters(values, horizon)
    else:
        method, mean, residuals = "weekday_mean", *_weekday_means(series, horizon)
    spread = Z80 * (float(np.std(residuals, ddof=1)) if len(residuals) > 1 else 0.0)
    last = series[-1][0]
    days = [
        DayForecast(
            last + timedelta(days=i + 1),
            round(max(0.0, m), 2),
            round(max(0.0, m - spread), 2),
            round(max(0.0, m + spread), 2),
        )
        for i, m in enumerate(mean)
    ]
    return VolumeForecast(method=method, history_days=len(values), days=days)


def _holt_winters(values: np.ndarray, horizon: int) -> tuple[list[float], np.ndarray]:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning  # statsmodels takes seconds to import: only here
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    model = ExponentialSmoothing(
        values, trend="add", damped_trend=True, seasonal="add", seasonal_periods=7, initialization_method="estimated"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = model.fit()
    return [float(m) for m in fit.forecast(horizon)], values - fit.fittedvalues


def _weekday_means(series: Series, horizon: int) -> tuple[list[float], np.ndarray]:
    by_weekday: dict[int, list[float]] = {}
    for day, value in series:
        by_weekday.setdefault(day.weekday(), []).append(value)
    overall = statistics.fmean(value for _, value in series) if series else 0.0
    means = {weekday: statistics.fmean(values) for weekday, values in by_weekday.items()}
    last = series[-1][0]
    forecast = [means.get((last + timedelta(days=i + 1)).weekday(), overall) for i in range(horizon)]
    return forecast, np.array([value - means[day.weekday()] for day, value in series])


def backtest(series: Series, horizon: int) -> float:
    """MAPE (in %) of forecasting the last `horizon` days from the ones before; zero actuals are skipped."""
    if not 0 < horizon < len(series):
        raise ValueError(f"horizon {horizon} needs 1 to {len(series) - 1} days")
    actual = [value for _, value in series[-horizon:]]
    predicted = forecast_series(series[:-horizon], horizon).days
    errors = [abs(a - p.expected) / a for a, p in zip(actual, predicted) if a != 0]
    if not errors:
        raise ValueError("every actual is zero: MAPE is undefined")
    return 100 * statistics.fmean(errors)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
