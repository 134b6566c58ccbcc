"""Offline model across turns (issue #14's "conversation state" and "never act on a guess"): the record in focus
survives a help-center lookup, "yes" to a which-one question listing several asks it again, a request naming nothing
is asked about, a plan that breaks answers that it got stuck instead of breaking the conversation, and "summarize this
thread" recaps the conversation itself.
Real agent, real database, the demo CRM (and help center) seeded at the test's clock."""

from __future__ import annotations

import re

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


async def test_a_lost_one_with_nothing_in_focus_asks_which_record(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "that one is lost, they went with a competitor")
    assert not asked.pending and "?" in asked.answer, asked.answer


async def test_a_plan_that_breaks_answers_that_it_got_stuck_and_the_eval_counts_the_crash(demo_chat, monkeypatch):
    from assistant.evaluation import _Crashes
    from assistant.offline.plan import Plan

    def broken(self):
        raise TypeError("'NoneType' object is not subscriptable")

    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    monkeypatch.setattr(Plan, "run", broken)  # a rule's bug, injected: the conversation goes on
    with _Crashes() as crashes:
        stuck = await agent.run(john, "move acme to proposal")
    assert stuck.answer.startswith("Sorry, I got stuck") and not stuck.pending, stuck.answer
    assert crashes.seen == ["TypeError: 'NoneType' object is not subscriptable"]


async def test_a_manager_asking_who_or_what_a_rep_is_working_on_gets_the_team(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    overdue = await agent.run(maria, "who has overdue tasks?")
    assert [c["name"] for c in overdue.tool_calls] == ["team_tasks"], overdue.answer
    assert overdue.answer.startswith("Your team's open tasks overdue"), overdue.answer
    working = await agent.run(maria, "what's mike working on?")
    assert [c["name"] for c in working.tool_calls] == ["search_deals"], working.answer
    assert working.tool_calls[0]["arguments"]["owner"] == "mike" and working.answer.startswith("Mike's deals"), (
        working.answer
    )


async def test_a_queue_question_after_looking_at_a_person_is_about_the_queue(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    viewed = await agent.run(john, "show me lisa chen")
    queue = await agent.run(john, "oldest unassigned ticket?", viewed.conversation_id)
    assert queue.tool_calls[-1]["name"] == "search_tickets", queue.tool_calls
    # the queue's oldest unassigned tickets, not Lisa Chen's
    assert queue.tool_calls[-1]["arguments"].get("contact_id") is None, queue.tool_calls[-1]
    assert queue.tool_calls[-1]["arguments"]["unassigned"] is True


async def test_summarize_this_thread_recaps_the_conversation_itself_and_calls_no_tool(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(john, "summarize this thread")
    assert first.answer.startswith("Nothing yet") and not first.tool_calls, first.answer
    pipeline = await agent.run(john, "what's my pipeline?")
    await agent.run(john, "show me Sarah Johnson", pipeline.conversation_id)
    recap = await agent.run(john, "can you sum up this conversation", pipeline.conversation_id)
    assert not recap.tool_calls and not recap.pending, recap.tool_calls
    lines = [line for line in recap.answer.splitlines() if line[:2] in ("1.", "2.")]
    assert lines[0].startswith('1. You: "what\'s my pipeline?" -> ') and lines[1].startswith(
        '2. You: "show me Sarah Johnson" -> '
    ), recap.answer
    assert "3." not in recap.answer and "Sarah Johnson" in lines[1], recap.answer


async def test_the_first_one_just_shown_is_handed_on_a_bare_phrase_reads_and_a_task_set_for_someone_is_theirs(
    demo_chat,
):
    agent, as_ = demo_chat
    noah, priya = await as_("noah@nexa.test"), await as_("priya@nexa.test")
    listed = await agent.run(noah, "unassigned tickets")
    first = re.search(r"^- #(\d+) ", listed.answer, re.M)
    assert first is not None, listed.answer
    handed = await agent.run(noah, "give the first one to sam", listed.conversation_id)
    assert [(p.tool, p.arguments) for p in handed.pending] == [
        ("assign_ticket", {"number": int(first[1]), "assignee": "sam"})
    ], handed.answer
    biggest = await agent.run(priya, "emma's biggest deal")
    assert biggest.tool_calls[-1]["arguments"].get("owner") == "emma", (biggest.tool_calls, biggest.answer)
    set_for = await agent.run(priya, "set emma a task to call sarah connor by friday")
    assert [(p.tool, p.arguments.get("assignee")) for p in set_for.pending] == [("create_task", "emma")], set_for.answer
