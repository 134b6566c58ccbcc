"""What the console's boards and charts read, from the services, with the clock pinned: an empty CRM gives empty
columns and empty (not failing) series; the win-rate trend counts each month's closed deals the caller may see."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from store.access import Actor, CallerRole
from store.clock import today
from store.intelligence.forecasts import pipeline_forecast, ticket_volume_forecast
from store.models import Deal
from store.models.enums import Role
from store.services import PipelineService, TaskService
from tests.support import factories


def as_actor(user) -> Actor:
    return Actor(role=CallerRole(user.role.value), user_id=user.id, name=user.name, email=user.email, team=user.team)


async def test_an_empty_crm_gives_empty_boards_and_empty_series(db, clock):
    async with db.session() as session:
        rep = as_actor(await factories.user(session))
        board = await PipelineService(session, rep).board()
        tasks = await TaskService(session, rep).board()
        trend = await PipelineService(session, rep).win_rate_trend(months=12)
        quarters = await pipeline_forecast(session, rep, today=today())
        tickets = await ticket_volume_forecast(session, rep, today=today())
    assert [c.stage for c in board] == [
        "prospecting",
        "qualification",
        "proposal",
        "negotiation",
        "closed_won",
        "closed_lost",
    ]
    assert all(c.total == 0 and c.cards == [] for c in board)
    assert tasks == {s: {"total": 0, "cards": []} for s in ("todo", "in_progress", "done")}
    assert len(trend) == 12 and trend[-1].month == "2026-06" and trend[0].month == "2025-07"
    assert all(m.won == m.lost == 0 and m.rate is None for m in trend)
    assert [float(q.projected["high"]) for q in quarters] == [0.0, 0.0]
    assert len(tickets.days) == 14 and all(d.expected == 0 for d in tickets.days)


async def test_win_rate_trend_counts_the_months_closed_deals_the_caller_may_see(db, clock):
    async with db.session() as session:
        rep = await factories.user(session, team="East")
        other = await factories.user(session, team="West")
        manager = as_actor(await factories.user(session, role=Role.manager, team="East"))
        closings = [
            (rep, "closed_won", datetime(2026, 6, 2, tzinfo=UTC)),
            (rep, "closed_lost", datetime(2026, 6, 9, tzinfo=UTC)),
            (rep, "closed_won", datetime(2026, 4, 30, 23, 0, tzinfo=UTC)),
            (other, "closed_won", datetime(2026, 6, 3, tzinfo=UTC)),
            (rep, "closed_won", datetime(2025, 6, 15, tzinfo=UTC)),
        ]  # a month before the window
        for owner, stage, at in closings:
            deal = await factories.deal(session, owner_id=owner.id)
            await session.execute(update(Deal).where(Deal.id == deal.id).values(stage=stage, closed_at=at))
        trend = {m.month: m for m in await PipelineService(session, manager).win_rate_trend(months=3)}
        board = {c.stage: c for c in await PipelineService(session, manager).board(closed_days=30)}
    assert list(trend) == ["2026-04", "2026-05", "2026-06"]
    assert (trend["2026-06"].won, trend["2026-06"].lost, trend["2026-06"].rate) == (
        1,
        1,
        0.5,
    )  # West's win is not East's
    assert (trend["2026-04"].won, trend["2026-04"].rate) == (1, 1.0) and trend["2026-05"].rate is None
    assert board["closed_won"].total == 1 and board["closed_lost"].total == 1  # closed in the last 30 days, East only
