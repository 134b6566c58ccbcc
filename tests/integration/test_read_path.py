"""The read path's shortcuts keep their promises: the rate-limit window counts every hit once across connections,
a process's batch of hits never admits past the shared limit,
a cached token is refused once its cache time has passed, a page's window count equals the live count, and a pool
without a ping per checkout recovers after its connections are killed. In-process app over real PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from litestar.exceptions import NotAuthorizedException
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import TokenCache, issue_token
from store import rate_limits
from store.db import Database
from store.models.enums import LeadStatus
from store.models.rate_limits import RateWindow
from store.services import LeadService
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.scripted_models import ScriptedModel, say


async def test_concurrent_hits_are_each_counted_once_and_a_passed_window_starts_again(db):
    counts = await asyncio.gather(*(rate_limits.hit(db, "rate_test", "amy", window=60) for _ in range(30)))
    assert sorted(c for c, _ in counts) == list(range(1, 31)) and all(0 < left <= 60 for _, left in counts)
    assert (await rate_limits.hit(db, "rate_test", "bob", window=60))[0] == 1  # keys apart
    await rate_limits.hit(db, "rate_test", "old", window=0)  # a window that has already passed
    assert (await rate_limits.hit(db, "rate_test", "old", window=60))[0] == 1


async def _table_hits(db, rule: str, key: str) -> int:
    async with db.session() as s:
        return await s.scalar(select(RateWindow.hits).where(RateWindow.rule == rule, RateWindow.key == key))


async def test_a_process_counts_a_batch_of_hits_per_round_trip_and_never_admits_past_the_shared_limit(db):
    clock = [0.0]
    one, two = (rate_limits.Leases(db, clock=lambda: clock[0]) for _ in range(2))  # two server processes
    counts = [(await one.hit("rate_lease", "amy", window=60, limit=500))[0] for _ in range(3)]
    assert counts == [1, 2, 3] and await _table_hits(db, "rate_lease", "amy") == 10  # one batch of 500 / 50 taken
    clock[0] += 61  # the process's window has ended: it asks the table again
    await one.hit("rate_lease", "amy", window=60, limit=500)
    assert await _table_hits(db, "rate_lease", "amy") == 20

    admitted = [(await leases.hit("rate_lease", "bob", window=60, limit=100))[0] <= 100 for leases in [one, two] * 60]
    assert 99 <= sum(admitted) <= 100  # batches of 2: at most one hit left unused in the other process


async def test_a_spent_window_is_refused_without_asking_the_table_again(db):
    one, two = rate_limits.Leases(db), rate_limits.Leases(db)
    assert [(await one.hit("rate_spent", "amy", window=60, limit=4))[0] for _ in range(4)] == [1, 2, 3, 4]
    count, left = await two.hit("rate_spent", "amy", window=60, limit=4)
    assert count == 5 and 0 < left <= 60
    refused = [(await leases.hit("rate_spent", "amy", window=60, limit=4))[0] for leases in [one, two, one]]
    assert all(c > 4 for c in refused) and await _table_hits(db, "rate_spent", "amy") == 5


async def test_a_cached_token_is_trusted_until_its_time_is_up_then_refused_when_revoked(db):
    async with db.session() as s:
        john = await factories.user(s, name="John", email="john@nexa.test")
        token = await issue_token(s, john)
    now = [100.0]
    cache, uncached = TokenCache(db, 5, clock=lambda: now[0]), TokenCache(db, 0)
    header = f"Bearer {token}"
    assert (await cache.actor(header)).user_id == john.id and (await uncached.actor(header)).user_id == john.id
    async with db.session() as s:
        await issue_token(s, await s.get(type(john), john.id))  # replaces (revokes) the old token
    assert (await cache.actor(header)).user_id == john.id  # within the cache time
    with pytest.raises(NotAuthorizedException):
        await uncached.actor(header)
    now[0] += 5.01
    with pytest.raises(NotAuthorizedException):
        await cache.actor(header)
    with pytest.raises(NotAuthorizedException):
        await cache.actor("Bearer nexa_unknown")


async def test_a_pages_window_count_equals_the_live_count_also_past_the_end(db):
    async with db.session() as s:
        for i in range(7):
            made = await factories.lead(s, first_name=f"L{i}")
            made.status = LeadStatus.new if i % 2 else LeadStatus.contacted
    async with db.session() as s:
        service = LeadService(s, SYSTEM)
        items, total = await service.search(limit=3)
        assert len(items) == 3 and total == 7
        items, total = await service.search(status=LeadStatus.new, limit=2, offset=2)
        assert len(items) == 1 and total == 3
        assert await service.search(limit=5, offset=50) == ([], 7)


async def test_the_pool_reconnects_after_its_connections_are_killed(database_url, db):
    async with db.session() as s:
        token = await issue_token(s, await factories.user(s, name="John", email="john@nexa.test"))
    async with db.engine.connect() as conn:
        before = set(
            (await conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))).scalars()
        )
    served = Database(database_url, settings=Settings())
    app = create_app(served, settings=Settings(), agent=Agent(served, ScriptedModel(say("hi"))))
    auth = {"Authorization": f"Bearer {token}"}
    async with AsyncTestClient(app) as client:
        assert (await client.get("/api/v1/leads", headers=auth)).status_code == 200
        async with db.engine.connect() as conn:
            killed = (
                await conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND NOT pid = ANY(:before)"
                    ),
                    {"before": list(before)},
                )
            ).scalar_one()
        assert killed >= 1
        statuses = [(await client.get("/api/v1/leads", headers=auth)).status_code for _ in range(4)]
    assert statuses in ([200] * 4, [503] + [200] * 3), statuses  # at most one request meets a dead connection
    await served.close()
