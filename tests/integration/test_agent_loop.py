"""The agent loop with a scripted model: exact tool calls, approvals, stale re-check, limits, errors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assistant.agent import Agent
from store.auth import actor_for
from store.errors import NotFound
from store.models import ConversationMessage, Deal, PendingAction
from store.models.enums import DealStage, Role
from store.services import DealService
from tests.support import factories
from tests.support.scripted_models import FailingModel, ScriptedModel, call, say


async def _rep_and_deal(db):
    async with db.session() as s:
        rep = await factories.user(s, name="John Miller", email="john@nexa.test", team="Enterprise")
        other = await factories.user(s, name="Carl", team="Mid-Market")
        deal = await factories.deal(s, deal_name="Acme Corp - Enterprise Plan", amount=50000, owner_id=rep.id)
        theirs = await factories.deal(s, deal_name="Initech Pilot", amount=9000, owner_id=other.id)
        return actor_for(rep), actor_for(other), deal, theirs


async def test_a_read_turn_runs_the_tools_the_model_asks_for(db):
    john, _, deal, _ = await _rep_and_deal(db)
    model = ScriptedModel(
        call("search_crm", {"query": "Acme Enterprise"}),
        call("get_deal", {"deal_id": str(deal.id)}),
        say("It is $50K in qualification."),
    )
    result = await Agent(db, model).run(john, "how is the Acme deal?")
    assert [c["name"] for c in result.tool_calls] == ["search_crm", "get_deal"] and all(
        c["ok"] for c in result.tool_calls
    )
    found = model.tool_results(1)[0]
    assert found["data"][0]["id"] == str(deal.id) and found["refs"][0]["name"] == "Acme Corp - Enterprise Plan"
    assert (
        result.answer == "It is $50K in qualification."
        and {"type": "deal", "id": str(deal.id), "name": "Acme Corp - Enterprise Plan"} in result.references
    )
    assert model.requests[0][0].role == "system" and "John Miller" in model.requests[0][0].content


async def test_a_write_waits_for_yes_and_applies_once(db):
    john, _, deal, _ = await _rep_and_deal(db)
    model = ScriptedModel(call("move_deal_stage", {"deal_id": str(deal.id), "stage": "proposal"}))
    agent = Agent(db, model)
    first = await agent.run(john, "move Acme to proposal")
    assert len(first.pending) == 1 and "Move deal Acme Corp - Enterprise Plan to proposal" in first.pending[0].summary
    assert "yes" in first.answer.lower()
    async with db.session() as s:
        assert (await s.get(Deal, deal.id)).stage is DealStage.qualification
    second = await agent.run(john, "yes", first.conversation_id)
    assert second.answer.startswith("Done: Move deal Acme Corp - Enterprise Plan to proposal")
    again = await agent.decide(john, first.conversation_id, first.pending[0].id, True)
    assert again.answer.startswith("Already decided")
    async with db.session() as s:
        assert (await s.get(Deal, deal.id)).stage is DealStage.proposal
        assert (
            await s.scalar(select(func.count()).select_from(PendingAction).where(PendingAction.status == "applied"))
            == 1
        )


async def test_no_rejects_and_nothing_changes(db):
    john, _, deal, _ = await _rep_and_deal(db)
    agent = Agent(db, ScriptedModel(call("update_deal", {"deal_id": str(deal.id), "changes": {"amount": 45000}})))
    first = await agent.run(john, "set the Acme amount to 45k")
    result = await agent.run(john, "no, leave it", first.conversation_id)
    assert result.answer.startswith("Cancelled")
    async with db.session() as s:
        assert (await s.get(Deal, deal.id)).amount == Decimal("50000.00")


async def test_an_approval_is_refused_when_the_record_changed_since(db):
    john, _, deal, _ = await _rep_and_deal(db)
    agent = Agent(db, ScriptedModel(call("update_deal", {"deal_id": str(deal.id), "changes": {"amount": 45000}})))
    first = await agent.run(john, "set the Acme amount to 45k")
    async with db.session() as s:  # someone else edits the deal meanwhile
        await DealService(s, john).update(deal.id, {"close_date": "2027-03-31"})
    result = await agent.run(john, "yes", first.conversation_id)
    assert result.answer.startswith("Not done") and "changed" in result.answer
    async with db.session() as s:
        assert (await s.get(Deal, deal.id)).amount == Decimal("50000.00")
        assert await s.scalar(select(PendingAction.status)) == "stale"


async def test_a_forbidden_write_fails_at_proposal_and_is_never_pending(db):
    john, _, _, theirs = await _rep_and_deal(db)
    model = ScriptedModel(
        call("move_deal_stage", {"deal_id": str(theirs.id), "stage": "closed_won"}),
        say("You may not change that deal."),
    )
    result = await Agent(db, model).run(john, "mark Initech as won")
    assert result.pending == [] and result.tool_calls == [
        {"name": "move_deal_stage", "arguments": {"deal_id": str(theirs.id), "stage": "closed_won"}, "ok": False}
    ]
    assert model.tool_results(1)[0]["error"]["code"] in ("forbidden", "not_found")


async def test_tool_errors_malformed_arguments_and_unknown_tools_go_back_to_the_model(db):
    john, _, deal, _ = await _rep_and_deal(db)
    model = ScriptedModel(
        call("get_deal", '{"deal_id": '),
        call("delete_everything", {}),
        call("move_deal_stage", {"deal_id": str(deal.id), "stage": "closed_lost"}),
        call("get_deal", {"deal_id": str(deal.id)}),
        say("Recovered."),
    )
    result = await Agent(db, model).run(john, "lose the deal")
    errors = [model.tool_results(i)[-1] for i in (1, 2, 3)]
    assert "not a JSON object" in errors[0]["error"]["reason"]
    assert "unknown tool 'delete_everything'" in errors[1]["error"]["reason"]
    assert errors[2]["error"]["field"] == "lost_reason"
    assert result.answer == "Recovered." and [c["ok"] for c in result.tool_calls] == [False, False, False, True]


async def test_the_step_limit_stops_a_looping_model(db):
    john, _, deal, _ = await _rep_and_deal(db)
    model = ScriptedModel(*[call("get_deal", {"deal_id": str(deal.id)})] * 10)
    result = await Agent(db, model, max_steps=3).run(john, "loop")
    assert len(model.requests) == 3 and "stopped after 3 steps" in result.answer


async def test_turns_persist_and_a_conversation_resumes_only_for_its_owner(db):
    john, carl, _, _ = await _rep_and_deal(db)
    agent = Agent(db, ScriptedModel(say("Hello John."), lambda messages: say(f"I see {len(messages)} messages.")))
    first = await agent.run(john, "hi")
    second = await agent.run(john, "and now?", first.conversation_id)
    assert second.answer == "I see 4 messages."  # system, hi, Hello John., and now?
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ConversationMessage)) == 4
    with pytest.raises(NotFound):
        await Agent(db, ScriptedModel(say("x"))).run(carl, "let me in", first.conversation_id)


async def test_a_failing_endpoint_degrades_to_the_fallback_model_with_a_notice(db):
    john, _, _, _ = await _rep_and_deal(db)
    result = await Agent(db, FailingModel(), fallback=ScriptedModel(say("offline answer"))).run(john, "hi")
    assert result.answer == "offline answer" and "unavailable" in result.notice


async def test_support_sees_no_lead_or_deal_write_tools(db):
    async with db.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
    model = ScriptedModel(say("ok"))
    agent = Agent(db, model)
    names = set(agent.tools_for(sam))
    assert "create_ticket" in names and "get_contact" in names
    assert not names & {"create_lead", "move_deal_stage", "convert_lead", "update_deal", "pipeline_summary"}
    assert json.dumps(sorted(names))


async def test_a_conversation_stops_at_its_token_budget(db):
    from dataclasses import replace as with_

    from assistant.messages import ModelResponse, Usage
    from store.settings import Settings

    class Counting(ScriptedModel):
        async def request(self, messages, tools):
            return ModelResponse((await super().request(messages, tools)).message, Usage(600, 100))

    john, _, _, _ = await _rep_and_deal(db)
    agent = Agent(db, Counting(say("one"), say("two")), settings=with_(Settings(), token_budget=1000))
    first = await agent.run(john, "hello")
    second = await agent.run(john, "again", first.conversation_id)
    third = await agent.run(john, "and again", first.conversation_id)
    assert (first.answer, second.answer) == ("one", "two") and "budget of 1,000 model tokens" in third.answer
