"""Offline model, round 11 (issue #14): a rep reads a teammate's deals (reps read their team's records), a company
named with its legal suffix and a question after a dash is that company, not a deal named by the question.
Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations


async def test_a_rep_reads_a_teammates_deals_closing_this_month(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    covering = await agent.run(mike, "what's john got closing between now and end of month? covering for him thurs")
    assert covering.answer.startswith("John's deals"), covering.answer
    assert any(c["name"] == "search_deals" and c["arguments"].get("owner") == "john" for c in covering.tool_calls)


async def test_a_company_with_its_suffix_before_a_dashed_question_is_the_company(demo_chat):
    agent, as_ = demo_chat
    mike = await as_("mike@nexa.test")
    shown = await agent.run(mike, "northworks inc - how many ppl do they have and which accounts roll up under them")
    assert "Subsidiaries: Cedarforge Holdings 18, Vertexlabs Systems 19" in shown.answer, shown.answer
    assert not shown.pending


async def test_the_score_of_a_lead_converted_since_is_read_through_its_contact(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    scored = await agent.run(john, "sarah johnson lead score + why is it that high")
    assert scored.answer.startswith("Sarah Johnson scores"), scored.answer
    assert any(c["name"] == "explain_score" for c in scored.tool_calls) and not scored.pending
    never = await agent.run(john, "why is tom smith scored like that")
    assert "never a lead" in never.answer and not any(c["name"] == "explain_score" for c in never.tool_calls)


async def test_a_teammates_task_is_handed_on_by_its_title_and_the_owner_named_before(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    handed = await agent.run(maria, "john's going on leave, assign his follow up #15 task to mike")
    assert [p.tool for p in handed.pending] == ["update_task"], handed.answer
    assert handed.pending[0].arguments["assignee"] == "mike" and "Follow up #15" in handed.answer, handed.answer
    found = next(c for c in handed.tool_calls if c["name"] == "find_tasks")
    assert found["arguments"].get("person") == "john", found


async def test_unassigned_and_oldest_tickets_are_asked_of_the_ticket_tool(db, demo_chat):
    from sqlalchemy import select

    from store.models import Ticket

    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    pile = await agent.run(sam, "morning - whats sitting unassigned in the queue?")
    call = next(c for c in pile.tool_calls if c["name"] == "search_tickets")
    assert call["arguments"].get("unassigned") is True, call
    async with db.session() as s:
        unassigned = set(
            (await s.scalars(select(Ticket.number).where(Ticket.assignee_id.is_(None), Ticket.status == "open"))).all()
        )
        mine = list(
            (
                await s.scalars(
                    select(Ticket.number)
                    .where(Ticket.assignee_id == sam.user_id, Ticket.status.in_(["open", "pending"]))
                    .order_by(Ticket.created_at)
                )
            ).all()
        )
    listed = {int(line.split()[1][1:]) for line in pile.answer.splitlines() if line.startswith("- #")}
    assert listed and listed <= unassigned, pile.answer
    oldest = await agent.run(sam, "what's the oldest open one in my queue")
    first = next(line for line in oldest.answer.splitlines() if line.startswith("- #"))
    assert mine and first.startswith(f"- #{mine[0]} "), oldest.answer


async def test_a_staff_question_of_what_to_check_goes_to_the_help_center_not_a_record(demo_chat):
    agent, as_ = demo_chat
    sam = await as_("sam@nexa.test")
    asked = await agent.run(
        sam, "got a ticket from a customer whose Okta login broke after the SSO change - what do I check?"
    )
    assert asked.tool_calls[0]["name"] == "kb_search" and not asked.pending, asked.tool_calls  # asked first


async def test_yes_to_a_question_for_a_value_is_no_value(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "open a ticket for sarah johnson, high prio")
    assert not asked.pending and "subject" in asked.answer, asked.answer
    again = await agent.run(john, "yes", asked.conversation_id)
    assert not again.pending and "subject" in again.answer, again.answer


async def test_two_changes_said_in_one_message_are_proposed_together(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    moved = await agent.run(john, "acme enterprise plan is in proposal now, and push the close to sept 30")
    assert [p.tool for p in moved.pending] == ["move_deal_stage", "update_deal"], moved.answer
    assert moved.pending[1].arguments["changes"] == {"close_date": "2026-09-30"}
    task = await agent.run(john, "make the lisa chen specs task high priority and move it to monday")
    assert [p.tool for p in task.pending] == ["update_task"], task.answer
    assert task.pending[0].arguments["priority"] == "high" and task.pending[0].arguments["due_date"], task.pending


async def test_a_call_on_a_past_day_and_a_teammates_queue_and_a_reply_that_changes_nothing(demo_chat):
    agent, as_ = demo_chat
    john, noah, sam = await as_("john@nexa.test"), await as_("noah@nexa.test"), await as_("sam@nexa.test")
    called = await agent.run(
        john, "oh forgot - i called sarah johnson yesterday, she wants the pricing sheet. can u log it"
    )
    assert [p.tool for p in called.pending] == ["log_call"], called.answer
    assert called.pending[0].arguments["called_on"] and "can u" not in called.pending[0].arguments["notes"]
    queue = await agent.run(noah, "show me sams open tickets")
    assert queue.answer.startswith("Open tickets assigned to Sam"), queue.answer
    reply = await agent.run(sam, "draft a reply for 1001 pls, she's been waiting since this morning")
    assert not reply.pending and any(c["name"] == "get_ticket" for c in reply.tool_calls), reply.answer


async def test_across_my_team_is_the_teams_deals(demo_chat):
    agent, as_ = demo_chat
    priya = await as_("priya@nexa.test")
    biggest = await agent.run(priya, "biggest deals in proposal across my team")
    call = next(c for c in biggest.tool_calls if c["name"] == "search_deals")
    assert call["arguments"]["mine"] is False and biggest.answer.startswith("Team deals in proposal"), biggest.answer


async def test_log_call_takes_the_past_day_it_took_place_and_refuses_a_future_one(db, demo_chat, clock):
    from datetime import timedelta

    import pytest
    from sqlalchemy import select

    from store.errors import InvalidInput
    from store.models import Call, Contact
    from store.settings import Settings
    from tools import TOOLSET, ToolContext

    _, as_ = demo_chat
    john = await as_("john@nexa.test")
    async with db.session() as s:
        contact = await s.scalar(select(Contact).where(Contact.email == "sarah.johnson@acme.test"))
        assert contact is not None
        ctx = ToolContext(session=s, actor=john, settings=Settings())
        day = clock.date() - timedelta(days=3)
        logged = await TOOLSET.tools["log_call"].run(ctx, {"contact_id": str(contact.id), "called_on": day.isoformat()})
        call = await s.get(Call, logged.data["id"])
        assert call is not None and call.call_at.date() == day
        with pytest.raises(InvalidInput):
            await TOOLSET.tools["log_call"].run(
                ctx, {"contact_id": str(contact.id), "called_on": (clock.date() + timedelta(days=1)).isoformat()}
            )
        await s.rollback()


async def test_several_tickets_handed_to_one_person_by_their_numbers(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    handed = await agent.run(noah, "1059 and 1041 both to sam pls, im out monday")
    assert [(p.tool, p.arguments["number"]) for p in handed.pending] == [
        ("assign_ticket", 1059),
        ("assign_ticket", 1041),
    ], handed.answer


async def test_a_ticket_looked_at_is_the_one_given_to_a_teammate(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    shown = await agent.run(noah, "1008")
    assert shown.answer.startswith("**Ticket #1008**") and not shown.pending, shown.answer
    given = await agent.run(noah, "give it to sam", shown.conversation_id)
    assert [(p.tool, p.arguments["number"], p.arguments["assignee"]) for p in given.pending] == [
        ("assign_ticket", 1008, "sam")
    ], given.answer


async def test_what_is_still_open_for_a_support_agent_is_tickets(demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    asked = await agent.run(noah, "anything from lumenpoint still open?")
    call = next(c for c in asked.tool_calls if c["name"] == "search_tickets")
    assert call["arguments"]["account_id"] and asked.answer.startswith("Open tickets for Lumenpoint"), asked.answer
