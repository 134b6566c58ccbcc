"""The audit trail: tool calls, proposals, approvals and refusals are appended; it is read by rights and never changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from assistant.agent import Agent
from store.auth import actor_for
from store.models import AuditEntry
from store.models.enums import Role
from store.services.audit import AuditService
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, call, say


async def test_every_tool_call_and_approval_is_on_the_trail(db):
    async with db.session() as s:
        john = actor_for(await factories.user(s, name="John", team="Enterprise"))
        carl = actor_for(await factories.user(s, name="Carl", team="Mid-Market"))
        maria = actor_for(await factories.user(s, name="Maria", role=Role.manager, team="Enterprise"))
        admin = actor_for(await factories.user(s, name="Root", role=Role.admin, team=None))
        deal = await factories.deal(s, deal_name="Acme Plan", amount=50000, owner_id=john.user_id)
        theirs = await factories.deal(s, deal_name="Initech", amount=9000, owner_id=carl.user_id)
    model = ScriptedModel(
        call("get_deal", {"deal_id": str(deal.id)}),
        call("get_deal", {"deal_id": str(theirs.id)}),
        call("no_such_tool", {}),
        call("move_deal_stage", {"deal_id": str(deal.id), "stage": "proposal"}),
    )
    agent = Agent(db, model)
    first = await agent.run(john, "look at both deals and move mine")
    await agent.run(john, "yes", first.conversation_id)
    async with db.session() as s:
        rows = [(e.action, e.status) for e in reversed(await AuditService(s, admin).entries())]
        assert rows == [
            ("tool:get_deal", "ok"),
            ("tool:get_deal", "refused"),
            ("tool:no_such_tool", "invalid"),
            ("tool:move_deal_stage", "proposed"),
            ("approve:move_deal_stage", "applied"),
        ]
        entry = (await AuditService(s, admin).entries(action="approve:"))[0]
        assert entry.actor_id == john.user_id and entry.channel.value == "cli" and str(deal.id) in entry.record_ids
        assert entry.arguments == {"deal_id": str(deal.id), "stage": "proposal", "reason": None, "amount": None}
        assert len(await AuditService(s, maria).entries()) == 5  # John is on Maria's team
        assert await AuditService(s, carl).entries() == []  # a rep reads only their own entries
        assert len(await AuditService(s, admin).entries(record_id=str(deal.id))) >= 2


async def test_the_trail_cannot_be_changed(db):
    async with db.session() as s:
        admin = actor_for(await factories.user(s, name="Root", role=Role.admin, team=None))
    await Agent(db, ScriptedModel(call("my_tasks", {}), say("none"))).run(admin, "my tasks?")
    for statement in ("UPDATE audit_log SET status = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            async with db.session() as s:
                await s.execute(text(statement))
    async with db.session() as s:
        assert (await s.scalar(select(AuditEntry.status))) == "ok"
