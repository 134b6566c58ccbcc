"""Offline model, round 20 (issue #14): a person added to a proposed meeting is one more attendee; people met and told
to be logged make a meeting. Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations

from datetime import date, timedelta

from store.models import Account, Contact, Deal, Task
from tests.support.offline import record_id


async def test_a_person_added_to_a_proposed_meeting_is_one_more_attendee(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "book a meeting with rosa rossi at lumenpoint tomorrow at 10 - contract walkthrough")
    rosa = await record_id(db, Contact, email="rosa.rossi.41@example.test")
    assert [(p.tool, p.arguments["contact_ids"]) for p in asked.pending] == [("schedule_meeting", [rosa])], asked.answer
    added = await agent.run(john, "add anika ueda too", asked.conversation_id)
    anika = await record_id(db, Contact, first_name="Anika", last_name="Ueda")
    assert [(p.tool, p.arguments["contact_ids"], p.arguments["title"]) for p in added.pending] == [
        ("schedule_meeting", [rosa, anika], "Contract walkthrough")
    ], added.answer


async def test_people_met_and_told_to_be_logged_make_a_meeting_with_each(db, demo_chat):
    agent, as_ = demo_chat
    emma = await as_("emma@nexa.test")
    asked = await agent.run(emma, "met jonas silva + liam costa yesterday re pricing, went ok - log it pls")
    jonas = await record_id(db, Contact, first_name="Jonas", last_name="Silva")
    liam = await record_id(db, Contact, first_name="Liam", last_name="Costa")
    assert [(p.tool, p.arguments["contact_ids"]) for p in asked.pending] == [("schedule_meeting", [jonas, liam])], (
        asked.answer
    )


async def test_the_first_listed_task_said_done_is_completed(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    listed = await agent.run(mike, "overdue stuff pls")
    first = listed.answer.split("\n- ")[1].split(" (")[0]
    done = await agent.run(mike, "first one is done, close it", listed.conversation_id)
    task = await record_id(db, Task, title=first)
    assert [(p.tool, p.arguments["task_id"], p.arguments["status"]) for p in done.pending] == [
        ("update_task", task, "done")
    ], done.answer


async def test_a_new_deal_with_an_amount_and_a_name_is_made_not_a_near_deal_changed(db, demo_chat):
    agent, as_ = demo_chat
    emma = await as_("emma@nexa.test")
    asked = await agent.run(emma, "add a 9.5k deal on silverpoint partners 44 - Silverpoint Partners - Support Pack")
    assert [(p.tool, p.arguments["deal_name"], p.arguments["amount"]) for p in asked.pending] == [
        ("create_deal", "Silverpoint Partners - Support Pack", "9500")
    ], asked.answer


async def test_the_deal_meant_instead_of_a_proposed_hand_off(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "reassign mike's granitewave expansion 18 to john")
    corrected = await agent.run(maria, "wait, the renewal 117 instead", asked.conversation_id)
    deal = await record_id(db, Deal, deal_name="Granitewave Systems - Renewal 117")
    assert [(p.tool, p.arguments["deal_id"]) for p in corrected.pending] == [("reassign_deal", deal)], corrected.answer


async def test_who_we_are_talking_to_on_a_deal_is_its_contact_and_then_him(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    shown = await agent.run(mike, "northworks pilot 169")
    asked = await agent.run(mike, "who are we talking to there", shown.conversation_id)
    assert "Farid Hansen" in asked.answer, asked.answer
    booked = await agent.run(mike, "set up a meeting with him thursday 11am", asked.conversation_id)
    farid = await record_id(db, Contact, email="farid.hansen.110@example.test")
    assert [(p.tool, p.arguments["contact_ids"]) for p in booked.pending] == [("schedule_meeting", [farid])], (
        booked.answer
    )


async def test_a_kind_said_of_several_listed_deals_is_asked_among_them(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    listed = await agent.run(john, "deals at northfield technologies")
    asked = await agent.run(john, "the pilot", listed.conversation_id)
    candidates = [line for line in asked.answer.splitlines() if line[:1].isdigit()]
    assert len(candidates) == 2 and all("Northfield Technologies - Pilot" in c for c in candidates), asked.answer
    picked = await agent.run(john, "64", asked.conversation_id)
    bumped = await agent.run(john, "bump it to 130k", picked.conversation_id)
    deal = await record_id(db, Deal, deal_name="Northfield Technologies - Pilot 64")
    assert [(p.tool, p.arguments["deal_id"]) for p in bumped.pending] == [("update_deal", deal)], bumped.answer


async def test_a_person_added_at_a_customer_we_have_is_its_contact_and_elsewhere_a_lead(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    at_customer = await agent.run(mike, "add Oskar Brandt @ Helixfield LLC 24, CFO, oskar@helixfield.test")
    account = await record_id(db, Account, account_name="Helixfield LLC 24")
    assert [(p.tool, p.arguments["account_id"]) for p in at_customer.pending] == [("create_contact", account)], (
        at_customer.answer
    )
    elsewhere = await agent.run(mike, "add Oskar Brandt @ Brandnew Corp, CFO, oskar@brandnew.test")
    assert not elsewhere.pending and "source" in elsewhere.answer, elsewhere.answer  # a new prospect is a lead


async def test_the_teammate_with_the_most_late_tasks_is_named_and_then_him(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "who on my team has the most overdue tasks")
    assert "\nMost: Mike Brown (" in asked.answer, asked.answer
    tasked = await agent.run(maria, "create a task for him to clear them by monday", asked.conversation_id)
    assert [(p.tool, p.arguments["assignee"]) for p in tasked.pending] == [("create_task", "mike")], tasked.answer


async def test_a_teammates_biggest_deal_said_after_the_deal(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "biggest open deal mike has going")
    assert asked.answer.startswith("Mike's deals still open") and "biggest first" in asked.answer, asked.answer


async def test_the_day_after_moves_the_proposed_day_by_one(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "remind me to call sarah johnson tomorrow")
    moved = await agent.run(john, "no, the day after", asked.conversation_id)
    tomorrow = asked.pending[0].arguments["due_date"]
    assert [(p.tool, p.arguments["due_date"]) for p in moved.pending] == [
        ("create_task", str(date.fromisoformat(tomorrow) + timedelta(days=1)))
    ], moved.answer
