"""Anomaly alerts: robust z-scores on daily series built in PostgreSQL, limited to what the caller sees."""

from __future__ import annotations

import statistics
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import insert

from store.auth import actor_for
from store.intelligence.anomalies import detect, find_alerts, rolling_sum
from store.models import Activity, Deal, Ticket
from store.models.enums import ActivityType, DealStage, Role
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.tickets import (
    DAYS,
    SPIKE_DAY,
    TODAY,
    WINDOW,
    accounts_with_tickets,
    at,
    ticket,
)


def test_detector_needs_history_and_keeps_flat_series_calm():
    flat = [(day, 0.0) for day in DAYS]
    assert detect(flat) == []
    one = flat[:-1] + [(TODAY, 1.0)]
    assert detect(one) == []  # the floor: z = 1/sqrt(1 + 0) = 1, not infinity
    spike = flat[:-1] + [(TODAY, 6.0)]
    [found] = detect(spike, direction="up")
    assert (found.day, found.observed, found.expected, found.scale, found.z) == (TODAY, 6.0, 0.0, 1.0, 6.0)
    assert detect(spike, direction="down") == []
    assert detect(spike[:-1], direction="up") == []  # the spike is outside the last 7 days
    assert detect(spike[-20:], direction="up") == []  # 13 days of history
    assert rolling_sum([(d, 1.0) for d in DAYS[:4]], 3) == [(DAYS[2], 3.0), (DAYS[3], 3.0)]


async def test_a_ticket_spike_on_one_account_is_found_with_its_evidence(db):
    async with db.session() as s:
        accounts, rows = await accounts_with_tickets(s, seed=7)
        on_spike_day = sum(
            1 for r in rows if r["account_id"] == accounts["Acme Corp"] and r["created_at"].date() == SPIKE_DAY
        )
        # planted without a product, so that only the account (not a product) stands out
        await s.execute(insert(Ticket), [ticket(accounts["Acme Corp"], SPIKE_DAY, hour=9)] * (9 - on_spike_day))
        alerts = await find_alerts(s, SYSTEM, today=TODAY)
    acme_tuesdays = [
        sum(1 for r in rows if r["account_id"] == accounts["Acme Corp"] and r["created_at"].date() == day)
        for day in DAYS
        if day < WINDOW.scan_from and day.weekday() == SPIKE_DAY.weekday()
    ]
    [alert] = alerts
    assert (alert.kind, alert.subject, alert.day, alert.observed) == ("account_tickets", "Acme Corp", SPIKE_DAY, 9)
    assert alert.expected == statistics.median(acme_tuesdays)
    assert alert.z == pytest.approx((9 - alert.expected) / alert.scale, abs=0.01) and alert.z >= 3.5
    assert alert.record == {"type": "account", "id": str(accounts["Acme Corp"]), "name": "Acme Corp"}
    assert (
        alert.message
        == f"Acme Corp: 9 tickets on Tue 2026-11-24 vs typical {alert.expected:g} (robust z {alert.z:.1f})"
    )
    assert alert.to_dict()["day"] == "2026-11-24"


async def test_the_same_noise_without_a_plant_raises_nothing(db):
    async with db.session() as s:
        await accounts_with_tickets(s, seed=7)
        assert await find_alerts(s, SYSTEM, today=TODAY) == []


async def test_a_reps_activity_falling_off_is_found(db):
    rng = np.random.default_rng(3)
    async with db.session() as s:
        dana = await factories.user(s, name="Dana Reyes")
        sam = await factories.user(s, name="Sam Ortiz")
        kinds = [ActivityType.call, ActivityType.meeting, ActivityType.email, ActivityType.note]
        rows = []
        for day in DAYS:
            if day.weekday() >= 5:
                continue  # nobody logs work at weekends
            quiet = day >= date(2026, 11, 23)  # Dana goes quiet from Monday
            for rep, rate in ((dana, 0.5 if quiet else 8), (sam, 8)):
                rows += [
                    {
                        "type": kinds[int(rng.integers(4))],
                        "action": "logged",
                        "subject": "Touch",
                        "actor_id": rep.id,
                        "occurred_at": at(day, int(rng.integers(8, 18))),
                    }
                    for _ in range(rng.poisson(rate))
                ]
        await s.execute(insert(Activity), rows)
        alerts = await find_alerts(s, SYSTEM, today=TODAY)
    [alert] = alerts
    assert (alert.kind, alert.subject, alert.record["type"], alert.record["id"]) == (
        "rep_activity",
        "Dana Reyes",
        "user",
        str(dana.id),
    )
    assert alert.observed < 15 and alert.expected > 30 and alert.z <= -3.5
    assert "calls, meetings, emails and notes in the 7 days to" in alert.message


async def test_deals_slipping_past_their_close_date_and_a_pipeline_drop(db):
    async with db.session() as s:
        owner = await factories.user(s)
        long_ago = at(date(2026, 1, 5))
        base = [
            Deal(deal_name=f"Base {i}", amount=Decimal(25000), owner_id=owner.id, created_at=long_ago)
            for i in range(20)
        ]
        daily = [
            Deal(deal_name=f"New {day}", amount=Decimal(10000), owner_id=owner.id, created_at=at(day)) for day in DAYS
        ]
        slipping = [
            Deal(
                deal_name=f"Late {i}",
                amount=Decimal(5000),
                owner_id=owner.id,
                close_date=date(2026, 11, 23),
                created_at=long_ago,
            )
            for i in range(5)
        ]
        others = [
            Deal(
                deal_name="Slipped in October",
                amount=Decimal(5000),
                owner_id=owner.id,
                close_date=date(2026, 10, 7),
                created_at=long_ago,
            ),
            Deal(
                deal_name="Won early",
                amount=Decimal(5000),
                owner_id=owner.id,
                close_date=date(2026, 11, 23),
                created_at=long_ago,
                stage=DealStage.closed_won,
                closed_at=at(date(2026, 9, 1)),
            ),  # closed: not slipping
        ]
        s.add_all(base + daily + slipping + others)
        await s.flush()
        for deal in base[:8]:  # $200K of pipeline lost on one day
            deal.stage, deal.closed_at, deal.lost_reason = DealStage.closed_lost, at(date(2026, 11, 24), 15), "budget"
        await s.flush()
        alerts = {alert.kind: alert for alert in await find_alerts(s, SYSTEM, today=TODAY)}
    assert set(alerts) == {"slipping_deals", "pipeline_drop"}
    late = alerts["slipping_deals"]
    assert (late.day, late.observed, late.expected) == (date(2026, 11, 23), 5, 0)
    assert late.message.startswith(
        "Deals past their close date: 5 open deals due Mon 2026-11-23 still open vs typical 0"
    )
    drop = alerts["pipeline_drop"]
    assert (drop.day, drop.observed, drop.expected) == (date(2026, 11, 24), -190000, 10000)
    assert drop.message.startswith("Open pipeline: changed by -$190K on Tue 2026-11-24 vs typical +$10K (robust z -")


async def test_callers_see_alerts_only_about_what_they_may_see(db):
    async with db.session() as s:
        east = await factories.user(s, team="East")
        west = await factories.user(s, team="West")
        east_manager = await factories.user(s, role=Role.manager, team="East")
        support = await factories.user(s, role=Role.support, team=None)
        westco = await factories.account(s, account_name="Westco", account_owner_id=west.id)
        eastco = await factories.account(s, account_name="Eastco", account_owner_id=east.id)
        rows = [ticket(account.id, day) for account in (westco, eastco) for day in DAYS]
        rows += [ticket(westco.id, SPIKE_DAY)] * 9
        await s.execute(insert(Ticket), rows)
        s.add_all(
            [
                Deal(
                    deal_name=f"West late {i}",
                    amount=Decimal(1000),
                    owner_id=west.id,
                    close_date=date(2026, 11, 23),
                    created_at=at(date(2026, 1, 5)),
                )
                for i in range(5)
            ]
        )
        await s.flush()

        async def seen(user) -> set[tuple[str, str]]:
            return {(a.kind, a.subject) for a in await find_alerts(s, actor_for(user), today=TODAY)}

        west_alerts = {("account_tickets", "Westco"), ("slipping_deals", "Deals past their close date")}
        assert await seen(west) == west_alerts
        assert await seen(east) == set()
        assert await seen(east_manager) == set()
        assert await seen(support) == {("account_tickets", "Westco")}  # support reads every ticket, but no pipeline
        assert {(a.kind, a.subject) for a in await find_alerts(s, SYSTEM, today=TODAY)} == west_alerts
