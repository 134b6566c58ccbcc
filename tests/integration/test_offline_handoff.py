"""Handing a deal or a task to a teammate through the offline model: "give the acme enterprise deal to mike" proposes
`reassign_deal` on that deal, "give my board deck task to mike" proposes `update_task` with the new assignee (a
teammate's task is not changed from the chat: reading its title proposes no write); a rep cannot give work to someone
else. A support agent reads a teammate's queue. Real agent, real database, seeded demo CRM."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assistant.offline.handoff import handoff
from store.errors import PermissionDenied
from store.models import Deal, Task, Ticket, User
from store.services import TaskService


def test_a_handoff_names_the_kind_the_words_and_the_new_owner():
    deal = handoff("give emma's falconpath upgrade 60 deal to carlos, he knows the account")
    assert deal is not None and (deal.kind, deal.words, deal.to, deal.owner) == (
        "deal",
        "falconpath upgrade 60 deal",
        "carlos",
        "emma",
    )
    task = handoff("reassign emma's follow up #28 to carlos, she's swamped")
    assert task is not None and (task.kind, task.words, task.to) == ("task", "follow up #28", "carlos")
    owner = handoff("make mike the owner of the acme deal")
    assert owner is not None and (owner.kind, owner.to) == ("deal", "mike")
    for not_a_handoff in (
        "move the acme deal to negotiation",
        "push the globex deal to end of july",
        "assign 1002 to sam",
        "give tom a call",
        "reassign all of john's deals to mike",
        "give john a task to refresh the forecast by friday",
    ):
        assert handoff(not_a_handoff) is None, not_a_handoff


async def _user(db, email: str) -> User:
    async with db.session() as s:
        user = await s.scalar(select(User).where(User.email == email))
        assert user is not None
        return user


async def test_a_manager_gives_a_deal_to_a_teammate(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    first = await agent.run(maria, "reassign the acme enterprise deal to mike, john's out on leave for a month")
    assert first.pending and first.pending[0].tool == "reassign_deal", first.answer
    assert first.pending[0].arguments["owner"] == "mike"
    await agent.run(maria, "yes", first.conversation_id)
    mike = await _user(db, "mike@nexa.test")
    async with db.session() as s:
        deal = await s.scalar(select(Deal).where(Deal.deal_name == "Acme Corp - Enterprise Plan"))
        assert deal is not None and deal.owner_id == mike.id


async def test_a_rep_cannot_give_a_deal_away(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    result = await agent.run(john, "give the globex platform upgrade deal to mike")
    assert not result.pending, result.answer
    john_user = await _user(db, "john@nexa.test")
    async with db.session() as s:
        deal = await s.scalar(select(Deal).where(Deal.deal_name == "Globex - Platform Upgrade"))
        assert deal is not None and deal.owner_id == john_user.id


async def test_a_manager_hands_their_task_and_a_teammates_on(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    async with db.session() as s:
        await TaskService(s, maria).create({"title": "Prepare the board deck"})
        await s.commit()
    first = await agent.run(maria, "give my board deck task to mike")
    assert first.pending and first.pending[0].tool == "update_task", first.answer
    assert first.pending[0].arguments["assignee"] == "mike"
    await agent.run(maria, "yes", first.conversation_id)
    mike = await _user(db, "mike@nexa.test")
    async with db.session() as s:
        task = await s.scalar(select(Task).where(Task.title == "Prepare the board deck"))
        assert task is not None and task.assignee_id == mike.id
    priya = await as_("priya@nexa.test")
    theirs = await agent.run(priya, "reassign emma's follow up #28 to carlos, she's swamped")
    assert [p.tool for p in theirs.pending] == ["update_task"], theirs.answer  # found by find_tasks: no title read
    assert "Follow up #28" in theirs.answer and theirs.pending[0].arguments["assignee"] == "carlos"


async def test_a_rep_cannot_hand_their_task_to_someone_else(db, demo_chat):
    _, as_ = demo_chat
    john = await as_("john@nexa.test")
    mike = await _user(db, "mike@nexa.test")
    async with db.session() as s:
        task = await s.scalar(select(Task).where(Task.assignee_id == john.user_id).limit(1))
        assert task is not None
        with pytest.raises(PermissionDenied):
            await TaskService(s, john).update(task.id, {"assignee_id": mike.id})


async def test_a_support_agent_sees_a_teammates_queue(db, demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    sam = await _user(db, "sam@nexa.test")
    async with db.session() as s:
        theirs = set(
            await s.scalars(
                select(Ticket.number).where(Ticket.assignee_id == sam.id, Ticket.status.in_(("open", "pending")))
            )
        )
        others = set(await s.scalars(select(Ticket.number).where(Ticket.assignee_id != sam.id)))
    assert theirs and others
    result = await agent.run(noah, "whats sam working on")
    assert "Sam" in result.answer and not result.pending, result.answer
    shown = {int(n) for n in re.findall(r"#(\d+)", result.answer)}
    assert shown and shown <= theirs, result.answer
    assert not shown & others, result.answer
    nobody = await agent.run(noah, "whats zed working on")
    assert "zed" in nobody.answer.lower() and not re.findall(r"#\d+", nobody.answer), nobody.answer


async def test_a_ticket_described_by_its_words_is_changed_and_an_unclear_one_asked_back(db, demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    async with db.session() as s:
        legal = await s.scalar(select(Ticket.number).where(Ticket.subject == "Calendar sync fails for the Legal team"))
    result = await agent.run(noah, "bump the calendar sync ticket for the legal team to urgent, their GC is furious")
    assert result.pending and result.pending[0].arguments == {"number": legal, "changes": {"priority": "urgent"}}, (
        result.answer
    )
    several = await agent.run(noah, "escalate the calendar sync ticket")
    assert not several.pending and "Which one" in several.answer and "Calendar sync fails" in several.answer, (
        several.answer
    )
