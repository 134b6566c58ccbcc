"""The pipeline summary kept by triggers on deals answers exactly as the live aggregate of the deals, for every caller."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, text, update

from store.access import Actor
from store.errors import PermissionDenied
from store.models import Deal, User, pipeline_summary
from store.models.enums import DealStage, Role
from store.seed.story import as_user
from store.services import DealService, PipelineService
from store.services.bulk import copy_rows
from store.services.pipeline import compact_summary
from tests.support import factories
from tests.support.factories import SYSTEM

TODAY = date(2026, 6, 10)  # the `clock` fixture's day


async def _summary_rows(db) -> set[tuple]:
    """The summary table's rows summed per key, and the same grain aggregated from the deals: they must be the same
    rows; then the table compacted, which must leave exactly those rows."""
    async with db.session() as s:
        keys = (pipeline_summary.c.owner_id, pipeline_summary.c.stage, pipeline_summary.c.close_date)
        kept = set(
            await s.execute(
                select(
                    *keys,
                    func.sum(pipeline_summary.c.deals),
                    func.sum(pipeline_summary.c.amount),
                    func.sum(pipeline_summary.c.weighted_value),
                )
                .group_by(*keys)
                .having(func.sum(pipeline_summary.c.deals) != 0)
            )
        )
        grain = (Deal.owner_id, Deal.stage, Deal.close_date)
        fresh = {
            (o, st.value, d, n, a, w)
            for o, st, d, n, a, w in await s.execute(
                select(*grain, func.count(), func.sum(Deal.amount), func.sum(Deal.weighted_value)).group_by(*grain)
            )
        }
    async with db.autocommit() as conn:
        await compact_summary(conn)
    async with db.session() as s:
        assert {tuple(row) for row in await s.execute(select(pipeline_summary))} == {tuple(row) for row in kept}
    return {tuple(row) for row in kept}, fresh


async def _assert_summary_matches_live(db, actors: list[Actor], users: list[User]) -> int:
    """Every pipeline summary each caller can ask for equals the live aggregate; returns how many were compared."""
    window = {"close_from": TODAY - timedelta(days=10), "close_to": TODAY + timedelta(days=45)}
    asks = [
        {},
        {"group_by": "owner"},
        window,
        window | {"group_by": "owner"},
        {"team": "Sales East"},
        {"team": "Sales West", "group_by": "owner"},
    ]
    asks += [{"owner_id": u.id} for u in users] + [{"owner_id": u.id, "group_by": "owner"} | window for u in users]
    compared = 0
    async with db.session() as s:
        for actor in actors:
            for ask in asks:
                kept = await PipelineService(s, actor).summary(**ask)
                live = await PipelineService(s, actor).summary(**ask, live=True)
                assert kept == live, (actor.label, ask)
                compared += 1
    kept_rows, fresh_rows = await _summary_rows(db)
    assert kept_rows == fresh_rows
    return compared


@pytest.fixture
async def team(db, clock):
    """An admin, two managers and three reps on two teams."""
    async with db.session() as s:
        people = {
            "admin": await factories.user(s, role=Role.admin, team=None),
            "east_manager": await factories.user(s, role=Role.manager, team="Sales East"),
            "west_manager": await factories.user(s, role=Role.manager, team="Sales West"),
            "ann": await factories.user(s, team="Sales East"),
            "bob": await factories.user(s, team="Sales East"),
            "cy": await factories.user(s, team="Sales West"),
        }
        await s.commit()
    return people


def _actors(people: dict[str, User]) -> list[Actor]:
    return [SYSTEM, *(as_user(u) for u in people.values())]


async def test_summary_follows_every_kind_of_deal_change(db, team):
    ann, bob, cy = team["ann"].id, team["bob"].id, team["cy"].id
    async with db.session() as s:
        first, second = await factories.account(s), await factories.account(s)
        made = [
            await factories.deal(
                s, amount=50000, owner_id=ann, account_id=first.id, close_date=TODAY + timedelta(days=20)
            ),
            await factories.deal(
                s, amount=12000, owner_id=ann, close_date=TODAY + timedelta(days=20), stage="proposal"
            ),
            await factories.deal(
                s, amount=8000, owner_id=bob, account_id=second.id, close_date=TODAY + timedelta(days=3)
            ),
            await factories.deal(
                s, amount=30000, owner_id=cy, close_date=TODAY + timedelta(days=90), stage="negotiation"
            ),
            await factories.deal(s, amount=5000, owner_id=cy),  # no close date
            await factories.deal(s, amount=7000, close_date=TODAY + timedelta(days=20)),  # unassigned
            await factories.deal(
                s, amount=9000, owner_id=bob, close_date=TODAY - timedelta(days=5), stage="prospecting"
            ),
        ]
        await s.commit()
    assert await _assert_summary_matches_live(db, _actors(team), list(team.values())) > 0

    async with db.session() as s:
        deals = DealService(s, SYSTEM)
        await deals.move_stage(made[0].id, "proposal")
        await deals.move_stage(made[1].id, "closed_won")
        await deals.move_stage(made[2].id, "closed_lost", reason="price")
        await deals.update(made[3].id, {"amount": 32500, "probability": 60})
        await deals.update(made[4].id, {"owner_id": ann, "close_date": TODAY + timedelta(days=10)})
        await deals.update(made[5].id, {"account_id": second.id, "owner_id": cy})
        await deals.update(made[0].id, {"account_id": second.id, "close_date": TODAY + timedelta(days=21)})
        await s.execute(delete(Deal).where(Deal.id == made[6].id))
        await s.commit()
    await _assert_summary_matches_live(db, _actors(team), list(team.values()))

    async with db.session() as s:  # the figures themselves, as Ann's manager sees them
        east = await PipelineService(s, as_user(team["east_manager"])).summary(group_by="owner")
        assert [(r.key, r.count, r.amount) for r in east.rows] == [(team["ann"].name, 2, Decimal(55000))]
        assert (east.won_count, east.won_amount) == (1, Decimal(12000))
        west = await PipelineService(s, as_user(team["cy"])).summary()
        assert (west.count, west.amount) == (2, Decimal(32500 + 7000))


async def test_a_key_left_without_deals_leaves_the_summary(db, team):
    async with db.session() as s:
        deal = await factories.deal(s, amount=4000, owner_id=team["ann"].id, close_date=TODAY)
        await DealService(s, SYSTEM).move_stage(deal.id, "proposal")
        await s.commit()
    async with db.autocommit() as conn:
        assert await compact_summary(conn) == 2  # the deal's first key: +1 and -1; its second: +1
        assert list(await conn.execute(select(pipeline_summary.c.stage, pipeline_summary.c.deals))) == [("proposal", 1)]
    async with db.session() as s:
        await s.execute(delete(Deal))
        await s.commit()
    async with db.autocommit() as conn:
        await compact_summary(conn)
        assert await conn.scalar(select(func.count()).select_from(pipeline_summary)) == 0


async def test_bulk_copy_updates_and_deletes_keep_the_summary(db, team):
    owners = [team["ann"].id, team["bob"].id, team["cy"].id, None]
    stages = [
        DealStage.prospecting,
        DealStage.qualification,
        DealStage.proposal,
        DealStage.negotiation,
        DealStage.closed_won,
    ]
    rows = [
        {
            "deal_name": f"Bulk {i}",
            "amount": Decimal(1000 + 250 * (i % 13)),
            "probability": 10 + i % 80,
            "stage": stages[i % 5],
            "owner_id": owners[i % 4],
            "close_date": TODAY + timedelta(days=i % 40 - 10) if i % 9 else None,
        }
        for i in range(600)
    ]
    async with db.session() as s:
        await copy_rows(s, Deal, rows)  # one COPY statement: one trigger call for all 600 deals
        await s.commit()
    await _assert_summary_matches_live(db, _actors(team), list(team.values()))
    async with db.session() as s:  # set-based changes, as imports and clean-ups make them
        await s.execute(update(Deal).where(Deal.owner_id == team["bob"].id).values(owner_id=team["cy"].id))
        await s.execute(
            update(Deal).where(Deal.stage == DealStage.qualification).values(amount=Deal.amount * 2, probability=50)
        )
        await s.execute(update(Deal).where(Deal.close_date < TODAY).values(stage=DealStage.closed_lost))
        await s.execute(delete(Deal).where(Deal.owner_id.is_(None), Deal.stage == DealStage.proposal))
        await s.commit()
    await _assert_summary_matches_live(db, _actors(team), list(team.values()))
    async with db.session() as s:
        await s.execute(text("TRUNCATE deals CASCADE"))
        await s.commit()
        assert await s.scalar(select(func.count()).select_from(pipeline_summary)) == 0


async def test_generated_seed_loaded_by_copy_is_summarised(db, clock):
    from store.seed import seed

    await seed(db)
    async with db.session() as s:
        people = list(await s.scalars(select(User).where(User.role.in_([Role.admin, Role.manager, Role.rep]))))
    assert await _assert_summary_matches_live(db, [SYSTEM, *(as_user(u) for u in people)], people) > 0


async def test_two_writers_on_one_new_key_both_count(db, team):
    """Two transactions add the first deals of the same key at once: neither waits for the other, and both count."""
    async with db.session() as first, db.session() as second:
        await factories.deal(first, amount=1000, owner_id=team["ann"].id, close_date=TODAY)
        await asyncio.wait_for(factories.deal(second, amount=2000, owner_id=team["ann"].id, close_date=TODAY), 5)
        await first.commit()
        await second.commit()
    async with db.autocommit() as conn:
        await compact_summary(conn)
        assert list(await conn.execute(select(pipeline_summary.c.deals, pipeline_summary.c.amount))) == [
            (2, Decimal(3000))
        ]


async def test_writers_crossing_keys_in_opposite_orders_do_not_deadlock(db, team):
    """Two transactions change deals of the same two keys one statement at a time (as the ORM flushes them), one
    key then the other and the other way round: no writer waits on the summary, so PostgreSQL chooses no deadlock victim
    (with one locked row per key, the second statements waited on each other)."""
    days = (TODAY, TODAY + timedelta(days=1))
    async with db.session() as s:
        mine = [(await factories.deal(s, amount=100, owner_id=team["ann"].id, close_date=d)).id for d in days]
        theirs = [(await factories.deal(s, amount=100, owner_id=team["ann"].id, close_date=d)).id for d in days]
        await s.commit()

    def bump(deal_id):
        return update(Deal).where(Deal.id == deal_id).values(amount=Deal.amount + 1)

    async with db.session() as first, db.session() as second:
        await first.execute(bump(mine[0]))
        await second.execute(bump(theirs[1]))
        await asyncio.wait_for(asyncio.gather(first.execute(bump(mine[1])), second.execute(bump(theirs[0]))), 10)
        await first.commit()
        await second.commit()
    await _assert_summary_matches_live(db, _actors(team), list(team.values()))
    async with db.session() as s:
        assert set(await s.execute(select(pipeline_summary.c.deals, pipeline_summary.c.amount))) == {(2, Decimal(202))}


async def test_the_summary_keeps_the_pipeline_rights(db, team):
    async with db.session() as s:
        support = await factories.user(s, role=Role.support, team=None)
        with pytest.raises(PermissionDenied):
            await PipelineService(s, as_user(support)).summary()
