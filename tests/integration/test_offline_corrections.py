"""The offline model across turns: a correction to a proposed write changes only what it states, a pronoun after a
view reaches the record viewed, and a few reads whose words say what to list (a stage, lost deals, a teammate's due
tasks, a support agent's queue). Real agent, real database, seeded demo CRM."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from assistant.offline.amend import corrected_values, is_correction, retarget
from store.models import Call, Note, Ticket


@pytest.mark.parametrize(
    ("text", "correction"),
    [
        ("make it urgent", True),
        ("no wait, thursday", True),
        ("actually 45k", True),
        ("put it on the Globex account instead", True),
        ("show me Sarah Johnson", False),
        ("what's my pipeline?", False),
        ("create a ticket for Lisa Chen: cannot export", False),
        ("due next friday", True),  # a value alone
        ("high prio pls", True),
        ("call sarah tomorrow", False),  # a request of its own
    ],
)
def test_what_reads_as_a_correction(text, correction):
    assert is_correction(text, date(2027, 2, 11)) is correction


def test_a_correction_never_brings_a_name_or_free_text():
    stated = {"name": "oh", "notes": "it was inbound", "direction": "inbound", "priority": None}
    assert corrected_values(stated, {}) == {"direction": "inbound"}
    assert corrected_values({"ticket_number": 1014, "assignee": "me"}, {"assignee": "me"}) == {"ticket_number": 1014}
    assert retarget("wait, put it on the Globex account instead") == ("Globex", "account")
    assert retarget("make it urgent instead") is None


async def test_a_correction_changes_only_what_it_states(db, demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    first = await agent.run(sam, "open a ticket for Lisa Chen: the nightly export fails")
    assert first.pending and first.pending[0].arguments["priority"] == "medium", first.answer
    second = await agent.run(sam, "oh and make it high priority", first.conversation_id)
    assert len(second.pending) == 1, second.answer
    arguments = second.pending[0].arguments
    assert arguments["priority"] == "high" and arguments["subject"] == first.pending[0].arguments["subject"]
    await agent.run(sam, "yes", first.conversation_id)
    async with db.session() as s:
        tickets = (await s.scalars(select(Ticket).where(Ticket.subject.ilike("%nightly export%")))).all()
    assert [t.priority.value for t in tickets] == ["high"]


async def test_a_correction_keeps_the_person_and_moves_a_note(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    call = await agent.run(john, "log a call with Lisa Chen: wants the specs by Friday")
    fixed = await agent.run(john, "sorry, she called me, inbound", call.conversation_id)
    assert fixed.pending[0].arguments["direction"] == "inbound", fixed.answer
    assert fixed.pending[0].arguments["contact_id"] == call.pending[0].arguments["contact_id"]
    await agent.run(john, "yes", call.conversation_id)
    async with db.session() as s:
        assert (await s.scalar(select(Call).where(Call.notes.ilike("%specs by Friday%")))).direction.value == "inbound"
    note = await agent.run(john, "add a note to the Acme Corp - Enterprise Plan deal: procurement wants a discount")
    moved = await agent.run(john, "hmm, put it on the Acme Corp account instead", note.conversation_id)
    assert moved.pending and moved.pending[0].arguments["related_type"] == "account", moved.answer
    await agent.run(john, "yes", note.conversation_id)
    async with db.session() as s:
        assert (await s.scalar(select(Note).where(Note.body.ilike("%procurement wants%")))).related_type == "account"


async def test_it_after_viewing_a_ticket_is_that_ticket(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    shown = await agent.run(noah, "pull up 1042")
    assert any(c["name"] == "get_ticket" for c in shown.tool_calls), shown.answer
    raised = await agent.run(noah, "set it to high priority", shown.conversation_id)
    assert raised.pending and raised.pending[0].arguments["number"] == 1042, raised.answer


async def test_they_after_viewing_an_account_lists_its_deals(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    shown = await agent.run(john, "show me Acme Corp")
    deals = await agent.run(john, "which deals do they have going?", shown.conversation_id)
    assert any(c["name"] == "search_deals" and c["arguments"].get("account_id") for c in deals.tool_calls), deals.answer


@pytest.mark.parametrize(
    ("who", "message", "arguments"),
    [
        ("john@nexa.test", "my deals sitting in proposal?", {"stage": "proposal", "mine": True}),
        ("maria@nexa.test", "largest opportunities in negotiation", {"stage": "negotiation", "mine": False}),
        ("john@nexa.test", "which deals have we lost this quarter", {"stage": "closed_lost", "period": "this_quarter"}),
        (
            "maria@nexa.test",
            "how many opps does mike have in qualification",
            {"stage": "qualification", "owner": "mike"},
        ),
    ],
)
async def test_deal_lists_a_question_names(demo_chat, who, message, arguments):
    agent, as_ = demo_chat
    result = await agent.run(await as_(who), message)
    call = next((c for c in result.tool_calls if c["name"] == "search_deals"), None)
    assert call is not None and arguments.items() <= call["arguments"].items(), result.answer
    assert not result.pending


async def test_a_manager_asks_what_a_teammate_has_due(demo_chat):
    agent, as_ = demo_chat
    result = await agent.run(await as_("maria@nexa.test"), "what has john got due next week")
    call = next((c for c in result.tool_calls if c["name"] == "team_tasks"), None)
    assert call is not None and call["arguments"]["person"].lower() == "john", result.answer


async def test_a_support_agent_asks_what_waits_on_them(demo_chat):
    agent, as_ = demo_chat
    result = await agent.run(await as_("noah@nexa.test"), "anything waiting on me?")
    call = next((c for c in result.tool_calls if c["name"] == "search_tickets"), None)
    assert call is not None and call["arguments"].get("mine") and call["arguments"].get("status") is None, result.answer


async def test_a_meeting_moved_to_a_bare_hour_keeps_its_day(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(john, "book a call with Lisa Chen next tuesday 9am")
    moved = await agent.run(john, "hmm, make it 2", first.conversation_id)
    before, after = first.pending[0].arguments["start_at"], moved.pending[0].arguments["start_at"]
    assert after[:10] == before[:10] and after[11:16] == "14:00", moved.answer


async def test_a_draft_is_redone_in_the_tone_asked(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(john, "draft an email to Lisa Chen about the security review")
    again = await agent.run(john, "actually make it formal", first.conversation_id)
    call = next(c for c in again.tool_calls if c["name"] == "draft_email")
    assert call["arguments"]["tone"] == "formal", again.answer
    assert call["arguments"]["notes"] == "I'm also writing about the security review.", call["arguments"]  # a sentence


async def test_a_call_logged_with_her_goes_to_the_person_in_focus(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    shown = await agent.run(john, "show me Lisa Chen")
    logged = await agent.run(john, "log a call with her: walked through onboarding steps", shown.conversation_id)
    assert logged.pending and "Lisa Chen" in logged.pending[0].summary, logged.answer


@pytest.mark.parametrize(
    ("who", "message", "tool", "arguments"),
    [
        (
            "maria@nexa.test",
            "what's our close rate this year by rep",
            "sales_report",
            {"metric": "win_rate", "group_by": "rep"},
        ),
        (
            "maria@nexa.test",
            "typical deal size this quarter?",
            "sales_report",
            {"metric": "avg_deal_size", "period": "this_quarter"},
        ),
        ("sam@nexa.test", "how much ticket volume should we expect next month", "forecast_tickets", {"days": 30}),
        ("john@nexa.test", "anything odd going on with my accounts?", "find_anomalies", {}),
        (
            "maria@nexa.test",
            "which deals did mike close this quarter",
            "search_deals",
            {"stage": "closed_won", "owner": "mike"},
        ),
        ("john@nexa.test", "send Tom Smith a quick thank-you email", "draft_email", {}),
    ],
)
async def test_ai_and_report_questions_reach_their_service(demo_chat, who, message, tool, arguments):
    agent, as_ = demo_chat
    result = await agent.run(await as_(who), message)
    call = next((c for c in result.tool_calls if c["name"] == tool), None)
    assert call is not None and arguments.items() <= call["arguments"].items(), result.answer
    assert not result.pending


async def test_a_task_is_completed_by_words_of_its_title_and_never_by_a_guess(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    done = await agent.run(john, "tick off the specs for lisa task")
    assert done.pending and done.pending[0].tool == "update_task" and done.pending[0].arguments["status"] == "done", (
        done.answer
    )
    unknown = await agent.run(john, "mark the quarterly board deck task as done")
    assert not unknown.pending and "couldn't find" in unknown.answer


async def test_the_first_one_is_the_first_line_shown(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    listed = await agent.run(john, "show my open leads")
    first_line = next(line for line in listed.answer.splitlines() if line.startswith("- "))
    picked = await agent.run(john, "show me the first one", listed.conversation_id)
    name = first_line[2:].split(" (")[0]
    assert name in picked.answer, (first_line, picked.answer)


async def test_it_after_a_view_answers_the_field_or_the_service(demo_chat):
    agent, as_ = demo_chat
    john, sam = await as_("john@nexa.test"), await as_("sam@nexa.test")
    deal = await agent.run(john, "show me the Acme Corp - Enterprise Plan deal")
    closes = await agent.run(john, "when does it close?", deal.conversation_id)
    assert "close date" in closes.answer and not closes.pending, closes.answer
    step = await agent.run(john, "what's the next step?", deal.conversation_id)
    assert any(c["name"] == "next_best_action" for c in step.tool_calls), step.answer
    ticket = await agent.run(sam, "show ticket 1036")
    summary = await agent.run(sam, "give me a summary of it", ticket.conversation_id)
    assert any(c["name"] == "summarize_ticket" and c["arguments"]["number"] == 1036 for c in summary.tool_calls), (
        summary.answer
    )


async def test_a_manager_gives_a_teammate_a_task_about_the_forecast(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    result = await agent.run(maria, "give john a task to refresh the forecast by friday")
    assert result.pending and result.pending[0].tool == "create_task", result.answer
    assert result.pending[0].arguments["assignee"] == "john"
    plate = await agent.run(maria, "what's on mike's plate this week")
    assert any(c["name"] == "team_tasks" for c in plate.tool_calls), plate.answer
