"""Tasks and tickets named by their words: a manager changes a teammate's task named by its title or by the person it
is about (`find_tasks` returns no title, so the change is proposed in the same turn and names the task), a rep may
not, and "all the ... tickets" are handed on together. Real agent, real database, seeded demo CRM."""

from __future__ import annotations

from sqlalchemy import select

from store.models import Contact, Task, Ticket, User
from store.models.enums import RecordType, TaskStatus
from store.services.tasks import TaskService


async def _open_task_of(db, email: str) -> tuple[Task, Contact]:
    """An open task of the user that no other open task of theirs shares its contact's name with."""
    async with db.session() as s:
        user = await s.scalar(select(User).where(User.email == email))
        tasks = list(
            await s.scalars(
                select(Task).where(
                    Task.assignee_id == user.id,
                    Task.status != TaskStatus.done,
                    Task.related_type == RecordType.contact,
                )
            )
        )
        contacts = {t.id: await s.get(Contact, t.related_id) for t in tasks}
        for task in tasks:
            if sum(c.name == contacts[task.id].name for c in contacts.values()) == 1:
                return task, contacts[task.id]
    raise AssertionError(f"{email} has no open task about a contact of its own")


async def test_a_manager_closes_a_teammates_task_named_by_its_number(db, demo_chat):
    agent, as_ = demo_chat
    task, _ = await _open_task_of(db, "mike@nexa.test")
    maria = await as_("maria@nexa.test")
    result = await agent.run(maria, f"close out mike's {task.title.lower()} task, he did it yesterday")
    assert [p.tool for p in result.pending] == ["update_task"], result.answer
    assert result.pending[0].arguments["task_id"] == str(task.id) and task.title in result.answer
    await agent.run(maria, "yes", result.conversation_id)
    async with db.session() as s:
        assert (await s.get(Task, task.id)).status is TaskStatus.done


async def test_a_teammates_task_is_found_by_the_person_it_is_about(db, demo_chat):
    agent, as_ = demo_chat
    task, contact = await _open_task_of(db, "emma@nexa.test")
    priya = await as_("priya@nexa.test")
    said = f"give emma's {contact.first_name.lower()} {contact.last_name.lower()} follow up to carlos, she's swamped"
    result = await agent.run(priya, said)
    assert [p.tool for p in result.pending] == ["update_task"], result.answer
    arguments = result.pending[0].arguments
    assert (arguments["task_id"], arguments["assignee"]) == (str(task.id), "carlos")


async def test_a_rep_cannot_change_a_teammates_task(db, demo_chat):
    agent, as_ = demo_chat
    task, _ = await _open_task_of(db, "emma@nexa.test")
    john = await as_("john@nexa.test")
    result = await agent.run(john, f"mark emma's {task.title.lower()} task as done")
    assert not result.pending, result.answer


async def test_a_task_number_matches_whole(db, demo_chat):
    _, as_ = demo_chat
    async with db.session() as s:
        mike = await as_("mike@nexa.test")
        found = await TaskService(s, mike).described(["follow", "1"])
    assert all(t.title.split("#")[-1] == "1" for t, _ in found)


async def test_all_the_tickets_a_description_names_are_handed_on_together(db, demo_chat):
    agent, as_ = demo_chat
    noah = await as_("noah@nexa.test")
    result = await agent.run(noah, "assign all the globex calendar sync tickets to me")
    async with db.session() as s:
        tickets = list(
            await s.scalars(select(Ticket).where(Ticket.subject.ilike("%calendar sync%"), Ticket.status == "open"))
        )
    assert len(result.pending) >= 2 and {p.tool for p in result.pending} == {"assign_ticket"}, result.answer
    assert {p.arguments["number"] for p in result.pending} <= {t.number for t in tickets}
    await agent.run(noah, "yes", result.conversation_id)
    async with db.session() as s:
        numbers = [p.arguments["number"] for p in result.pending]
        owners = {t.assignee_id for t in await s.scalars(select(Ticket).where(Ticket.number.in_(numbers)))}
    assert owners == {noah.user_id}


async def test_a_tasks_priority_is_changed_by_its_words(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    async with db.session() as s:
        task = await TaskService(s, john).create({"title": "Prepare the security review"})
        await s.commit()
    result = await agent.run(john, "make my security review task urgent")
    assert [p.tool for p in result.pending] == ["update_task"], result.answer
    assert (
        result.pending[0].arguments["task_id"] == str(task.id) and result.pending[0].arguments["priority"] == "urgent"
    )
    assert "Prepare the security review" in result.answer
