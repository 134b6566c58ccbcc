"""Offline model, round 9 (issue #14): a message that ends in a question is a read, a value the user rules out is never
written, a meeting already held is recorded as a meeting, a field named by a phrase ("direct line") with a possessive
typed without its apostrophe, and the write guard asking back a record the words do not point to.
Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations

from store.models import Account
from tests.support.offline import record_id


async def test_a_message_ending_in_a_question_reads_and_proposes_nothing(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    stage = await agent.run(john, "remind me, the acme deal is at which stage again")
    assert "qualification" in stage.answer and not stage.pending, stage.answer
    sam = await as_("sam@nexa.test")
    howto = await agent.run(sam, "customer keeps getting SSO-310 when logging in, what do i tell them")
    assert not howto.pending and "ticket" not in howto.answer.lower(), howto.answer


async def test_a_close_date_the_user_rules_out_is_not_the_one_written(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    pushed = await agent.run(john, "cedarforg upgrade isnt closing in oct anymore, push it out to nov 30")
    assert pushed.pending and pushed.pending[0].tool == "update_deal", pushed.answer
    assert pushed.pending[0].arguments["changes"] == {"close_date": "2026-11-30"}, pushed.pending[0].arguments


async def test_a_meeting_already_held_is_recorded_with_everyone_in_it(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    held = await agent.run(
        john, "had a mtg yesterday w sarah connor and lisa chen going over the upgrade scope, can u log that"
    )
    assert held.pending and held.pending[0].tool == "schedule_meeting", held.answer
    assert "Sarah Connor, Lisa Chen" in held.answer and "2026-06-09" in held.answer, held.answer


async def test_a_direct_line_asked_with_a_possessive_missing_its_apostrophe(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    line = await agent.run(mike, "need toms direct line")
    assert "555 0111" in line.answer and not line.pending, line.answer


async def test_a_change_request_is_never_written_down_as_a_note(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    asked = await agent.run(
        mike,
        "acme has a new cfo, raj patel, raj.patel@acme.test / +1 415 555 0199 - get him in as a contact under acme",
    )
    # round 22 reads it as the contact it asks for (it was asked back); never a note holding the request
    acme = await record_id(db, Account, account_name="Acme Corp")
    assert [(p.tool, p.arguments["last_name"], p.arguments["account_id"]) for p in asked.pending] == [
        ("create_contact", "Patel", acme)
    ], asked.answer


async def test_two_changes_to_one_ticket_approved_by_one_yes_are_both_applied(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    proposed = await agent.run(sam, "1054 is getting worse - bump it to high and hand it to noah")
    assert [p.tool for p in proposed.pending] == ["update_ticket", "assign_ticket"], proposed.answer
    done = await agent.run(sam, "yes", proposed.conversation_id)
    assert "Not done" not in done.answer and done.answer.count("Done: ") == 2, done.answer
    shown = await agent.run(sam, "show ticket 1054")
    assert "high" in shown.answer and "Noah" in shown.answer, shown.answer


async def test_an_acknowledgement_before_a_command_is_no_small_talk(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    shown = await agent.run(john, "pull up the globex deal")
    moved = await agent.run(john, "ok move it to negotiation", shown.conversation_id)
    assert moved.pending and moved.pending[0].tool == "move_deal_stage", moved.answer
    assert "Globex - Platform Upgrade to negotiation" in moved.answer, moved.answer


async def test_a_hand_on_in_a_later_clause_and_a_meeting_with_her_about_a_topic(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    handed = await agent.run(maria, "mike's drowning, hand the northworks pilot 169 deal over to john")
    assert handed.pending and handed.pending[0].tool == "reassign_deal", handed.answer
    john = await as_("john@nexa.test")
    shown = await agent.run(john, "show me sarah connor")
    booked = await agent.run(john, "book a mtg w her thu 2pm re the upgrade", shown.conversation_id)
    assert booked.pending and booked.pending[0].tool == "schedule_meeting", booked.answer
    assert "Sarah Connor" in booked.answer, booked.answer


async def test_a_note_asked_for_after_what_it_says_keeps_that_text(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    noted = await agent.run(
        john, "fyi sarah johnson prefers email over calls and she's ooo jun 20-27, put a note on her"
    )
    assert noted.pending and noted.pending[0].tool == "add_note", noted.answer
    assert noted.pending[0].arguments["body"].startswith("sarah johnson prefers email"), noted.pending[0].arguments


async def test_fields_named_without_a_value_are_read_and_a_teammate_sitting_on_overdue_work(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    numbers = await agent.run(john, "globex numbers pls - amount and when its supposed to close")
    assert "$28K" in numbers.answer and not numbers.pending, numbers.answer
    assert "I need" not in numbers.answer, numbers.answer
    maria = await as_("maria@nexa.test")
    overdue = await agent.run(maria, "what's mike sitting on that's overdue")
    assert "Follow up #16" in overdue.answer and "Mike" in overdue.answer, overdue.answer


async def test_can_you_grab_it_reads_and_who_on_my_team_is_the_whole_team(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    number = await agent.run(
        john, "about to dial sarah johnson at acme and i dont have her number on me, can u grab it"
    )
    assert "555 0100" in number.answer and not number.pending, number.answer
    maria = await as_("maria@nexa.test")
    behind = await agent.run(maria, "who on my team is furthest behind on their tasks")
    assert "Mike Brown" in behind.answer and "furthest" not in behind.answer, behind.answer


async def test_it_is_the_focus_when_the_name_said_matches_nothing_and_a_name_that_took_a_verb(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    shown = await agent.run(john, "whats the acme enterprise deal at")
    moved = await agent.run(john, "ok they got the proposal doc yesterday, move it to proposal", shown.conversation_id)
    assert moved.pending and "Acme Corp - Enterprise Plan to proposal" in moved.answer, moved.answer
    trimmed = await agent.run(john, "acme came back, budget got trimmed. bump the enterprise plan deal down to 45k")
    assert trimmed.pending and "Acme Corp - Enterprise Plan: amount = 45,000" in trimmed.answer, trimmed.answer
    lost = await agent.run(john, "mark Vera Petrov as lost, they went with a competitor")
    assert "Vertex" not in lost.answer, lost.answer
