"""The KB search's rate-limit count runs while the query is embedded (`bots.http.limits.OVERLAP`), and the limit holds
exactly as for every other request: the same counts and headers, 429 past the limit, and 429 when another process
used up the window unseen by this one. In-process app over real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.embeddings import default_embedder
from store.knowledge import ingest, read_paths
from store.settings import Settings
from tests.support import factories
from tests.support.paths import DATA
from tests.support.scripted_models import ScriptedModel, say

PER_MINUTE = 20


@pytest.fixture
async def client(db):
    async with db.session() as s:
        await ingest(s, read_paths([DATA / "kb"]), default_embedder())
        user = await factories.user(s, name="Kim", email="kim@nexa.test")
        token = await issue_token(s, user)
    settings = replace(Settings(), api_per_minute=PER_MINUTE)
    agent = Agent(db, ScriptedModel(say("hi")), embedder=default_embedder())
    async with AsyncTestClient(create_app(db, settings=settings, agent=agent)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        client.user_id = user.id  # type: ignore[attr-defined]
        yield client


async def test_searches_count_and_stop_at_the_limit_as_every_request_does(client):
    answers = [
        await client.get("/api/v1/kb/search", params={"q": f"reset my password {i}"}) for i in range(PER_MINUTE + 2)
    ]
    assert [a.status_code for a in answers] == [200] * PER_MINUTE + [429, 429]
    assert [int(a.headers["RateLimit-Remaining"]) for a in answers[:PER_MINUTE]] == list(range(PER_MINUTE - 1, -1, -1))
    assert answers[0].json()["items"] and "items" not in answers[-1].json()
    assert int(answers[-1].headers["Retry-After"]) >= 1


async def test_a_window_used_up_by_another_process_refuses_the_search(client, db):
    first = await client.get("/api/v1/kb/search", params={"q": "reset my password"})
    assert first.status_code == 200 and int(first.headers["RateLimit-Remaining"]) == PER_MINUTE - 1
    async with db.session() as s:  # another server process takes the rest of the window
        await s.execute(
            text("UPDATE rate_windows SET hits = :limit WHERE rule = 'rate_api' AND key = :key"),
            {"limit": PER_MINUTE, "key": f"user:{client.user_id}"},
        )
    refused = await client.get("/api/v1/kb/search", params={"q": "export timeouts"})
    assert refused.status_code == 429 and "items" not in refused.json()
    assert refused.headers["RateLimit-Remaining"] == "0"
