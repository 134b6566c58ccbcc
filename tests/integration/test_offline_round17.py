"""Offline model, round 17 (issue #14): a numbered follow-up is a task; a ticket's requester is "him" without the
ticket read again; a record viewed on the way stays in reach; another team's deal is not handed on; two tickets are
taken at once; a namesake told apart by title; "emma's biggest open deal" is one deal. Real agent, real database, the
demo CRM seeded at the test's clock."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from store.models import Contact, Deal, Lead, Task, Ticket, User
from store.models.enums import DealStage, LeadStatus, TicketStatus
from tests.support.offline import open_follow_up, record_id


async def _user_id(db, email: str) -> str:
    async with db.session() as session:
        return str(await session.scalar(select(User.id).where(User.email == email)))


async def test_a_numbered_follow_up_gets_its_new_due_date(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    task = await open_follow_up(db, mike.user_id)
    asked = await agent.run(mike, f"push {task.title.lower()} to dec 3")
    assert [(p.tool, p.arguments["task_id"]) for p in asked.pending] == [("update_task", str(task.id))], asked.answer
    await agent.run(mike, "yes", asked.conversation_id)
    async with db.session() as session:
        due = await session.scalar(select(Task.due_date).where(Task.id == task.id))
    assert (due.month, due.day) == (12, 3)


async def test_a_note_on_the_requester_of_the_ticket_just_shown_is_proposed(db, demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    shown = await agent.run(noah, "show me 1022")
    noted = await agent.run(noah, "log a note on him: sent the corrected invoice", shown.conversation_id)
    async with db.session() as session:
        requester = await session.scalar(select(Ticket.requester_contact_id).where(Ticket.number == 1022))
    assert [(p.tool, p.arguments["related_id"]) for p in noted.pending] == [("add_note", str(requester))], noted.answer


async def test_another_teams_deal_is_not_handed_on(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "give carlos's northline partners - pilot 144 to john")
    assert not asked.pending and "not on your team" in asked.answer, asked.answer


async def test_a_field_only_the_deal_has_is_set_on_the_deal_whose_contact_was_asked(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    shown = await agent.run(john, "show brightstone expansion 113")
    contact = await agent.run(john, "who's the contact on it", shown.conversation_id)
    asked = await agent.run(john, "set the amount to 9k", contact.conversation_id)
    deal = await record_id(db, Deal, deal_name="Brightstone Holdings - Expansion 113")
    assert [(p.tool, p.arguments["deal_id"]) for p in asked.pending] == [("update_deal", deal)], asked.answer


async def test_two_tickets_are_taken_at_once(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    asked = await agent.run(sam, "take 1002 and 1003, both to me")
    assert sorted((p.tool, p.arguments["number"]) for p in asked.pending) == [
        ("assign_ticket", 1002),
        ("assign_ticket", 1003),
    ], asked.answer


async def test_a_namesake_is_told_apart_by_the_title_said_after_the_name(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    asked = await agent.run(mike, "ben weber the ceo - his phone is +1 212 555 0143")
    ceo = await record_id(db, Contact, first_name="Ben", last_name="Weber", title="CEO")
    assert [(p.tool, p.arguments["contact_id"]) for p in asked.pending] == [("update_contact", ceo)], asked.answer


async def test_a_teammates_biggest_open_deal_is_one_deal_in_focus(db, demo_chat):
    agent, as_ = demo_chat
    priya = await as_("priya@nexa.test")
    shown = await agent.run(priya, "emma's biggest open deal")
    emma = await _user_id(db, "emma@nexa.test")
    async with db.session() as session:
        biggest = (
            await session.scalars(
                select(Deal)
                .where(Deal.owner_id == emma, Deal.stage.not_in([DealStage.closed_won, DealStage.closed_lost]))
                .order_by(Deal.amount.desc())
            )
        ).first()
    assert shown.answer.startswith(f"**{biggest.deal_name}**"), shown.answer
    moved = await agent.run(priya, "move it to negotiation", shown.conversation_id)
    assert [(p.tool, p.arguments["deal_id"]) for p in moved.pending] == [("move_deal_stage", str(biggest.id))]


async def test_a_teammates_new_leads_are_theirs_and_another_teams_are_refused(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    shown = await agent.run(maria, "mike's new leads")
    mike = await _user_id(db, "mike@nexa.test")
    async with db.session() as session:
        names = set(
            await session.scalars(
                select(Lead.first_name + " " + Lead.last_name).where(
                    Lead.assigned_to_id == mike, Lead.status == LeadStatus.new
                )
            )
        )
    listed = set(re.findall(r"^- ([^(\n]+?) \(", shown.answer, re.M))
    assert listed and listed <= names, shown.answer
    refused = await agent.run(maria, "carlos's leads")
    assert "not on your team" in refused.answer and not refused.pending, refused.answer


async def test_tickets_asked_for_by_subject_are_those_of_that_subject(db, demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    shown = await agent.run(noah, "invoice tickets still open")
    async with db.session() as session:
        numbers = set(
            await session.scalars(
                select(Ticket.number).where(Ticket.subject.ilike("%invoice%"), Ticket.status == TicketStatus.open)
            )
        )
    assert {int(n) for n in re.findall(r"^- #(\d+) ", shown.answer, re.M)} == numbers, shown.answer


async def test_a_teammates_overdue_task_named_in_passing_is_handed_on(db, demo_chat, clock):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    john = await _user_id(db, "john@nexa.test")
    async with db.session() as session:
        late = Task(
            title="Send the pricing sheet",
            assignee_id=john,
            created_by_id=john,
            due_date=clock.date() - timedelta(days=3),
        )
        soon = Task(
            title="Send the pricing sheet again",
            assignee_id=john,
            created_by_id=john,
            due_date=clock.date() + timedelta(days=3),
        )
        session.add_all([late, soon])
    asked = await agent.run(maria, "john has an overdue pricing sheet task - give it to mike")
    assert [(p.tool, p.arguments["task_id"]) for p in asked.pending] == [("update_task", str(late.id))], asked.answer


async def test_a_refund_on_a_ticket_is_said_to_be_outside_what_nexa_does(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    asked = await agent.run(sam, "refund the customer on 1010 $200 pls")
    assert "can't" in asked.answer and "Ticket #1010" not in asked.answer and not asked.pending, asked.answer
