"""Offline model: the record a conversation is about stays its focus across a help-center lookup (issue #14's
"conversation state"). Real agent, real database, the demo CRM and help center seeded at the test's clock."""

from __future__ import annotations

from assistant.agent import Agent
from store.knowledge import ingest, read_paths
from store.seed import HELP_CENTER


async def test_a_ticket_stays_in_focus_after_a_suggested_reply_cites_articles(db, demo_chat, offline):
    _, as_ = demo_chat
    embedder = offline.classifier.embedder
    async with db.session() as s:
        await ingest(s, read_paths([HELP_CENTER]), embedder)
    agent = Agent(db, offline, embedder=embedder)
    sam = await as_("sam@nexa.test")
    summary = await agent.run(sam, "summarize 1001")
    reply = await agent.run(sam, "suggest a reply for it", summary.conversation_id)
    assert "[1]" in reply.answer and not reply.pending, reply.answer  # the reply cites the help center
    bumped = await agent.run(sam, "escalate it to urgent", summary.conversation_id)
    assert [p.tool for p in bumped.pending] == ["update_ticket"], bumped.answer
    assert bumped.pending[0].arguments == {"number": 1001, "changes": {"priority": "urgent"}}, bumped.pending[
        0
    ].arguments


async def test_yes_to_a_question_listing_several_records_asks_it_again_and_a_pick_then_acts(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "log a call with sarah, she wants pricing for 50 seats")
    assert asked.answer.startswith("Which one did you mean?") and "Sarah Johnson" in asked.answer, asked.answer
    again = await agent.run(john, "yes", asked.conversation_id)
    assert again.answer == asked.answer and not again.pending, again.answer
    picked = await agent.run(john, "the acme one", asked.conversation_id)
    assert [p.tool for p in picked.pending] == ["log_call"], picked.answer
    assert "pricing for 50 seats" in picked.pending[0].arguments["notes"], picked.pending[0].arguments
