"""The widget's customer API over real HTTP: sessions are isolated, the handoff validates and happens once, limits hold."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from bots.http.auth import issue_token
from store.models import Conversation, Ticket
from store.services.tickets import TicketService
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.live import live_server


@pytest.fixture(scope="module")
def base(database_url):
    with live_server(database_url, NEXA_WIDGET_PER_SESSION="4", NEXA_API_PER_MINUTE="5") as url:
        yield url


def session(base: str) -> httpx.Client:
    token = httpx.post(f"{base}/api/v1/widget/session").json()["session"]
    return httpx.Client(base_url=f"{base}/api/v1/widget", headers={"X-Nexa-Session": token}, timeout=60)


async def test_sessions_are_isolated_and_need_a_token(base, db):
    alice, bob = session(base), session(base)
    answer = alice.post("/messages", json={"message": "How do I reset my password?"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    assert [m["role"] for m in alice.get("/history").json()["messages"]] == ["user", "assistant"]
    assert bob.get("/history").json() == {"messages": [], "ticket_number": None}
    for headers in ({}, {"X-Nexa-Session": "short"}):
        response = httpx.get(f"{base}/api/v1/widget/history", headers=headers)
        assert response.status_code == 400 and response.json()["field"] == "X-Nexa-Session"


async def test_handoff_validates_then_opens_one_ticket_with_the_transcript(base, db):
    alice = session(base)
    assert alice.post("/handoff", json={"email": "a@b.test", "consent": True}).json()["field"] == "conversation"
    alice.post("/messages", json={"message": "My export keeps failing with EXP-999"})
    refused = [
        alice.post("/handoff", json={"email": "a@b.test", "consent": False, "reason": "need help"}),
        alice.post("/handoff", json={"email": "not-an-email", "consent": True}),
        alice.post("/handoff", json={"email": "a@b.test"}),
    ]
    assert [(r.status_code, r.json()["field"]) for r in refused] == [(400, "consent"), (400, "email"), (400, "consent")]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Ticket)) == 0
    done = alice.post(
        "/handoff", json={"email": "alice@customer.test", "consent": True, "reason": "the article did not help"}
    )
    assert done.status_code == 201
    number = done.json()["ticket_number"]
    assert f"#{number}" in done.json()["message"]
    again = alice.post("/handoff", json={"email": "alice@customer.test", "consent": True})
    assert again.json()["ticket_number"] == number
    async with db.session() as s:
        ticket = await TicketService(s, SYSTEM).by_number(number)
        assert ticket.channel.value == "widget" and ticket.requester_email == "alice@customer.test"
        assert "EXP-999" in ticket.description and "the article did not help" in ticket.description
        assert await s.scalar(select(func.count()).select_from(Ticket)) == 1
    assert alice.get("/history").json()["ticket_number"] == number


async def test_feedback_and_csat(base, db):
    alice = session(base)
    alice.post("/messages", json={"message": "How do I turn on two-factor authentication?"})
    assert alice.post("/feedback", json={"helpful": True}).json() == {"ok": True}
    bad = alice.post("/csat", json={"rating": 9})
    assert bad.status_code == 400 and bad.json()["field"] == "rating"
    assert alice.post("/csat", json={"rating": 5, "comment": "quick"}).json() == {"ok": True}
    async with db.session() as s:
        conversation = await s.scalar(select(Conversation).where(Conversation.external_ref.like("widget:%")))
        assert (conversation.helpful, conversation.csat_rating, conversation.csat_comment) == (True, 5, "quick")


async def test_oversized_and_rate_limited_messages(base, db):
    alice = session(base)
    big = alice.post("/messages", json={"message": "x" * 5000})
    assert big.status_code == 413 and big.json()["field"] == "message" and "4000" in big.json()["detail"]
    statuses = [alice.post("/messages", json={"message": f"question {i}?"}).status_code for i in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
    assert (
        session(base).post("/messages", json={"message": "hello?"}).status_code == 200
    )  # another session is not limited


async def test_the_widget_api_answers_cross_origin_pages(base, db):
    preflight = httpx.options(
        f"{base}/api/v1/widget/messages",
        headers={
            "Origin": "https://help.customer.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-nexa-session",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://help.customer.test")
    assert "x-nexa-session" in preflight.headers["access-control-allow-headers"].lower()
    created = httpx.post(f"{base}/api/v1/widget/session", headers={"Origin": "https://help.customer.test"})
    assert created.headers["access-control-allow-origin"] in ("*", "https://help.customer.test")


async def test_api_calls_are_limited_per_token(base, db):
    async with db.session() as s:
        tokens = [await issue_token(s, await factories.user(s, name=f"U{i}")) for i in range(2)]
    first, second = ({"Authorization": f"Bearer {t}"} for t in tokens)
    statuses = [httpx.get(f"{base}/api/v1/tasks", headers=first).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    limited = httpx.get(f"{base}/api/v1/tasks", headers=first)
    assert limited.json()["status"] == 429 and "ratelimit-reset" in {k.lower() for k in limited.headers}
    assert httpx.get(f"{base}/api/v1/tasks", headers=second).status_code == 200
