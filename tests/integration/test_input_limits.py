"""Input limits hold on every channel: the agent refuses an empty or over-long message before it opens or stores
anything; HTTP answers 400/413 naming `message` (also before a stream starts), the CLI chat says so and goes on.
And the outcome a turn reports, which adapters switch on."""

from __future__ import annotations

import io

import pytest
from litestar.testing import AsyncTestClient
from rich.console import Console
from sqlalchemy import func, select

from assistant.agent import Agent
from assistant.events import Outcome
from assistant.input_limits import MessageTooLong
from bots.chat import chat_loop
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.auth import actor_for
from store.errors import InvalidInput
from store.models import Conversation
from store.settings import Settings
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, call, say

LIMITS = Settings(max_message_chars=20)


async def _john(db):
    async with db.session() as s:
        john = await factories.user(s, name="John Miller", email="john@nexa.test", team="Enterprise")
        return john, actor_for(john), await issue_token(s, john)


async def _conversations(db) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Conversation)) or 0)


async def test_the_agent_refuses_empty_and_over_long_messages_and_stores_nothing(db):
    _, john, _ = await _john(db)
    model = ScriptedModel(say("hi"))
    agent = Agent(db, model, settings=LIMITS)
    for blank in ("", "  \n\t "):
        with pytest.raises(InvalidInput) as empty:
            await agent.run(john, blank)
        assert (empty.value.field, empty.value.reason, empty.value.status) == ("message", "must not be empty", 400)
    with pytest.raises(MessageTooLong) as long:
        await agent.run(john, "x" * 21)
    assert (
        long.value.field == "message"
        and long.value.status == 413
        and "at most 20 characters (21 sent)" in str(long.value)
    )
    assert model.requests == [] and await _conversations(db) == 0
    ok = await agent.run(john, "  " + "x" * 20 + "  ")  # surrounding blanks do not count
    assert ok.answer == "hi" and ok.outcome is Outcome.answered


async def test_http_chat_refuses_with_4xx_as_json_and_before_a_stream(db):
    _, _, token = await _john(db)
    agent = Agent(db, ScriptedModel(say("hi")), settings=LIMITS)
    app = create_app(db, settings=LIMITS, agent=agent)
    auth = {"Authorization": f"Bearer {token}"}
    async with AsyncTestClient(app) as client:
        for accept in ("application/json", "text/event-stream"):
            headers = auth | {"Accept": accept}
            empty = await client.post("/api/v1/chat", json={"message": "   "}, headers=headers)
            assert empty.status_code == 400 and empty.json()["field"] == "message", empty.text
            long = await client.post("/api/v1/chat", json={"message": "y" * 21}, headers=headers)
            assert (
                long.status_code == 413 and long.json()["field"] == "message" and "at most 20" in long.json()["detail"]
            )
            widget = await client.post(
                "/api/v1/widget/messages",
                json={"message": "y" * 21},
                headers={"Accept": accept, "X-Nexa-Session": "s" * 32},
            )
            assert widget.status_code == 413 and widget.json()["field"] == "message", widget.text
        fine = await client.post("/api/v1/chat", json={"message": "hello"}, headers=auth)
        assert fine.status_code == 200 and fine.json()["answer"] == "hi" and fine.json()["outcome"] == "answered"
    assert await _conversations(db) == 1


async def test_the_cli_chat_says_a_message_is_too_long_and_goes_on(db, monkeypatch):
    _, john, _ = await _john(db)
    agent = Agent(db, ScriptedModel(say("still here")), settings=LIMITS)
    monkeypatch.setattr("sys.stdin", io.StringIO("z" * 21 + "\nhello\n"))
    out = io.StringIO()
    await chat_loop(agent, john, Console(file=out, width=200, force_terminal=False))
    text = out.getvalue()
    assert "error: message: at most 20 characters (21 sent)" in text and "still here" in text


async def test_outcomes_of_a_proposal_and_its_decisions(db):
    john_user, john, _ = await _john(db)
    async with db.session() as s:
        deal = await factories.deal(s, deal_name="Acme Corp - Enterprise Plan", amount=50000, owner_id=john_user.id)
    agent = Agent(
        db,
        ScriptedModel(
            call("move_deal_stage", {"deal_id": str(deal.id), "stage": "proposal"}),
            call("move_deal_stage", {"deal_id": str(deal.id), "stage": "negotiation"}),
        ),
    )
    first = await agent.run(john, "move Acme to proposal")
    assert first.outcome is Outcome.proposed
    done = await agent.decide(john, first.conversation_id, first.pending[0].id, True)
    again = await agent.decide(john, first.conversation_id, first.pending[0].id, False)
    assert (done.outcome, again.outcome) == (Outcome.applied, Outcome.already_decided)
    second = await agent.run(john, "and to negotiation", first.conversation_id)
    declined = await agent.run(john, "no", first.conversation_id)
    assert (second.outcome, declined.outcome) == (Outcome.proposed, Outcome.declined)
