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
