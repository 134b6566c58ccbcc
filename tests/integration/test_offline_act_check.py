"""Offline model, round 10 (issue #14): never the wrong act. A message that names a change of an existing record
(close or resolve a ticket, qualify a lead, hand a ticket on) is planned as that change even when the classifier votes
for a creation, and a task the words give a teammate goes to that teammate.
Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations

import re
from datetime import date, timedelta


async def test_a_ticket_to_close_or_resolve_is_changed_not_opened_anew(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    closed = await agent.run(sam, "1001 is sorted, the export works for them again. close it out")
    assert [p.tool for p in closed.pending] == ["update_ticket"], closed.answer
    assert closed.pending[0].arguments == {"number": 1001, "changes": {"status": "closed"}}, closed.pending[0].arguments
    resolved = await agent.run(sam, "1001 - engineering shipped the fix, mark it resolved")
    assert [p.tool for p in resolved.pending] == ["update_ticket"], resolved.answer
    assert resolved.pending[0].arguments["changes"] == {"status": "resolved"}, resolved.pending[0].arguments


async def test_a_ticket_handed_on_with_a_new_priority_is_both_changes(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    passed = await agent.run(sam, "1001 is a reporting bug really, pass it to noah")
    assert [p.tool for p in passed.pending] == ["assign_ticket"], passed.answer
    both = await agent.run(sam, "customer on 1001 has a board meeting. escalate to urgent and loop in noah")
    assert [p.tool for p in both.pending] == ["update_ticket", "assign_ticket"], both.answer


async def test_qualifying_a_lead_after_a_call_qualifies_it_with_what_was_said(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    qualified = await agent.run(
        john,
        "vera petrov - had a good chat, budget 60k approved, she signs off herself, they need a new helpdesk, "
        "go live in march. qualify her",
    )
    assert qualified.pending and qualified.pending[0].tool == "update_lead_status", qualified.answer
    assert qualified.pending[0].arguments["status"] == "qualified", qualified.pending[0].arguments
    assert "60" in str(qualified.pending[0].arguments.get("budget")), qualified.pending[0].arguments


async def test_a_task_made_for_a_teammate_is_given_to_them(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    given = await agent.run(maria, "pls ping mike - create a task for him to update the acme close date, due friday")
    assert given.pending and given.pending[0].tool == "create_task", given.answer
    assert given.pending[0].arguments.get("assignee") == "mike", given.pending[0].arguments


async def test_saying_no_wait_to_a_proposal_writes_nothing(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    proposed = await agent.run(john, "mark the globex deal closed won")
    assert proposed.pending, proposed.answer
    held = await agent.run(john, "no wait, legal still has the contract", proposed.conversation_id)
    assert not held.pending and "nothing was changed" in held.answer, held.answer


async def test_two_fields_asked_at_once_are_both_answered(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    both = await agent.run(john, "lisa chen: who's her boss and what's her email")
    assert "Tom Smith" in both.answer and "lisa.chen@acme.test" in both.answer and not both.pending, both.answer


async def test_a_stage_move_with_a_new_close_date_proposes_both(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    both = await agent.run(john, "globex: they'll sign by aug 20 - update the close date and move it to negotiation")
    assert [p.tool for p in both.pending] == ["move_deal_stage", "update_deal"], both.answer
    assert both.pending[1].arguments["changes"] == {"close_date": "2026-08-20"}, both.pending[1].arguments


async def test_a_teammates_deals_closing_in_the_next_days_are_only_those(demo_chat, clock):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    soon = await agent.run(maria, "which of john's deals close in the next 20 days")
    assert not soon.pending and "next 20 days" in soon.answer, soon.answer
    today = clock.date()
    for closing in re.findall(r"closing (\d{4}-\d{2}-\d{2})", soon.answer):
        assert today <= date.fromisoformat(closing) <= today + timedelta(days=20), soon.answer


async def test_the_second_deal_of_an_account_just_viewed(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    viewed = await agent.run(john, "what's open on cedarforge holdings for me")
    deals = re.search(r"Deals: (.+)", viewed.answer)
    assert deals, viewed.answer
    second = deals[1].split("; ")[1].split(" (")[0]
    picked = await agent.run(john, "the second one - what's the close date", viewed.conversation_id)
    assert second in picked.answer and "close date" in picked.answer, picked.answer
