"""The offline model end to end: real NLU, real tools, real PostgreSQL, writes only after "yes"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from store.clock import utcnow
from store.models import Call, Deal, Lead, Meeting, Note, Order, Task, Ticket
from store.models.enums import DealStage, LeadStatus, TicketStatus
from tests.support.clock import EACH_DAY_OF_A_WEEK


async def _approve(agent, actor, message: str):
    first = await agent.run(actor, message)
    assert len(first.pending) == 1, first.answer
    done = await agent.run(actor, "yes", first.conversation_id)
    assert done.answer.startswith("Done"), done.answer
    return first


def _end_of_march(today: date) -> date:
    return date(today.year + (today.month > 3), 3, 31)


async def test_a_lead_goes_from_creation_to_conversion(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(
        john, "new lead: Dana Whitfield, CTO at Brightwave, dana@brightwave.io, came from a webinar"
    )
    async with db.session() as s:
        assert await s.scalar(select(Lead).where(Lead.email == "dana@brightwave.io")) is None  # nothing before yes
    await agent.run(john, "yes", first.conversation_id)
    await _approve(
        agent,
        john,
        "mark the Brightwave lead as qualified: budget 35k approved, Dana decides, needs a new CRM, go-live by Q3",
    )
    await _approve(agent, john, "convert Dana Whitfield, deal worth 35k closing end of March")
    async with db.session() as s:
        lead = await s.scalar(select(Lead).where(Lead.email == "dana@brightwave.io"))
        assert (lead.source.value, lead.title, lead.company, lead.status) == (
            "event",
            "CTO",
            "Brightwave",
            LeadStatus.converted,
        )
        deal = await s.get(Deal, lead.converted_deal_id)
        assert (deal.amount, deal.close_date, deal.stage) == (
            Decimal("35000.00"),
            _end_of_march(utcnow().date()),
            DealStage.qualification,
        )


async def test_a_lost_lead_keeps_its_reason(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(john, "new lead: Dana Whitfield, dana@brightwave.io, referred by a partner")
    await agent.run(john, "yes", first.conversation_id)
    await _approve(agent, john, "Dana is lost, went with a competitor")
    async with db.session() as s:
        lead = await s.scalar(select(Lead).where(Lead.email == "dana@brightwave.io"))
        assert lead.status is LeadStatus.lost and "competitor" in lead.lost_reason


async def test_deals_move_win_and_lose(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    await _approve(agent, john, "move Acme Enterprise Plan to proposal")
    await _approve(agent, john, "we won the Acme deal")
    await _approve(agent, john, "the Globex deal is lost on price")
    async with db.session() as s:
        acme = await s.scalar(select(Deal).where(Deal.deal_name == "Acme Corp - Enterprise Plan"))
        globex = await s.scalar(select(Deal).where(Deal.deal_name == "Globex - Platform Upgrade"))
        assert (
            acme.stage is DealStage.closed_won
            and await s.scalar(select(func.count()).select_from(Order).where(Order.deal_id == acme.id)) == 1
        )
        assert globex.stage is DealStage.closed_lost and globex.lost_reason == "price"


@EACH_DAY_OF_A_WEEK
async def test_calls_notes_meetings_and_tasks_are_logged(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    await _approve(agent, john, "log a call with Tom Smith: asked for a security review")
    await _approve(agent, john, "add a note to Acme: renewal in Q3")
    await _approve(agent, john, "book a demo with Lisa Chen next Wednesday 10am")
    await _approve(agent, john, "remind me to send the contract to Tom by Friday")
    async with db.session() as s:
        assert await s.scalar(select(Call.notes).where(Call.notes == "asked for a security review"))
        assert await s.scalar(select(Note.body).where(Note.body == "renewal in Q3"))
        meeting = await s.scalar(select(Meeting).where(Meeting.title == "Demo"))
        assert (
            meeting.start_at.weekday() == 2
            and meeting.start_at.hour == 10
            and meeting.start_at.date() > utcnow().date()
        )
        task = await s.scalar(select(Task).where(Task.title.ilike("send the contract to tom%")))
        assert task.due_date.weekday() == 4 and 0 <= (task.due_date - utcnow().date()).days <= 7


async def test_tickets_are_opened_and_closed(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    ask = await agent.run(john, "create a ticket for Sarah: cannot export reports, high priority")
    assert "Which one" in ask.answer and "Sarah Connor" in ask.answer and "Sarah Johnson" in ask.answer
    chosen = await agent.run(john, "Sarah Johnson", ask.conversation_id)
    assert len(chosen.pending) == 1 and "Sarah Johnson" in chosen.pending[0].summary
    await agent.run(john, "yes", ask.conversation_id)
    await _approve(agent, john, "close ticket 1042")
    async with db.session() as s:
        ticket = await s.scalar(select(Ticket).where(Ticket.subject == "Cannot export reports"))
        assert ticket.priority.value == "high" and ticket.requester_email == "sarah.johnson@acme.test"
        assert (await s.scalar(select(Ticket).where(Ticket.number == 1042))).status is TicketStatus.closed


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("what's my pipeline?", ["pipeline_summary"], "Your pipeline"),
        ("weighted pipeline by stage this quarter", ["pipeline_summary"], "closing this quarter"),
        ("which deals are stuck?", ["stuck_deals"], "more than 14 days"),
        ("deals closing this month", ["deals_closing"], "closing this month"),
        ("what are my tasks this week?", ["my_tasks"], "Send technical specs to Lisa Chen"),
        ("show me Sarah Johnson", ["search_crm", "get_contact"], "Acme Corp - Enterprise Plan"),
        ("what do we know about Acme?", ["search_crm", "get_account"], "Acme UK"),
        ("open tickets for Acme", ["search_crm", "search_tickets"], "Cannot export pipeline report to CSV"),
    ],
)
async def test_read_families(demo_chat, message, tools, expected):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    result = await agent.run(john, message)
    assert [c["name"] for c in result.tool_calls] == tools and expected in result.answer and not result.pending


async def test_a_manager_gets_the_team_pipeline(demo_chat):
    agent, as_ = demo_chat
    result = await agent.run(await as_("maria@nexa.test"), "team pipeline")
    assert result.tool_calls[0]["arguments"]["scope"] == "team" and "team's pipeline" in result.answer


async def test_out_of_scope_gets_an_honest_answer_and_no_action(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    for message in ("what's the weather in Paris?", "write me a poem about tacos"):
        result = await agent.run(john, message)
        assert {c["name"] for c in result.tool_calls} <= {
            "kb_search"
        } and not result.pending  # a look in the help center, no action
        assert "can't" in result.answer and "pipeline" in result.answer
    result = await agent.run(john, "what can you do?")
    assert "offline assistant" in result.answer


async def test_a_missing_slot_gets_a_short_question_then_completes(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    ask = await agent.run(john, "new lead: Priya Raman, priya@orbit.test")
    assert ask.answer.startswith("To do that I need source") and not ask.pending
    done = await agent.run(john, "she came from our website", ask.conversation_id)
    assert len(done.pending) == 1 and done.pending[0].arguments["source"] == "website"


async def test_support_cannot_be_talked_into_moving_deals(db, demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    result = await agent.run(sam, "we won the Acme deal")
    assert not result.pending and "cannot" in result.answer
    async with db.session() as s:
        assert (
            await s.scalar(select(Deal.stage).where(Deal.deal_name == "Acme Corp - Enterprise Plan"))
        ) is DealStage.qualification


async def test_the_intelligence_layer_answers_offline(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    draft = await agent.run(john, "draft a follow-up to Acme")
    assert [c["name"] for c in draft.tool_calls][-1] == "draft_email" and "Subject:" in draft.answer
    assert "Sarah" in draft.answer and "Acme Corp - Enterprise Plan" in draft.answer and not draft.pending
    formal = await agent.run(john, "write a formal email to Tom Smith")
    assert "Dear Tom Smith" in formal.answer
    await _approve(
        agent, john, "new lead: Dana Whitfield, CTO at Brightwave, dana@brightwave.io, referred by a partner"
    )
    score = await agent.run(john, "why does Dana Whitfield have that score?")
    assert (
        "scores **" in score.answer
        and "source (referral): +30.0" in score.answer
        and "title seniority (c_level)" in score.answer
    )
    nba = await agent.run(john, "what should I do next on the Acme Enterprise Plan deal?")
    assert [c["name"] for c in nba.tool_calls][-1] == "next_best_action" and "1." in nba.answer
    maria = await as_("maria@nexa.test")
    unusual = await agent.run(maria, "anything unusual this week?")
    assert unusual.tool_calls[-1]["name"] == "find_anomalies" and "Globex" in unusual.answer
    forecast = await agent.run(maria, "what will we close this quarter?")
    assert forecast.tool_calls[-1]["name"] == "forecast_pipeline" and "closed-won so far" in forecast.answer
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Call)) > 0  # the seed's history is still there


async def test_qualifying_keeps_the_bant_typed_and_asks_for_exactly_the_missing_ones(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(john, "new lead: Dana Whitfield, dana@brightwave.io, came from a webinar")
    await agent.run(john, "yes", first.conversation_id)
    ask = await agent.run(john, "Dana Whitfield is qualified: budget 35k signed off, she decides")
    assert ask.answer.startswith("To do that I need to know the need and timeline") and not ask.pending, ask.answer
    done = await agent.run(john, "need unknown, go-live by Q3", ask.conversation_id)
    assert len(done.pending) == 1, done.answer
    arguments = done.pending[0].arguments
    assert (arguments["status"], arguments["need"]) == ("qualified", "unknown")
    assert "35k" in arguments["budget"] and "decides" in arguments["authority"] and "Q3" in arguments["timeline"]


async def test_converting_an_unqualified_lead_asks_why_before_proposing(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(john, "new lead: Dana Whitfield, dana@brightwave.io, came from a webinar")
    await agent.run(john, "yes", first.conversation_id)
    ask = await agent.run(john, "convert Dana Whitfield, deal worth 35k")
    assert ask.answer.startswith("To do that I need override reason") and not ask.pending, ask.answer
    assert "not qualified" in ask.answer
    done = await agent.run(john, "the CFO signed the order form already", ask.conversation_id)
    assert (
        len(done.pending) == 1
        and done.pending[0].arguments["override_reason"] == "the CFO signed the order form already"
    )


async def test_a_manager_reads_a_teammates_deals_and_gives_them_a_task(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    maria = await as_("maria@nexa.test")
    deals = await agent.run(maria, "mike's deals in negotiation")
    call = next(c for c in deals.tool_calls if c["name"] == "search_deals")
    assert call["arguments"]["owner"] == "mike" and call["arguments"]["stage"] == "negotiation", deals.answer
    won = await agent.run(maria, "what did the team win last month")
    assert any(c["name"] == "search_deals" and c["arguments"]["period"] == "last_month" for c in won.tool_calls), (
        won.answer
    )
    first = await _approve(agent, maria, "create a task for john: prep the QBR deck, due Friday")
    assert first.pending[0].arguments["assignee"] == "john"
    async with db.session() as s:
        task = await s.scalar(select(Task).where(Task.title.ilike("%QBR deck%")))
        assert task.assignee_id == john.user_id
    refused = await agent.run(john, "create a task for mike: prep the QBR deck")
    assert not refused.pending and "only managers" in refused.answer


async def test_a_support_agent_sees_their_own_queue(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    queue = await agent.run(noah, "whats in my queue")
    assert any(c["name"] == "search_tickets" and c["arguments"].get("mine") for c in queue.tool_calls), queue.answer


async def test_an_elliptical_follow_up_asks_the_same_about_someone_else(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    first = await agent.run(maria, "show mike's overdue tasks")
    again = await agent.run(maria, "and john's?", first.conversation_id)
    call = next(c for c in again.tool_calls if c["name"] == "team_tasks")
    assert call["arguments"]["person"].lower() == "john", again.answer
