"""Offline model, round 8 (issue #14): tickets that came in today about a topic, why deals were lost, a pick among the
deals just listed by amount, and a reply to "which one" that names words two options share, one of them closed.
Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations

from datetime import date, timedelta


async def test_tickets_that_came_in_today_about_a_topic_are_counted(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    result = await agent.run(noah, "how many calendar sync tickets came in today? feels like a lot")
    assert "Calendar sync tickets that came in today (6)" in result.answer, result.answer
    assert "meetings" not in result.answer and not result.pending
    going_on = await agent.run(noah, "whats going on w all these calendar sync tickets today??")
    assert "SYNC-502" in going_on.answer, going_on.answer


async def test_lost_deals_say_why_they_were_lost(demo_chat):
    agent, as_ = demo_chat
    emma = await as_("emma@nexa.test")
    result = await agent.run(emma, "what have i lost lately and why")
    assert "closed_lost" in result.answer and "(lost: " in result.answer, result.answer
    assert not result.pending


async def test_the_amount_one_picks_among_the_deals_just_listed(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    listed = await agent.run(john, "what deals do i have w northpath")
    moved = await agent.run(john, "move the 120k one to qualification", listed.conversation_id)
    assert moved.pending and moved.pending[0].tool == "move_deal_stage", moved.answer
    assert "Northpath LLC - Platform 121" in moved.answer, moved.answer


async def test_a_word_two_options_share_picks_the_one_still_open(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    asked = await agent.run(mike, "move the granitewave deal to negotiation")
    assert "Expansion 18" in asked.answer and "Expansion 88 (deal, closed won" in asked.answer, asked.answer
    picked = await agent.run(mike, "the expansion one", asked.conversation_id)
    assert picked.pending and "Granitewave Systems - Expansion 18 to negotiation" in picked.answer, picked.answer


async def test_an_agents_four_digit_number_is_a_ticket(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    urgent = await agent.run(
        sam, "the acme export one is hurting them bad, their month end is friday. make 1001 urgent"
    )
    assert urgent.pending and urgent.pending[0].tool == "update_ticket", urgent.answer
    assert urgent.pending[0].arguments == {"number": 1001, "changes": {"priority": "urgent"}}
    resolved = await agent.run(sam, "customer confirmed the fix worked on 1047, resolve it pls")
    assert resolved.pending and resolved.pending[0].arguments["changes"] == {"status": "resolved"}, resolved.answer
    shown = await agent.run(sam, "catch me up on 1001 real quick")
    assert "EXP-504" in shown.answer and not shown.pending, shown.answer


async def test_a_ticket_taken_by_its_description_is_assigned_to_the_caller(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    result = await agent.run(noah, "i'll take the finance team calendar sync ticket, put it on me")
    assert result.pending and result.pending[0].tool == "assign_ticket", result.answer
    assert result.pending[0].arguments == {"number": 1002, "assignee": "noah@nexa.test"}


async def test_the_person_a_message_names_first_is_who_a_ticket_or_a_task_is_for(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    ticket = await agent.run(
        sam, "sarah connor from globex just called, their SSO login throws SSO-310. open a ticket for her, high prio"
    )
    assert ticket.pending and ticket.pending[0].arguments.get("requester_contact_id"), ticket.answer
    mike = await as_("mike@nexa.test")
    task = await agent.run(mike, "ping me friday to chase tom smith on the PO")
    assert task.pending and task.pending[0].arguments.get("related_type") == "contact", task.answer
    assert task.pending[0].arguments["title"] == "Chase tom smith on the PO"


async def test_a_new_cell_number_updates_the_contact_and_bant_goes_on_the_lead(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    cell = await agent.run(john, "sarah connor's got a new cell, +1 650 555 0199, can u update her record")
    assert cell.pending and cell.pending[0].tool == "update_contact", cell.answer
    bant = await agent.run(
        john, "spoke w rosa tanaka, budget is 60k signed off by cfo, want live by sept. put that on her lead"
    )
    assert bant.pending and bant.pending[0].tool == "update_lead", bant.answer
    changes = bant.pending[0].arguments["changes"]
    assert "60k" in changes["bant_budget"] and "sept" in changes["bant_timeline"], changes


async def test_a_meeting_title_in_quotes_is_kept(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    result = await agent.run(john, "set up a meeting w sarah johnson next tue 3pm, title 'Acme demo', 1 hr")
    assert result.pending and result.pending[0].arguments["title"] == "Acme demo", result.answer


async def test_a_teammates_deals_in_a_stage_come_with_their_total(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    result = await agent.run(maria, "how much has john got in negotiation rn")
    assert result.answer.startswith("John's deals in negotiation: ") and "in total" in result.answer, result.answer
    assert not result.pending


async def test_faxes_and_other_crms_are_out_of_scope_but_a_lost_reason_naming_one_is_not(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    fax = await agent.run(john, "fax the signed contract to acme procurement pls")
    assert "can't send faxes" in fax.answer, fax.answer
    other = await agent.run(john, "can u also update the opportunity in our old salesforce org")
    assert "can't change records in another CRM" in other.answer and not other.pending, other.answer
    lost = await agent.run(john, "ava lopez at deltaworks - total dead end, they went with hubspot. mark her lost")
    assert lost.pending and lost.pending[0].tool == "update_lead_status", lost.answer


async def test_missed_due_dates_and_passed_close_dates_are_overdue_and_tomorrow_bounds_tasks(demo_chat, clock):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    blown = await agent.run(mike, "ugh been slacking. which of my tasks did i blow the due date on")
    assert blown.answer.startswith("Your open tasks overdue"), blown.answer
    tomorrow = await agent.run(mike, "tasks due tmrw?")
    assert tomorrow.answer.startswith("Your open tasks due by tomorrow"), tomorrow.answer
    dates = [line.split("due ")[-1][:10] for line in tomorrow.answer.splitlines() if line.startswith("- ")]
    assert dates and all(date.fromisoformat(d) <= clock.date() + timedelta(days=1) for d in dates), tomorrow.answer
    john = await as_("john@nexa.test")
    passed = await agent.run(john, "which of my deals had a close date that already passed but are still open")
    assert "past their close date" in passed.answer and not passed.pending, passed.answer
