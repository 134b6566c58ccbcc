"""A hesitant reply to a proposed write never applies it (issue 12, item 5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from assistant.agent import Agent
from store.auth import actor_for
from store.models import Deal, PendingAction
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, call, say


@pytest.mark.parametrize("reply", ["ok wait, don't do that yet", "sure, but wait", "yes?", "okay actually hold on"])
async def test_a_hesitant_reply_does_not_apply_the_pending_write(db, reply):
    async with db.session() as s:
        rep = await factories.user(s, name="John Miller", email="john@nexa.test", team="Enterprise")
        deal = await factories.deal(s, deal_name="Acme Plan", amount=50000, owner_id=rep.id)
    john = actor_for(rep)
    agent = Agent(
        db,
        ScriptedModel(call("update_deal", {"deal_id": str(deal.id), "changes": {"amount": 45000}}), say("Understood.")),
    )
    first = await agent.run(john, "set the Acme amount to 45k")
    assert len(first.pending) == 1
    second = await agent.run(john, reply, first.conversation_id)
    assert not second.answer.startswith("Done")
    async with db.session() as s:
        assert (await s.get(Deal, deal.id)).amount == Decimal("50000.00")
        assert "applied" not in set(await s.scalars(select(PendingAction.status)))
