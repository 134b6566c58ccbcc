"""Rate limits and idempotency keys belong to the authenticated principal; authentication comes before any claim; a
claim left by a killed server expires (issue 12, items 6, 7 and 9). In-process app (Litestar's async test client)
over real PostgreSQL: these are rules of the app, not of the socket (tests/e2e/test_processes.py covers real servers)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.models import IdempotencyKey, Task
from store.settings import Settings
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, say

PER_MINUTE = 6


@pytest.fixture
async def base(db):
    settings = replace(Settings(), api_per_minute=PER_MINUTE)
    async with AsyncTestClient(create_app(db, settings=settings, agent=Agent(db, ScriptedModel(say("hi"))))) as client:
        yield client


async def _user(db, name: str):
    async with db.session() as s:
        user = await factories.user(s, name=name.title(), email=f"{name}@nexa.test")
        return user, await issue_token(s, user)


async def _call(base: AsyncTestClient, header: str, method: str = "GET", path: str = "/tasks", **kw) -> httpx.Response:
    return await base.request(method, f"/api/v1{path}", headers={"Authorization": header} | kw.pop("headers", {}), **kw)


async def test_spellings_of_one_token_share_one_rate_limit_bucket(base, db):
    _, token = await _user(db, "rita")
    spellings = [f"Bearer {token}", f"bearer {token}", f"Bearer  {token}", f"BEARER {token}"]
    codes = [(await _call(base, spellings[i % len(spellings)])).status_code for i in range(PER_MINUTE + 2)]
    assert codes[:PER_MINUTE] == [200] * PER_MINUTE and codes[PER_MINUTE:] == [429, 429], codes


async def test_spellings_of_one_token_share_one_idempotency_key(base, db):
    _, token = await _user(db, "ivan")
    task = {"title": "Send the contract"}
    first = await _call(base, f"Bearer {token}", "POST", json=task, headers={"Idempotency-Key": "task-1"})
    again = await _call(base, f"bearer  {token}", "POST", json=task, headers={"Idempotency-Key": "task-1"})
    assert first.status_code == 201 and again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Task)) == 1


async def test_unauthenticated_requests_claim_no_idempotency_key(base, db):
    await _user(db, "una")
    for header in ("", "Bearer nexa_not-a-token", "Basic dXNlcjpwYXNz", "Bearer"):
        response = await _call(base, header, "POST", json={"title": "x"}, headers={"Idempotency-Key": f"k-{header}"})
        assert response.status_code == 401, response.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


async def test_a_claim_left_by_a_killed_server_expires(base, db):
    user, token = await _user(db, "kim")
    caller = hashlib.sha256(f"user:{user.id}".encode()).hexdigest()
    body = b'{"title": "Call back"}'
    fingerprint = hashlib.sha256(b"\n".join([b"POST", b"/api/v1/tasks", b"", body])).hexdigest()
    async with db.session() as s:  # what a kill -9 mid-request leaves behind: a claim with no response
        for key, age in (("stale", "10 minutes"), ("running", "5 seconds")):
            await s.execute(
                text(
                    "INSERT INTO idempotency_keys (caller, key, request_hash, created_at) VALUES "
                    f"(:caller, :key, :hash, now() - interval '{age}')"
                ),
                {"caller": caller, "key": key, "hash": fingerprint},
            )
    json_body = {"content": body, "headers": {"Content-Type": "application/json", "Idempotency-Key": "stale"}}
    retried = await _call(base, f"Bearer {token}", "POST", **json_body)
    assert retried.status_code == 201, retried.text
    replayed = await _call(base, f"Bearer {token}", "POST", **json_body)
    assert replayed.headers.get("idempotent-replayed") == "true" and replayed.json()["id"] == retried.json()["id"]
    running = await _call(
        base,
        f"Bearer {token}",
        "POST",
        content=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": "running"},
    )
    assert running.status_code == 409 and "still running" in running.json()["detail"]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Task)) == 1
