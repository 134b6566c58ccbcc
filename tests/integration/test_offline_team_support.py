"""The offline model on support, manager and follow-up asks: a ticket assigned by a person's first name (several people
by that name are asked back), an escalation (urgent), a stage move that states a new amount, a teammate's
stuck deals (a rep is told they cannot see them), the rep with the biggest pipeline, the whole team's overdue tasks,
"him" after a deal (its primary contact). Real agent, real database, seeded demo CRM."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from assistant.offline.nlu import read_slots
from assistant.offline.slots import find_date
from store.models import Deal, Ticket, User
from store.models.enums import Role


def test_a_negated_status_and_a_bare_month_are_read_as_meant(clock):
    assert read_slots("which of my leads haven't been contacted yet", clock.now())["lead_status"] == "new"
    assert read_slots("my contacted leads", clock.now())["lead_status"] == "contacted"
    today = date(2026, 6, 10)
    assert find_date("push it to august", today).value == date(2026, 8, 31)  # type: ignore[union-attr]
    assert find_date("slip it to mid july", today).value == date(2026, 7, 15)  # type: ignore[union-attr]
    assert find_date("we may slip", today) is None


async def test_a_ticket_is_assigned_by_first_name_and_a_shared_name_is_asked_back(db, demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    first = await agent.run(noah, "reassign 1059 to sam")
    assert first.pending and first.pending[0].arguments == {"number": 1059, "assignee": "sam"}, first.answer
    await agent.run(noah, "yes", first.conversation_id)
    async with db.session() as s:
        ticket = await s.scalar(select(Ticket).where(Ticket.number == 1059))
        sam = await s.scalar(select(User).where(User.email == "sam@nexa.test"))
        assert ticket is not None and sam is not None and ticket.assignee_id == sam.id
        s.add(User(name="Sam Ortiz", email="sam.ortiz@nexa.test", role=Role.support, team="Support"))
        await s.commit()
    again = await agent.run(noah, "give 1047 to sam")
    assert not again.pending and "which one?" in again.answer and "Sam Ortiz" in again.answer, again.answer
    john = await agent.run(noah, "assign 1047 to john")
    assert not john.pending and "tickets go to support" in john.answer, john.answer


async def test_escalating_makes_a_ticket_urgent(db, demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    async with db.session() as s:
        ticket = await s.scalar(select(Ticket).where(Ticket.priority == "medium").order_by(Ticket.number).limit(1))
        assert ticket is not None
        number = ticket.number
    result = await agent.run(sam, f"escalate {number}")
    assert result.pending and result.pending[0].arguments == {"number": number, "changes": {"priority": "urgent"}}, (
        result.answer
    )


async def test_a_stage_move_with_a_new_amount_changes_both(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    first = await agent.run(mike, "summitgate expansion 58 moved to negotiation, amount is now 110k")
    assert first.pending and first.pending[0].arguments["amount"] in ("110000", 110000), first.answer
    await agent.run(mike, "yes", first.conversation_id)
    async with db.session() as s:
        deal = await s.scalar(select(Deal).where(Deal.deal_name == "Summitgate Inc - Expansion 58"))
    assert deal is not None and deal.stage.value == "negotiation" and deal.amount == 110000


async def test_a_teammates_stuck_deals_for_a_manager_and_a_rep_of_the_team_not_another_team(db, demo_chat):
    agent, as_ = demo_chat
    maria, john, emma = await as_("maria@nexa.test"), await as_("john@nexa.test"), await as_("emma@nexa.test")
    shown = await agent.run(maria, "show mike's stalled deals")
    assert shown.answer.startswith("Mike's deals with no stage change"), shown.answer
    async with db.session() as s:
        mike = await s.scalar(select(User).where(User.email == "mike@nexa.test"))
        names = set((await s.scalars(select(Deal.deal_name).where(Deal.owner_id == mike.id))).all())  # type: ignore[union-attr]
    listed = [line[2:].split(":")[0] for line in shown.answer.splitlines() if line.startswith("- ")]
    assert listed and set(listed) <= names
    covering = await agent.run(john, "show me mike's stuck deals")  # a rep reads his team's deals
    assert covering.answer.startswith("Mike's deals with no stage change"), covering.answer
    refused = await agent.run(emma, "show me mike's stuck deals")  # Mike is on another team than Emma's
    assert "not on your team" in refused.answer and not refused.pending, refused.answer


async def test_team_figures_for_a_manager(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    biggest = await agent.run(maria, "which rep has the biggest pipeline")
    assert "has the biggest open pipeline" in biggest.answer, biggest.answer
    overdue = await agent.run(maria, "overdue tasks on my team?")
    assert overdue.answer.startswith("Your team's open tasks overdue"), overdue.answer
    assert "Mike Brown" in overdue.answer or "John Miller" in overdue.answer


async def test_him_after_a_deal_is_its_primary_contact(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    first = await agent.run(john, "who's the primary contact on northfield technologies - pilot 64?")
    second = await agent.run(john, "log a call with him, he's reviewing the contract", first.conversation_id)
    async with db.session() as s:
        deal = await s.scalar(select(Deal).where(Deal.deal_name == "Northfield Technologies - Pilot 64"))
    assert deal is not None and second.pending, second.answer
    assert second.pending[0].arguments["contact_id"] == str(deal.primary_contact_id)
