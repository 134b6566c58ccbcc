"""Offline model, round 8 (issue #14): tickets that came in today about a topic, why deals were lost, a pick among the
deals just listed by amount, and a reply to "which one" that names words two options share, one of them closed.
Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations


async def test_tickets_that_came_in_today_about_a_topic_are_counted(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    result = await agent.run(noah, "how many calendar sync tickets came in today? feels like a lot")
    assert "Calendar sync tickets that came in today (6)" in result.answer, result.answer
    assert "meetings" not in result.answer and not result.pending
    going_on = await agent.run(noah, "whats going on w all these calendar sync tickets today??")
    assert "SYNC-502" in going_on.answer, going_on.answer


async def test_lost_deals_say_why_they_were_lost(demo_chat):
    agent, as_ = demo_chat
    emma = await as_("emma@nexa.test")
    result = await agent.run(emma, "what have i lost lately and why")
    assert "closed_lost" in result.answer and "(lost: " in result.answer, result.answer
    assert not result.pending


async def test_the_amount_one_picks_among_the_deals_just_listed(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    listed = await agent.run(john, "what deals do i have w northpath")
    moved = await agent.run(john, "move the 120k one to qualification", listed.conversation_id)
    assert moved.pending and moved.pending[0].tool == "move_deal_stage", moved.answer
    assert "Northpath LLC - Platform 121" in moved.answer, moved.answer


async def test_a_word_two_options_share_picks_the_one_still_open(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    asked = await agent.run(mike, "move the granitewave deal to negotiation")
    assert "Expansion 18" in asked.answer and "Expansion 88 (deal, closed won" in asked.answer, asked.answer
    picked = await agent.run(mike, "the expansion one", asked.conversation_id)
    assert picked.pending and "Granitewave Systems - Expansion 18 to negotiation" in picked.answer, picked.answer
