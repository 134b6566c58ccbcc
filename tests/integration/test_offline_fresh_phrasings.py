"""Fresh phrasings through the offline model (issue #14): chat shorthand and an opening greeting, a reply to "which
one" that says more than the choice, a deal said to be someone else's, deals named by their words. Real agent, real
database, seeded demo CRM. (A read whose name no record's words match is asked back: `link` in tests/e2e/test_eval.py.)"""

from __future__ import annotations

from sqlalchemy import select

from assistant.offline.dialogue import asked_fields
from store.models import Deal


def test_each_field_is_counted_once_in_its_own_words():
    assert asked_fields("globex account number?") == ["account_number"]
    assert asked_fields("health score for silverline systems") == ["health_score"]
    assert asked_fields("what industry is acme in and how big are they, headcount")[:2] == ["industry", "employees"]


async def test_shorthand_and_a_greeting_do_not_hide_the_request(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    result = await agent.run(sam, "morning! any urgent tix assigned to me rn?")
    assert "Your" in result.answer and "tickets" in result.answer and "#" in result.answer, result.answer
    assert not result.pending


async def test_a_reply_to_which_one_keeps_what_else_it_says(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(john, "log a call with sarah")
    assert "Which one" in first.answer, first.answer
    second = await agent.run(
        john, "johnson, the acme one. 10 min, she said the PO is going through", first.conversation_id
    )
    assert second.pending and second.pending[0].tool == "log_call", second.answer
    arguments = second.pending[0].arguments
    assert arguments["duration_minutes"] == 10 and "PO is going through" in arguments["notes"], arguments


async def test_someone_elses_deal_is_never_matched_to_one_of_yours(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    result = await agent.run(john, "change the amount on carlos's orbitpath platform deal to 1k")
    assert not result.pending and "can't" in result.answer, result.answer
    async with db.session() as s:
        assert await s.scalar(select(Deal).where(Deal.amount == 1000)) is None


async def test_deals_are_listed_by_the_words_of_their_names(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    deals = await agent.run(john, "what deals do i have w northpath")
    assert "Northpath LLC - Platform 121" in deals.answer and not deals.pending, deals.answer
