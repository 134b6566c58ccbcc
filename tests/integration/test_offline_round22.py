"""Offline model, round 22 (issue #14): a manager's leads by rep counted in the database, an account's deals named with
its suffix and a deal of that list named without "one", a contact named by title at her company, a hand-off taken back
for another change, a teammate's numbered task given on with a new due date, one meeting with two people, a ticket
named by its requester and a word of its subject. Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from assistant.offline.slots import find_date
from store.clock import utcnow
from store.models import Contact, Deal, Lead, Task, User
from store.models.enums import LeadStatus
from store.services import LeadService
from tests.support.offline import record_id


async def test_leads_by_rep_are_counted_over_every_open_lead_the_manager_sees(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    async with db.session() as s:
        counted = await LeadService(s, maria).by_owner(open_only=True)
        team = set(await s.scalars(select(User.id).where(User.team == maria.team)))
        leads = await s.scalars(select(Lead).where(Lead.assigned_to_id.in_(team)))
        expected = Counter(
            lead.assigned_to_id for lead in leads if lead.status not in (LeadStatus.converted, LeadStatus.lost)
        )
        names = {u.id: u.name for u in await s.scalars(select(User))}
    assert {who: n for who, n, _, _ in counted} == dict(expected)
    answer = (await agent.run(maria, "open leads by rep")).answer
    for who, n in expected.items():
        assert f"- {names[who]}: {n} (" in answer, answer


async def test_an_accounts_deals_named_with_its_suffix_and_a_deal_of_that_list(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    listed = await agent.run(mike, "deals on northworks inc")
    assert "Northworks Inc - Pilot 169" in listed.answer and "Northworks Partners" not in listed.answer, listed.answer
    won = await agent.run(mike, "the pilot - mark it won", listed.conversation_id)
    pilot = await record_id(db, Deal, deal_name="Northworks Inc - Pilot 169")
    assert [(p.tool, p.arguments["deal_id"], p.arguments["stage"]) for p in won.pending] == [
        ("move_deal_stage", pilot, "closed_won")
    ], won.answer


async def test_a_contact_named_by_her_title_at_her_company(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    answer = (await agent.run(john, "whats the email for the globex cto again?")).answer
    assert "sarah.connor@globex.test" in answer, answer


async def test_a_hand_off_taken_back_for_another_change(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    asked = await agent.run(sam, "reassign 1038 to noah")
    instead = await agent.run(sam, "actually leave it with me, just make it high", asked.conversation_id)
    assert [(p.tool, p.arguments) for p in instead.pending] == [
        ("update_ticket", {"number": 1038, "changes": {"priority": "high"}})
    ], instead.answer


async def test_a_teammates_task_given_on_with_a_new_due_date(db, demo_chat):
    agent, as_ = demo_chat
    priya = await as_("priya@nexa.test")
    handed = await agent.run(priya, "take follow up #19 off carlos and give it to emma, and make it due friday")
    task = await record_id(db, Task, title="Follow up #19")
    friday = find_date("friday", utcnow().date())
    assert friday is not None
    assert [
        (p.tool, p.arguments["task_id"], p.arguments["assignee"], p.arguments["due_date"]) for p in handed.pending
    ] == [("update_task", task, "emma", friday.value.isoformat())], handed.answer


async def test_one_meeting_with_the_two_people_it_was_with(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(
        john, "had a mtg yesterday w sarah connor and lisa chen going over the upgrade scope, can u log that"
    )
    sarah = await record_id(db, Contact, email="sarah.connor@globex.test")
    lisa = await record_id(db, Contact, first_name="Lisa", last_name="Chen")
    assert [(p.tool, sorted(p.arguments["contact_ids"])) for p in asked.pending] == [
        ("schedule_meeting", sorted([sarah, lisa]))
    ], asked.answer


async def test_a_ticket_named_by_its_requester_and_a_word_of_its_subject(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    asked = await agent.run(sam, "rosa rossi's login ticket - set it pending while we wait on her")
    assert [(p.tool, p.arguments) for p in asked.pending] == [
        ("update_ticket", {"number": 1038, "changes": {"status": "pending"}})
    ], asked.answer
