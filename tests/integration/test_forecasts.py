"""Forecasts: quarter bookings from the pipeline and win-rate history; daily ticket volume."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import insert, update

from store.access import Actor
from store.auth import actor_for
from store.errors import PermissionDenied
from store.intelligence.forecasts import Z80, backtest, forecast_series, pipeline_forecast, ticket_volume_forecast
from store.models import Deal, Ticket
from store.models.enums import Role
from store.services import DealService
from tests.support import factories
from tests.support.factories import SYSTEM

TODAY = date(2026, 11, 24)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), UTC)


async def closed_deal(s, owner, amount: int, path: list[str], closed_on: date) -> Deal:
    """A deal walked through `path` (its first stage at creation, its last a closed one), closed on `closed_on`."""
    deals = DealService(s, SYSTEM)
    deal = await deals.create(
        {"deal_name": f"Closed {'-'.join(path)} {amount}", "amount": amount, "owner_id": owner.id, "stage": path[0]}
    )
    for stage in path[1:]:
        await deals.move_stage(deal.id, stage, reason="price" if stage == "closed_lost" else None)
    await s.execute(update(Deal).where(Deal.id == deal.id).values(closed_at=at(closed_on)))
    return deal


async def test_pipeline_forecast_matches_hand_computed_numbers(db):
    async with db.session() as s:
        east = await factories.user(s, team="East")
        west = await factories.user(s, team="West")
        await closed_deal(
            s, east, 40000, ["prospecting", "qualification", "proposal", "closed_won"], date(2026, 10, 15)
        )
        await closed_deal(s, east, 9000, ["qualification", "proposal", "closed_lost"], date(2026, 9, 10))
        await closed_deal(s, east, 7000, ["qualification", "closed_lost"], date(2026, 8, 1))
        await closed_deal(s, east, 15000, ["qualification", "closed_won"], date(2026, 7, 20))
        await closed_deal(s, west, 99000, ["proposal", "closed_won"], date(2026, 10, 20))
        deals = DealService(s, SYSTEM)
        for name, stage, amount, close, owner, extra in [
            ("A", "prospecting", 10000, date(2026, 12, 15), east, {}),
            ("B", "proposal", 20000, date(2026, 11, 30), east, {"probability": 40}),
            ("C", "negotiation", 50000, date(2027, 2, 10), east, {}),
            ("D", "qualification", 8000, date(2027, 5, 1), east, {}),  # the quarter after next
            ("W", "proposal", 30000, date(2026, 12, 1), west, {}),
        ]:
            await deals.create(
                {"deal_name": name, "stage": stage, "amount": amount, "close_date": close, "owner_id": owner.id} | extra
            )
        q4, q1 = await pipeline_forecast(s, actor_for(east), today=TODAY)
        everyone_q4, _ = await pipeline_forecast(s, SYSTEM, today=TODAY)

    # East sees its own history: prospecting reached by 1 deal (won), qualification by 4 (2 won),
    # proposal by 2 (1 won), negotiation by none; each blended with the stage default, worth 10 outcomes.
    rates = {stage: r.rate for stage, r in q4.win_rates.items()}
    assert rates == pytest.approx(
        {"prospecting": 2 / 11, "qualification": 4.5 / 14, "proposal": 6 / 12, "negotiation": 0.75}
    )
    assert (q4.win_rates["qualification"].won, q4.win_rates["qualification"].closed) == (2, 4)

    assert (q4.label, q4.start, q4.end) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert (q4.closed_won, q4.won_count, q4.deal_count, q4.open_amount) == (
        Decimal("40000.00"),
        1,
        2,
        Decimal("30000.00"),
    )
    assert q4.weighted == Decimal("9000.00")  # 10000 x 10% + 20000 x 40% (its own probability)
    expected = 10000 * 2 / 11 + 20000 * 0.5
    spread = Z80 * math.sqrt(10000**2 * (2 / 11) * (9 / 11) + 20000**2 * 0.25)
    assert float(q4.expected) == pytest.approx(expected, abs=0.01)
    assert (float(q4.low), float(q4.high)) == pytest.approx((max(0, expected - spread), expected + spread), abs=0.01)
    assert q4.projected["expected"] == q4.closed_won + q4.expected

    assert (q1.label, q1.closed_won, q1.deal_count, q1.weighted) == ("2027-Q1", Decimal(0), 1, Decimal("37500.00"))
    spread = Z80 * math.sqrt(50000**2 * 0.75 * 0.25)
    assert (float(q1.expected), float(q1.low), float(q1.high)) == pytest.approx(
        (37500, 37500 - spread, 50000), abs=0.01
    )  # high capped at the amount

    # Everyone: West's won proposal deal joins the history, and its open deal and win join Q4.
    assert everyone_q4.win_rates["proposal"].rate == pytest.approx(7 / 13)
    assert (everyone_q4.closed_won, everyone_q4.deal_count, everyone_q4.weighted) == (
        Decimal("139000.00"),
        3,
        Decimal("24000.00"),
    )
    assert everyone_q4.to_dict()["win_rates"]["proposal"]["won"] == 2


async def test_pipeline_forecast_is_refused_to_support(db):
    async with db.session() as s:
        support = await factories.user(s, role=Role.support)
        with pytest.raises(PermissionDenied):
            await pipeline_forecast(s, actor_for(support), today=TODAY)


def weekly_series(start: date, days: int, *, seed: int) -> list[tuple[date, float]]:
    """Poisson tickets: 40 a weekday and 12 a weekend day, growing 0.1% a day."""
    rng = np.random.default_rng(seed)
    series = []
    for i in range(days):
        day = start + timedelta(days=i)
        series.append((day, float(rng.poisson((40 if day.weekday() < 5 else 12) * (1 + 0.001 * i)))))
    return series


async def test_ticket_forecast_follows_the_weekly_season(db):
    series = weekly_series(TODAY - timedelta(days=120), 134, seed=5)
    history, future = series[:120], series[120:]
    async with db.session() as s:
        await s.execute(
            insert(Ticket),
            [
                {"subject": "Help", "created_at": at(day, hour), "updated_at": at(day, hour)}
                for day, n in history
                for hour in np.resize(np.arange(24), int(n))
            ],
        )
        forecast = await ticket_volume_forecast(s, SYSTEM, today=TODAY, horizon_days=14)
    assert (forecast.method, forecast.history_days) == ("holt_winters", 120)
    assert [d.day for d in forecast.days] == [day for day, _ in future]
    # Poisson noise alone costs a perfect forecaster about 15% MAPE on this series (sd/mean is 16% on
    # weekdays, 29% at weekends); ignoring the weekly season (a flat ~32 a day) costs over 50%. 30% is
    # comfortably between the two.
    mape = backtest(series, 14)
    assert mape < 30
    assert mape == pytest.approx(
        100 * np.mean([abs(a - d.expected) / a for (_, a), d in zip(future, forecast.days)]), abs=0.01
    )
    inside = sum(d.low <= actual <= d.high for (_, actual), d in zip(future, forecast.days))
    assert inside >= 9  # 80% intervals: most of the 14 actuals
    assert all(d.low <= d.expected <= d.high and d.low >= 0 for d in forecast.days)


def test_short_history_falls_back_to_weekday_means():
    series = weekly_series(TODAY - timedelta(days=21), 21, seed=1)
    forecast = forecast_series(series, 7)
    assert forecast.method == "weekday_mean"
    for day in forecast.days:
        same = [value for d, value in series if d.weekday() == day.day.weekday()]
        assert day.expected == pytest.approx(sum(same) / len(same), abs=0.01)
    with pytest.raises(ValueError):
        backtest(series, 21)


async def test_ticket_forecast_without_tickets_is_zero_and_customers_are_refused(db):
    async with db.session() as s:
        forecast = await ticket_volume_forecast(s, SYSTEM, today=TODAY, horizon_days=3)
        assert (forecast.method, [d.expected for d in forecast.days]) == ("weekday_mean", [0.0, 0.0, 0.0])
        assert forecast.to_dict()["days"][0]["day"] == "2026-11-24"
        with pytest.raises(PermissionDenied):
            await ticket_volume_forecast(s, Actor.customer("widget-1"), today=TODAY)
