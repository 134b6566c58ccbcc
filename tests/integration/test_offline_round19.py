"""Offline model, round 19 (issue #14): a deal's new closing day said as news is changed; "no wait, the expansion
one" means that company's expansion deal; a listed ticket pointed at by its status; "show me A and B" shows both, and
"move it" then asks which; never a write on a guess: a named deal's change is no new deal, a manager's task "for
him" asks who, a creation is named by "call it ...", a call's summary told after it is its summary. Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations

from sqlalchemy import select

from store.models import Call, Deal, Ticket
from tests.support.offline import record_id


async def test_a_closing_day_said_as_news_changes_the_deal(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "globex platform upgrade isnt closing on the 14th, its jan 31 now")
    deal = await record_id(db, Deal, deal_name="Globex - Platform Upgrade")
    assert [(p.tool, p.arguments["deal_id"], p.arguments["changes"]["close_date"][5:]) for p in asked.pending] == [
        ("update_deal", deal, "01-31")
    ], asked.answer


async def test_a_correction_naming_a_kind_means_that_deal_of_the_same_company(db, demo_chat):
    agent, as_ = demo_chat
    carlos = await as_("carlos@nexa.test")
    asked = await agent.run(carlos, "orbitpath renewal 32 -> negotiation")
    corrected = await agent.run(carlos, "no wait, the expansion one", asked.conversation_id)
    deal = await record_id(db, Deal, deal_name="Orbitpath Holdings - Expansion 168")
    assert [(p.tool, p.arguments["deal_id"]) for p in corrected.pending] == [("move_deal_stage", deal)], (
        corrected.answer
    )


async def test_a_listed_ticket_pointed_at_by_its_status_is_asked_then_changed(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    listed = await agent.run(sam, "lumenpoint tickets?")
    assert "#1025" in listed.answer and "#1065" in listed.answer, listed.answer
    asked = await agent.run(sam, "the pending one - set it back to open", listed.conversation_id)
    assert not asked.pending and "#1025" in asked.answer and "#1065" in asked.answer, asked.answer
    chosen = await agent.run(sam, "1025", asked.conversation_id)
    assert [(p.tool, p.arguments) for p in chosen.pending] == [
        ("update_ticket", {"number": 1025, "changes": {"status": "open"}})
    ], chosen.answer


async def test_two_records_shown_at_once_are_asked_about_before_a_change(db, demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    shown = await agent.run(mike, "show me summitgate expansion 58 and falconpath expansion 48")
    assert "Summitgate Inc - Expansion 58" in shown.answer and "Falconpath Co - Expansion 48" in shown.answer
    asked = await agent.run(mike, "move it to negotiation", shown.conversation_id)
    assert not asked.pending and asked.answer.startswith("Which one"), asked.answer
    chosen = await agent.run(mike, "the falconpath one", asked.conversation_id)
    deal = await record_id(db, Deal, deal_name="Falconpath Co - Expansion 48")
    assert [(p.tool, p.arguments["deal_id"]) for p in chosen.pending] == [("move_deal_stage", deal)], chosen.answer


async def test_a_named_deals_new_values_change_it_and_make_no_deal(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "cedarline pilot 134: 40k and close 7/15")
    deal = await record_id(db, Deal, deal_name="Cedarline Co - Pilot 134")
    assert [(p.tool, p.arguments["deal_id"]) for p in asked.pending] == [("update_deal", deal)], asked.answer


async def test_a_managers_task_for_him_with_no_one_in_focus_asks_who(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    asked = await agent.run(maria, "create a task for him to update the forecast by monday")
    assert not asked.pending and "Who is the task for" in asked.answer, asked.answer
    told = await agent.run(maria, "mike", asked.conversation_id)
    assert [(p.tool, p.arguments["assignee"], p.arguments["title"]) for p in told.pending] == [
        ("create_task", "mike", "Update the forecast")
    ], told.answer


async def test_a_proposed_deal_is_named_by_call_it(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    asked = await agent.run(mike, "create a deal for acme usa, 90k, closing june 30")
    named = await agent.run(mike, "call it Acme USA - Fleet Expansion", asked.conversation_id)
    assert [(p.tool, p.arguments["deal_name"]) for p in named.pending] == [
        ("create_deal", "Acme USA - Fleet Expansion")
    ], named.answer


async def test_what_she_asked_after_a_proposed_call_is_its_summary_not_a_ticket(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "log a call with sarah connor")
    told = await agent.run(john, "she asked about calendar sync for all teams", asked.conversation_id)
    assert [(p.tool, p.arguments.get("notes")) for p in told.pending] == [
        ("log_call", "she asked about calendar sync for all teams")
    ], told.answer
    await agent.run(john, "yes", told.conversation_id)
    async with db.session() as session:
        assert await session.scalar(select(Call.notes).where(Call.notes.contains("calendar sync"))) is not None
        assert await session.scalar(select(Ticket).where(Ticket.subject.ilike("%all teams%"))) is None


async def test_a_value_alone_after_a_proposed_task_is_its_due_date(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "create a task to review the globex proposal")
    dated = await agent.run(john, "due next friday", asked.conversation_id)
    assert [(p.tool, p.arguments["title"], bool(p.arguments.get("due_date"))) for p in dated.pending] == [
        ("create_task", "Review the globex proposal", True)
    ], dated.answer


async def test_the_requesters_other_tickets_follow_a_ticket_looked_at(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    shown = await agent.run(sam, "1038")
    others = await agent.run(sam, "what else have they opened", shown.conversation_id)
    assert others.answer.startswith("All tickets from Rosa Rossi") and "#1025" in others.answer, others.answer


async def test_a_call_had_with_someone_is_proposed_with_its_summary(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "had a 20 min call w sarah connor - budget frozen till april")
    assert [(p.tool, p.arguments.get("notes")) for p in asked.pending] == [("log_call", "budget frozen till april")], (
        asked.answer
    )
