"""Offline model, round 14 (issue #14): two changes in one message are proposed together (one "yes" approves both),
each on the record its part names or, for a part that names none, on the record the part before it changes; a part
that cannot be planned alone leaves the message whole. A person of a shared name is told apart by the company or title
the message says. Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations

from sqlalchemy import select

from store.models import Contact, Deal, Ticket


async def _id(db, model, **where) -> str:
    async with db.session() as session:
        return str((await session.scalars(select(model.id).filter_by(**where))).one())


async def test_two_tickets_closed_in_one_message_are_both_proposed_and_one_yes_closes_both(db, demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    asked = await agent.run(sam, "close 1001 and 1002")
    assert [(p.tool, p.arguments) for p in asked.pending] == [
        ("update_ticket", {"number": 1001, "changes": {"status": "closed"}}),
        ("update_ticket", {"number": 1002, "changes": {"status": "closed"}}),
    ], asked.answer
    await agent.run(sam, "yes", asked.conversation_id)
    async with db.session() as session:
        closed = await session.scalars(select(Ticket.status).where(Ticket.number.in_([1001, 1002])))
        assert {str(s) for s in closed} == {"closed"}


async def test_two_deals_changed_in_one_message_each_on_the_deal_its_part_names(db, demo_chat):
    agent, as_ = demo_chat
    admin = await as_("admin@nexa.test")
    asked = await agent.run(admin, "novaline expansion 188 won, and move novaline upgrade 190 to qualification")
    assert [(p.tool, p.arguments["deal_id"], p.arguments["stage"]) for p in asked.pending] == [
        ("move_deal_stage", await _id(db, Deal, deal_name="Novaline Systems - Expansion 188"), "closed_won"),
        ("move_deal_stage", await _id(db, Deal, deal_name="Novaline Systems - Upgrade 190"), "qualification"),
    ], asked.answer


async def test_a_part_naming_no_record_is_about_the_one_the_part_before_changes(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")  # sees one Ines Silva
    asked = await agent.run(john, "set ines silva's phone to +1 415 555 0150 and log a call: she's out till monday")
    ines = await _id(db, Contact, email="ines.silva.52@example.test")
    assert [(p.tool, p.arguments["contact_id"]) for p in asked.pending] == [
        ("update_contact", ines),
        ("log_call", ines),
    ], asked.answer


async def test_a_part_that_cannot_be_planned_alone_leaves_the_message_whole(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    shown = await agent.run(mike, "silverpoint upgrade 145")
    asked = await agent.run(mike, "it slipped - push to march 31 and drop to 100k", shown.conversation_id)
    [proposal] = asked.pending  # "drop to 100k" names nothing: never a help-center search that withholds the writes
    assert proposal.tool == "update_deal" and proposal.arguments["changes"]["amount"] == "100000", asked.answer


async def test_a_shared_name_is_told_apart_by_the_company_or_title_said(db, demo_chat):
    agent, as_ = demo_chat
    admin = await as_("admin@nexa.test")
    called = await agent.run(admin, "rosa rossi from granitewave called, wants a demo. log it pls")
    [proposal] = called.pending
    assert proposal.tool == "log_call", called.answer
    assert proposal.arguments["contact_id"] == await _id(db, Contact, email="rosa.rossi.103@example.test")
    titled = await agent.run(admin, "set tara ueda's title to IT Director - the cedarline one")
    [proposal] = titled.pending  # "director" is the new title, not the other Tara Ueda's "Director of Finance"
    assert proposal.arguments["contact_id"] == await _id(db, Contact, email="tara.ueda.29@example.test"), titled.answer


async def test_bump_to_an_amount_changes_the_deal_and_creates_none(db, demo_chat):
    agent, as_ = demo_chat
    admin = await as_("admin@nexa.test")
    asked = await agent.run(admin, "bump crestlogic renewal 62 to 5k")
    assert [p.tool for p in asked.pending] in ([], ["update_deal"]), asked.answer
    assert "create_deal" not in {c["name"] for c in asked.tool_calls}


