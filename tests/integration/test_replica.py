"""Read-only analytics on a replica (NEXA_DATABASE_REPLICA_URL); writes and everything else stay on the primary.

A second database on the test server stands in for the replica: it holds the same user but another deal, so
which database answered is visible in the figures."""

from __future__ import annotations

import psycopg
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.db import Database, upgrade
from store.models.enums import Role
from store.settings import Settings
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, say

REPLICA_DB = "nexa_test_replica"


@pytest.fixture(scope="module")
def replica_url(database_url: str) -> str:
    def named(database: str) -> str:  # the test database's URL with another database name (keeps ?host=...)
        head, _, tail = database_url.partition("?")
        return head.rsplit("/", 1)[0] + f"/{database}" + (f"?{tail}" if tail else "")

    admin = named("postgres").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{REPLICA_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{REPLICA_DB}"')
    url = named(REPLICA_DB)
    upgrade(url)
    return url


async def test_the_pipeline_is_read_from_the_replica_and_writes_go_to_the_primary(db, database_url, replica_url):
    replica = Database(replica_url, settings=Settings())
    try:
        async with db.session() as s:
            boss = await factories.user(s, name="Mia", email="mia@nexa.test", role=Role.manager)
            token = await issue_token(s, boss)
            await factories.deal(s, amount=111, owner_id=boss.id)
        async with replica.session() as s:
            await s.execute(text("TRUNCATE users CASCADE"))
            await factories.user(s, id=boss.id, name="Mia", email="mia@nexa.test", role=Role.manager)
            await factories.deal(s, amount=999, owner_id=boss.id)
    finally:
        await replica.close()
    both = Database(database_url, settings=Settings(database_replica_url=replica_url))
    try:
        app = create_app(both, settings=Settings(), agent=Agent(both, ScriptedModel(say("hi"))))
        async with AsyncTestClient(app) as client:
            auth = {"Authorization": f"Bearer {token}"}
            pipeline = (await client.get("/api/v1/pipeline", headers=auth)).json()
            assert "999" in str(pipeline) and "111" not in str(pipeline), pipeline
            created = await client.post("/api/v1/tasks", json={"title": "Call Ivy"}, headers=auth)
            assert created.status_code == 201
        async with both.session() as s:
            assert await s.scalar(text("SELECT count(*) FROM tasks WHERE title = 'Call Ivy'")) == 1
        async with both.reader() as s:
            assert await s.scalar(text("SELECT count(*) FROM tasks")) == 0
            with pytest.raises(DBAPIError, match="read-only transaction"):
                await s.execute(text("INSERT INTO tasks (id, title) VALUES (gen_random_uuid(), 'x')"))
    finally:
        await both.close()


async def test_without_a_replica_analytics_read_the_primary(db):
    async with db.session() as s:
        await factories.deal(s, amount=111)
    async with db.reader() as s:
        assert await s.scalar(text("SELECT count(*) FROM deals")) == 1
