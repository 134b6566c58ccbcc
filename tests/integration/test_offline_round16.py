"""Offline model, round 16 (issue #14): a list just shown is refined ("only the ones over 50k", "sort by amount"),
asked about ("which one closes first") or pointed into ("the oldest one - summarize it"); a lead is handed on to a
teammate; the calls a teammate logged are counted. Real agent, real database, the demo CRM seeded at the test's
clock."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from store.models import Call, Deal, Lead, Task, Ticket, User
from store.models.enums import DealStage, TaskStatus
from tests.support.offline import record_id


async def _emma_in_proposal(db) -> list[tuple[str, float]]:
    async with db.session() as session:
        emma = await session.scalar(select(User.id).where(User.email == "emma@nexa.test"))
        rows = await session.execute(
            select(Deal.deal_name, Deal.amount).where(Deal.owner_id == emma, Deal.stage == DealStage.proposal)
        )
        return [(name, float(amount or 0)) for name, amount in rows.all()]


async def test_only_the_ones_over_an_amount_lists_that_list_again_above_it(db, demo_chat):
    agent, as_ = demo_chat
    priya = await as_("priya@nexa.test")
    listed = await agent.run(priya, "emma's deals in proposal")
    refined = await agent.run(priya, "only the ones over 20k", listed.conversation_id)
    deals = await _emma_in_proposal(db)
    shown = re.findall(r"^- (.+?): proposal", refined.answer, re.M)
    assert sorted(shown) == sorted(name for name, amount in deals if amount >= 20000), refined.answer
    assert "$20K or more" in refined.answer, refined.answer


async def test_sort_by_amount_lists_the_biggest_first_and_which_closes_first_is_one_deal(db, demo_chat):
    agent, as_ = demo_chat
    priya = await as_("priya@nexa.test")
    listed = await agent.run(priya, "emma's deals in proposal")
    ordered = await agent.run(priya, "sort by amount", listed.conversation_id)
    amounts = [
        float(a) * {"K": 1e3, "M": 1e6}.get(m, 1) for a, m in re.findall(r", \$([\d.]+)([KM]?),", ordered.answer)
    ]
    assert len(amounts) > 2 and amounts == sorted(amounts, reverse=True), ordered.answer
    first = await agent.run(priya, "which one closes first", listed.conversation_id)
    closing = re.findall(r"closing (\d{4}-\d\d-\d\d)", ordered.answer)
    assert first.answer.startswith("The first: ") and f"closing {min(closing)}" in first.answer, first.answer
    assert not first.pending


async def test_the_oldest_one_of_a_ticket_list_is_its_last_line(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    listed = await agent.run(noah, "my urgent tickets")
    numbers = re.findall(r"^- #(\d+) ", listed.answer, re.M)
    assert numbers and "Showing" not in listed.answer, listed.answer
    summarized = await agent.run(noah, "the oldest one - summarize it", listed.conversation_id)
    assert f"#{numbers[-1]}" in summarized.answer, summarized.answer


async def test_a_lead_is_handed_on_by_saying_whose_it_should_be(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "the rosa fischer lead should be john's now, pls move it")
    lead = await record_id(db, Lead, email="rosa.fischer.lead67@example.test")
    assert [(p.tool, p.arguments["lead_id"], p.arguments["owner"]) for p in asked.pending] == [
        ("reassign_lead", lead, "john")
    ], asked.answer
    await agent.run(maria, "yes", asked.conversation_id)
    async with db.session() as session:
        owner = await session.scalar(
            select(User.email).join(Lead, Lead.assigned_to_id == User.id).where(Lead.id == lead)
        )
    assert owner == "john@nexa.test"


async def test_a_manager_is_told_how_many_calls_a_teammate_logged_this_week(db, demo_chat, clock):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "how many calls has mike logged this week")
    monday = datetime.combine(clock.date() - timedelta(days=clock.weekday()), time(), clock.tzinfo)
    async with db.session() as session:
        mike = await session.scalar(select(User.id).where(User.email == "mike@nexa.test"))
        count = await session.scalar(
            select(func.count())
            .select_from(Call)
            .where(Call.user_id == mike, Call.call_at >= monday, Call.call_at < monday + timedelta(days=7))
        )
    assert asked.answer.startswith(f"Mike Brown logged {count} call"), asked.answer
    again = await agent.run(maria, "and john?", asked.conversation_id)
    assert again.answer.startswith("John Miller logged "), again.answer


async def test_a_rep_is_refused_another_teams_calls(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "how many calls has emma logged this week")
    assert "logged" not in asked.answer and "Emma" in asked.answer, asked.answer


async def test_an_agent_is_told_how_many_tickets_were_resolved_last_week(db, demo_chat, clock):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    asked = await agent.run(sam, "how many tickets did we close last week")
    monday = datetime.combine(clock.date() - timedelta(days=clock.weekday() + 7), time(), clock.tzinfo)
    async with db.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.resolved_at >= monday, Ticket.resolved_at < monday + timedelta(days=7))
        )
    assert asked.answer.startswith(f"Tickets resolved last week ({count})") or (
        count == 0 and asked.answer.startswith("No tickets resolved last week")
    ), asked.answer
    assert "deals" not in asked.answer, asked.answer


async def test_a_field_said_alone_reads_that_deal(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "close date on cedarline pilot 134")
    assert asked.answer.startswith("Cedarline Co - Pilot 134's close date: "), asked.answer


async def test_a_ticket_number_nobody_has_is_asked_back_and_nothing_written(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    asked = await agent.run(noah, "set 1099 to pending")
    assert "no ticket 1099" in asked.answer and "Which one did you mean?" in asked.answer, asked.answer
    assert not asked.pending


async def test_a_task_shown_by_its_title_is_it_for_the_next_turn(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    async with db.session() as session:
        titles = list(
            await session.scalars(
                select(Task.title)
                .join(User, User.id == Task.assignee_id)
                .where(User.email == "mike@nexa.test", Task.status != TaskStatus.done, Task.title.like("Follow up #%"))
            )
        )
    title = titles[0]
    shown = await agent.run(mike, f"show me my {title.lower()} task")
    assert re.findall(r"^- (.+?) \(due", shown.answer, re.M) == [title], shown.answer
    pushed = await agent.run(mike, "push it to monday", shown.conversation_id)
    task = await record_id(db, Task, title=title, assignee_id=(await as_("mike@nexa.test")).user_id)
    assert [(p.tool, p.arguments["task_id"]) for p in pushed.pending] == [("update_task", task)], pushed.answer
