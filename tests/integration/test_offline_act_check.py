"""Offline model, round 10 (issue #14): never the wrong act. A message that names a change of an existing record
(close or resolve a ticket, qualify a lead, hand a ticket on) is planned as that change even when the classifier votes
for a creation, and a task the words give a teammate goes to that teammate.
Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations


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
