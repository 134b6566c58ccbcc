"""Offline model, round 18 (issue #14): a deal named with a number no visible deal has is never another one; a rep's
win rate and calls for their manager; a month by name as the period; tasks killed, amounts slashed, accounts created,
tickets taken; "send it" with no draft; open leads include the qualified. Real agent, real database, the demo CRM
seeded at the test's clock."""

from __future__ import annotations

import json

from sqlalchemy import select

from store.models import Account, Deal, Lead
from store.models.enums import LeadStatus
from tests.support.offline import open_follow_up, record_id


async def test_a_deal_number_no_visible_deal_has_is_never_another_deal(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    for said in (
        "move carlos's orbitpath platform 61 to closed won",
        "move john's orbitpath platform 61 to negotiation",
    ):
        asked = await agent.run(maria, said)
        assert not asked.pending, (said, asked.answer)


async def test_a_reps_win_rate_is_his_line(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "win rate for mike this year")
    assert "Mike Brown" in asked.answer and "John Miller" not in asked.answer, asked.answer
    again = await agent.run(maria, "same for john", asked.conversation_id)
    assert "John Miller" in again.answer and "Mike Brown" not in again.answer, again.answer


async def test_a_reps_calls_in_a_month_are_listed(demo_chat):
    agent, as_ = demo_chat
    priya = await as_("priya@nexa.test")
    asked = await agent.run(priya, "emma's calls in may")
    assert asked.answer.startswith("Emma Wilson logged") and "in May" in asked.answer, asked.answer


async def test_a_task_killed_is_marked_done(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    task = await open_follow_up(db, mike.user_id)
    asked = await agent.run(mike, f"kill {task.title.lower()}, it's dead")
    assert [(p.tool, p.arguments["task_id"], p.arguments["status"]) for p in asked.pending] == [
        ("update_task", str(task.id), "done")
    ], asked.answer


async def test_an_amount_slashed_changes_the_deal(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "slash the globex platform upgrade to 20k, they're squeezing us")
    deal = await record_id(db, Deal, deal_name="Globex - Platform Upgrade")
    assert [(p.tool, p.arguments["deal_id"], p.arguments["changes"]) for p in asked.pending] == [
        ("update_deal", deal, {"amount": "20000"})
    ], asked.answer


async def test_a_new_account_is_created_with_its_industry(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "create an account called Quillon Freight, logistics")
    await agent.run(john, "yes", asked.conversation_id)
    async with db.session() as session:
        industry = await session.scalar(select(Account.industry).where(Account.account_name == "Quillon Freight"))
    assert industry == "Logistics", asked.answer


async def test_a_ticket_taken_is_assigned_to_the_agent(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    asked = await agent.run(sam, "take 1004")
    assert [(p.tool, p.arguments["number"], p.arguments["assignee"]) for p in asked.pending] == [
        ("assign_ticket", 1004, "sam@nexa.test")
    ], asked.answer


async def test_send_it_with_no_draft_creates_nothing(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "send it")
    assert not asked.pending and "no draft" in asked.answer, asked.answer


async def test_my_leads_include_the_qualified_ones(db, demo_chat):
    agent, as_ = demo_chat
    emma = await as_("emma@nexa.test")
    async with db.session() as session:
        qualified = (
            await session.scalars(
                select(Lead).where(Lead.assigned_to_id == emma.user_id, Lead.status == LeadStatus.qualified)
            )
        ).all()
    asked = await agent.run(emma, "my hottest leads")
    best = max(qualified, key=lambda lead: lead.score or 0)
    assert f"{best.first_name} {best.last_name}" in asked.answer, asked.answer


async def test_a_correction_saying_what_it_is_not_moves_the_write(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "move globex platform upgrade to negotiation")
    corrected = await agent.run(john, "no wait, not globex - cedarline pilot 134", asked.conversation_id)
    deal = await record_id(db, Deal, deal_name="Cedarline Co - Pilot 134")
    assert [(p.tool, p.arguments["deal_id"]) for p in corrected.pending] == [("move_deal_stage", deal)], (
        corrected.answer
    )


async def test_a_managers_question_about_a_rep_behind_lists_his_overdue_tasks(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "mike overdue list")
    assert asked.answer.startswith("Mike Brown's open tasks overdue"), asked.answer


async def test_a_ticket_escalated_and_taken_in_one_message_gets_both_changes(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    asked = await agent.run(noah, "escalate 1013 to urgent and put it on me")
    assert sorted((p.tool, json.dumps(p.arguments, sort_keys=True)) for p in asked.pending) == [
        ("assign_ticket", json.dumps({"assignee": "noah@nexa.test", "number": 1013}, sort_keys=True)),
        ("update_ticket", json.dumps({"changes": {"priority": "urgent"}, "number": 1013}, sort_keys=True)),
    ], asked.answer


async def test_a_restyled_draft_keeps_its_recipient_and_topic(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    drafted = await agent.run(john, "email sarah johnson re the pricing review")
    shorter = await agent.run(john, "make it shorter", drafted.conversation_id)
    assert "Sarah" in shorter.answer and "pricing review" in shorter.answer, shorter.answer
