"""Offline model, round 13 (issue #14): what already passed with a person or company is read from their history (a
contact's calls include those of the lead it was converted from), a ticket of the list just shown is picked by words of
its line, a change said with no object is about the record just shown, a field asked right after a record's view is
that record's, and "my biggest deal" is that one deal.
Real agent, real database, the demo CRM seeded at the test's clock; tickets are also searched by the day they came in."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from assistant.agent import Agent
from store.clock import pinned
from store.knowledge import ingest, read_paths
from store.models import Contact
from store.seed import HELP_CENTER
from store.services import TicketService
from tests.support.factories import SYSTEM


async def test_calls_with_a_contact_include_the_ones_logged_while_she_was_a_lead(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    calls = await agent.run(john, "has anyone logged a call with sarah johnson?")
    assert [c["name"] for c in calls.tool_calls][-1] == "get_contact", calls.tool_calls
    assert calls.answer.startswith("Calls with **Sarah Johnson**"), calls.answer
    assert "Intro call: replaced spreadsheets, wants a demo" in calls.answer  # logged on her lead before conversion
    assert not calls.pending
    discovery = await agent.run(john, "when did i have the discovery call w sarah johnson")
    assert "Meeting 'Discovery call'" in discovery.answer, discovery.answer  # a meeting called a call


async def test_what_passed_with_a_person_lists_calls_and_meetings_newest_first(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    talked = await agent.run(john, "did i talk to sarah johnson recently? what came out of it")
    lines = [line for line in talked.answer.splitlines() if line.startswith("- ")]
    assert "Discovery call" in lines[0] and "Intro call" in lines[1], talked.answer
    met = await agent.run(john, "did i have any meetings w sarah johnson recently? when was the last one")
    assert met.answer.startswith("Meetings with **Sarah Johnson**") and "Intro call" not in met.answer, met.answer


async def test_what_got_logged_on_an_account_shows_its_notes(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    logged = await agent.run(john, "what got logged on the acme corp account?")
    assert "Tom asked for volume pricing before procurement review." in logged.answer, logged.answer
    shown = await agent.run(john, "show me acme corp")
    assert "volume pricing" not in shown.answer  # a plain look at the account is its view, not its history


async def test_the_export_one_of_the_tickets_just_listed_is_that_ticket_never_a_new_one(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    listed = await agent.run(sam, "open tickets for globex")
    assert "#1002 Calendar sync fails for the Finance team" in listed.answer, listed.answer
    changed = await agent.run(sam, "the finance team one - bump it to urgent", listed.conversation_id)
    assert [(p.tool, p.arguments) for p in changed.pending] == [
        ("update_ticket", {"number": 1002, "changes": {"priority": "urgent"}})
    ], changed.answer
    several = await agent.run(sam, "the calendar one - make it low", listed.conversation_id)
    assert all(p.tool != "create_ticket" for p in several.pending), several.answer  # six calendar tickets: no pick


async def test_a_change_said_without_its_object_is_about_the_record_just_shown(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    shown = await agent.run(sam, "ticket 1001")
    changed = await agent.run(sam, "set to pending, waiting on logs", shown.conversation_id)
    assert [(p.tool, p.arguments) for p in changed.pending] == [
        ("update_ticket", {"number": 1001, "changes": {"status": "pending"}})
    ], changed.answer


async def test_a_field_asked_right_after_a_deal_is_shown_is_that_deals(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    shown = await agent.run(john, "globex platform upgrade")
    asked = await agent.run(john, "what's the close date", shown.conversation_id)
    assert asked.answer.startswith("Globex - Platform Upgrade's close date:"), asked.answer
    listed = await agent.run(john, "what's closing this month?")
    assert listed.tool_calls[-1]["name"] != "get_deal", listed.tool_calls  # a period asked: the deals closing in it


async def test_my_biggest_deal_is_that_one_deal_and_it_is_in_focus(demo_chat):
    agent, as_ = demo_chat
    emma = await as_("emma@nexa.test")
    biggest = await agent.run(emma, "whats my biggest deal")
    assert biggest.tool_calls[-1]["name"] == "get_deal", biggest.tool_calls
    name = biggest.answer.split("**")[1]
    moved = await agent.run(emma, "move it to negotiation", biggest.conversation_id)
    assert [p.tool for p in moved.pending] == ["move_deal_stage"], moved.answer
    assert name in moved.answer, (name, moved.answer)
    listed = await agent.run(emma, "my biggest deals")
    assert listed.answer.startswith("Your open deals, biggest first"), listed.answer


async def test_a_pick_answering_which_one_after_a_bare_name_shows_that_record(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "rosa rossi")
    assert asked.answer.startswith("Which one did you mean?"), asked.answer
    picked = await agent.run(john, "the granitewave one", asked.conversation_id)
    assert picked.answer.startswith("**Rosa Rossi**, Procurement Manager at Granitewave"), picked.answer
    noted = await agent.run(john, "add a note: moving to annual billing", asked.conversation_id)
    assert [p.tool for p in noted.pending] == ["add_note"] and "Rosa Rossi" in noted.answer, noted.answer


async def test_a_bare_deal_name_with_its_number_is_a_look_at_that_deal(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    shown = await agent.run(mike, "silverpoint upgrade 145")
    assert shown.answer.startswith("**Silverpoint Partners - Upgrade 145**"), shown.answer


async def test_push_it_a_week_moves_the_shown_deals_close_date_by_a_week(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    shown = await agent.run(john, "globex platform upgrade")
    closing = shown.answer.split("closing ")[1][:10]
    pushed = await agent.run(john, "push it a week", shown.conversation_id)
    [proposal] = pushed.pending
    assert proposal.tool == "update_deal", pushed.answer
    assert proposal.arguments["changes"] == {"close_date": str(date.fromisoformat(closing) + timedelta(days=7))}
    named = await agent.run(john, "push the globex deal out a month")
    assert [p.tool for p in named.pending] == ["update_deal"], named.answer


async def test_more_formal_after_a_draft_redrafts_it(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    drafted = await agent.run(john, "draft an email to sarah johnson re the demo")
    formal = await agent.run(john, "more formal pls", drafted.conversation_id)
    assert "Dear Sarah Johnson" in formal.answer and "Kind regards" in formal.answer, formal.answer


async def test_a_task_of_a_teammates_list_is_handed_on_by_its_title(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    listed = await agent.run(maria, "mike's tasks")
    title = next(line[2:].split(" (")[0] for line in listed.answer.splitlines() if line.startswith("- Follow up"))
    handed = await agent.run(maria, f"give {title.lower()} to john", listed.conversation_id)
    assert [p.tool for p in handed.pending] == ["update_task"] and title in handed.answer, handed.answer


async def test_tickets_are_searched_by_the_day_they_came_in(db, clock):
    async with db.session() as s:
        with pinned(clock - timedelta(days=1)):
            await TicketService(s, SYSTEM).create({"subject": "Yesterday's export error"})
        await TicketService(s, SYSTEM).create({"subject": "Today's export error"})
        await s.commit()
        today, _ = await TicketService(s, SYSTEM).search(created_since=clock.date(), q="export error")
        both, _ = await TicketService(s, SYSTEM).search(
            created_since=clock.date() - timedelta(days=1), q="export error"
        )
    assert [t.subject for t in today] == ["Today's export error"]
    assert len(both) == 2


async def test_support_and_manager_reads_said_in_passing(demo_chat):
    agent, as_ = demo_chat
    maria, mike, noah = await as_("maria@nexa.test"), await as_("mike@nexa.test"), await as_("noah@nexa.test")
    team = await agent.run(maria, "team tasks due this week")  # "due" is no one's name
    assert team.tool_calls[-1]["name"] == "team_tasks", team.tool_calls
    boss = await agent.run(mike, "lisa chen reports to who again")
    assert boss.answer.startswith("Lisa Chen's manager (reports to): Tom Smith"), boss.answer
    company = await agent.run(noah, "what's open for globex")  # a company after "for", not a teammate
    assert company.answer.startswith("Open tickets for Globex"), company.answer


async def test_an_error_code_then_what_do_i_tell_them_is_a_help_center_question(db, demo_chat, offline):
    _, as_ = demo_chat
    async with db.session() as s:
        await ingest(s, read_paths([HELP_CENTER]), offline.classifier.embedder)
    agent = Agent(db, offline, embedder=offline.classifier.embedder)
    told = await agent.run(await as_("sam@nexa.test"), "SYNC-502 what do i tell them")
    assert "Reconnect" in told.answer and "[1]" in told.answer, told.answer


async def _contact_id(db, email: str) -> str:
    async with db.session() as s:
        return str(await s.scalar(select(Contact.id).where(Contact.email == email)))


async def test_a_persons_new_title_said_with_the_company_changes_the_one_there_and_no_the_other_one_moves_it(
    db, demo_chat
):
    agent, as_ = demo_chat
    admin = await as_("admin@nexa.test")  # may change either Rosa Rossi
    said = await agent.run(admin, "rosa rossi at granitewave is Head of Procurement now")
    [proposal] = said.pending
    assert proposal.tool == "update_contact" and proposal.arguments["changes"] == {"title": "Head of Procurement"}
    assert proposal.arguments["contact_id"] == await _contact_id(db, "rosa.rossi.103@example.test"), said.answer
    moved = await agent.run(admin, "no, the lumenpoint one", said.conversation_id)
    [proposal] = moved.pending
    assert proposal.arguments["contact_id"] == await _contact_id(db, "rosa.rossi.41@example.test"), moved.answer


async def test_not_that_one_with_another_ticket_number_moves_the_change_to_it(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    closing = await agent.run(sam, "close 1001")
    moved = await agent.run(sam, "not that one, 1002", closing.conversation_id)
    assert [(p.tool, p.arguments) for p in moved.pending] == [
        ("update_ticket", {"number": 1002, "changes": {"status": "closed"}})
    ], moved.answer


async def test_a_deal_of_the_list_is_picked_by_its_stage_and_a_field_said_with_its_value_is_set(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    listed = await agent.run(john, "my deals at northpath")
    lines = [line[2:] for line in listed.answer.splitlines() if line.startswith("- ")]
    stage = next(
        s
        for s in ("negotiation", "proposal", "qualification", "prospecting")
        if sum(f": {s}," in line for line in lines) == 1
    )
    name = next(line.split(":")[0] for line in lines if f": {stage}," in line)
    picked = await agent.run(john, f"the one in {stage} - amount 15k", listed.conversation_id)
    assert [(p.tool, p.arguments["changes"]) for p in picked.pending] == [("update_deal", {"amount": "15000"})]
    assert name in picked.answer, (name, picked.answer)
    said = await agent.run(john, f"{name} - close date may 31")
    assert [p.tool for p in said.pending] == ["update_deal"], said.answer


async def test_a_write_naming_no_record_asks_which_one_and_changes_nothing(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    asked = await agent.run(mike, "update zara fenwick's title to CTO")
    assert "Which one did you mean?" in asked.answer and not asked.pending, asked.answer
