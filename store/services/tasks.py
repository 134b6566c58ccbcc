"""Tasks: to-dos for users, optionally about a record."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from store.access import CallerRole, require
from store.clock import utcnow
from store.errors import InvalidInput, PermissionDenied
from store.models import Account, Contact, Deal, Lead, Task, User
from store.models.enums import ActivityType, RecordType, TaskStatus
from store.schemas import TaskCreate, TaskUpdate, parse
from store.services.base import Service
from store.services.people import PeopleService
from store.services.timeline import record_activity


class TaskService(Service):
    """Create, update, complete and list tasks."""

    async def create(self, data: TaskCreate | dict[str, Any]) -> Task:
        values = parse(TaskCreate, data)
        require(self.actor, "tasks", "write")
        assignee = values.assignee_id or self.actor.user_id
        await self.ensure_user(values.assignee_id, "assignee_id")
        if assignee != self.actor.user_id:
            await self._may_assign(assignee)
        if values.related_id is not None and values.related_type is None:
            raise InvalidInput("related_type", "say what kind of record related_id is")
        if values.related_type is not None:
            await self.referenced(values.related_type, values.related_id, field="related_id")
        task = Task(
            **values.model_dump(exclude={"assignee_id"}), assignee_id=assignee, created_by_id=self.actor.user_id
        )
        self.session.add(task)
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.task,
            action="created",
            subject=f"Task: {task.title}" + (f" (due {task.due_date})" if task.due_date else ""),
            on=[(RecordType.task, task.id), (task.related_type, task.related_id)]
            if task.related_type
            else [(RecordType.task, task.id)],
        )
        return task

    async def update(self, task_id: uuid.UUID | str, data: TaskUpdate | dict[str, Any]) -> Task:
        changes = parse(TaskUpdate, data).model_dump(exclude_unset=True)
        require(self.actor, "tasks", "write")
        task = await self.load(Task, task_id, field="task_id", lock=True)
        await self._may_assign(task.assignee_id)
        if "assignee_id" in changes:  # handing it on: the new assignee must be someone the caller manages too
            await self._may_assign(changes["assignee_id"])
        if changes.get("status") is TaskStatus.done and task.status is not TaskStatus.done:
            task.completed_at = utcnow()
        diff = self.apply(task, changes)
        await self.flush()
        if diff:
            await record_activity(
                self.session,
                self.actor,
                type=ActivityType.task,
                action="completed" if task.status is TaskStatus.done else "updated",
                subject=f"Task {task.title}: {', '.join(diff)}",
                on=[(RecordType.task, task.id)] + ([(task.related_type, task.related_id)] if task.related_type else []),
            )
        return task

    async def get(self, task_id: uuid.UUID | str) -> Task:
        """A task the caller may see: their own, their team's (managers), any (admins)."""
        require(self.actor, "tasks", "read")
        task = await self.load(Task, task_id, field="task_id")
        await self._may_assign(task.assignee_id)
        return task

    async def search(
        self,
        *,
        assignee_id: uuid.UUID | None = None,
        status: TaskStatus | None = None,
        related_type: RecordType | None = None,
        related_id: uuid.UUID | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[Task], int]:
        """Tasks of one assignee (the caller by default), by status and related record."""
        require(self.actor, "tasks", "read")
        assignee = assignee_id or self.actor.user_id
        await self._may_assign(assignee)
        stmt = select(Task).where(Task.assignee_id == assignee)
        if status:
            stmt = stmt.where(Task.status == status)
        if related_type:
            stmt = stmt.where(Task.related_type == related_type)
        if related_id:
            stmt = stmt.where(Task.related_id == related_id)
        return await self.page(stmt, Task.due_date.asc().nulls_last(), Task.created_at, limit=limit, offset=offset)

    async def delete(self, task_id: uuid.UUID | str) -> None:
        """Delete a task the caller manages (its timeline entries stay as history)."""
        require(self.actor, "tasks", "write")
        task = await self.load(Task, task_id, field="task_id", lock=True)
        await self._may_assign(task.assignee_id)
        await self.session.delete(task)
        await self.flush()

    async def for_user(
        self, user_id: uuid.UUID, *, due_before: date | None = None, include_done: bool = False
    ) -> list[Task]:
        """A user's tasks, soonest due first (undated last)."""
        require(self.actor, "tasks", "read")
        stmt = select(Task).where(Task.assignee_id == user_id)
        if not include_done:
            stmt = stmt.where(Task.status != TaskStatus.done)
        if due_before:
            stmt = stmt.where(Task.due_date <= due_before)
        return list(await self.session.scalars(stmt.order_by(Task.due_date.asc().nulls_last(), Task.created_at)))

    async def of_teammate(self, who: str, *, due_before: date | None = None) -> tuple[User, list[Task]]:
        """The open tasks of a teammate named by email, full or first name: a manager's team, or anyone for admins."""
        require(self.actor, "tasks", "read")
        user = await PeopleService(self.session, self.actor).teammate(who)
        return user, await self.for_user(user.id, due_before=due_before)

    async def described(
        self, words: list[str], *, assignee_id: uuid.UUID | None = None, team: bool = False, limit: int = 5
    ) -> list[tuple[Task, str | None]]:
        """The open tasks of one assignee (the caller by default; a teammate's as `search` allows), or with `team` of
        the caller's team (a manager's; everyone's for admins), that every word describes, each word starting a word of
        the title or of the name of the record the task is about ("mike's follow up #16", "the chloe petrov follow up";
        a number must be whole), soonest due first, with that name."""
        require(self.actor, "tasks", "read")
        assignee = assignee_id or self.actor.user_id
        await self._may_assign(assignee)
        if team and not (self.actor.sees_everything or self.actor.role is CallerRole.manager):
            raise PermissionDenied("team", "only managers (for their team) and admins see other people's tasks")
        about = func.coalesce(
            select(func.concat(Contact.first_name, " ", Contact.last_name))
            .where(Task.related_type == RecordType.contact, Contact.id == Task.related_id)
            .scalar_subquery(),
            select(func.concat(Lead.first_name, " ", Lead.last_name, " ", Lead.company))
            .where(Task.related_type == RecordType.lead, Lead.id == Task.related_id)
            .scalar_subquery(),
            select(Account.account_name)
            .where(Task.related_type == RecordType.account, Account.id == Task.related_id)
            .scalar_subquery(),
            select(Deal.deal_name)
            .where(Task.related_type == RecordType.deal, Deal.id == Task.related_id)
            .scalar_subquery(),
        )
        stmt = select(Task, about).where(Task.status != TaskStatus.done)
        if not team:
            stmt = stmt.where(Task.assignee_id == assignee)
        elif not self.actor.sees_everything:
            members = select(User.id).where(User.team == self.actor.team if self.actor.team else User.id == assignee)
            stmt = stmt.where(Task.assignee_id.in_(members))
        for word in words:
            stmt = stmt.where(_starts_a_word(Task.title, word) | _starts_a_word(about, word))
        rows = await self.session.execute(stmt.order_by(Task.due_date.asc().nulls_last(), Task.created_at).limit(limit))
        return [(task, name) for task, name in rows]

    async def of_team(self, *, due_before: date | None = None, limit: int = 50) -> list[tuple[Task, str]]:
        """The open tasks of the caller's team (a manager's; everyone's for admins) with their assignee's name, soonest due first."""
        require(self.actor, "tasks", "read")
        if not (self.actor.sees_everything or self.actor.role is CallerRole.manager):
            raise PermissionDenied("person", "only managers (for their team) and admins see other people's tasks")
        stmt = select(Task, User.name).join(User, User.id == Task.assignee_id).where(Task.status != TaskStatus.done)
        if not self.actor.sees_everything:
            stmt = (
                stmt.where(User.team == self.actor.team)
                if self.actor.team
                else stmt.where(User.id == self.actor.user_id)
            )
        if due_before:
            stmt = stmt.where(Task.due_date <= due_before)
        rows = await self.session.execute(stmt.order_by(Task.due_date.asc().nulls_last(), Task.created_at).limit(limit))
        return [(task, name) for task, name in rows]

    async def board(
        self, *, team: bool = False, done_days: int = 14, per_column: int = 100
    ) -> dict[str, dict[str, Any]]:
        """The caller's tasks by status, or with `team` a manager's team's (an admin's: everyone's); done tasks only when
        completed in the last `done_days`. Each status: its `total` and at most `per_column` `cards`, soonest due first."""
        require(self.actor, "tasks", "read")
        if team and not (self.actor.sees_everything or self.actor.role is CallerRole.manager):
            raise PermissionDenied("scope", "only managers (for their team) and admins see other people's tasks")
        if not team:
            whose = Task.assignee_id == self.actor.user_id
        elif self.actor.sees_everything:
            whose = Task.assignee_id.is_not(None)
        else:
            whose = (
                Task.assignee_id.in_(select(User.id).where(User.team == self.actor.team))
                if self.actor.team
                else Task.assignee_id == self.actor.user_id
            )
        since = utcnow() - timedelta(days=done_days)
        ranked = (
            select(
                Task.id,
                Task.title,
                Task.status,
                Task.priority,
                Task.due_date,
                Task.related_type,
                Task.assignee_id,
                func.row_number()
                .over(partition_by=Task.status, order_by=(Task.due_date.asc().nulls_last(), Task.created_at))
                .label("rank"),
                func.count().over(partition_by=Task.status).label("total"),
            )
            .where(whose, (Task.status != TaskStatus.done) | (Task.completed_at >= since))
            .subquery()
        )
        stmt = (
            select(ranked, User.name)
            .outerjoin(User, User.id == ranked.c.assignee_id)
            .where(ranked.c.rank <= per_column)
            .order_by(ranked.c.rank)
        )
        columns: dict[str, dict[str, Any]] = {status.value: {"total": 0, "cards": []} for status in TaskStatus}
        for row in (await self.session.execute(stmt)).mappings():
            column = columns[row["status"]]
            column["total"] = row["total"]
            column["cards"].append(
                {
                    "id": str(row["id"]),
                    "title": row["title"],
                    "status": row["status"],
                    "priority": row["priority"],
                    "due_date": row["due_date"],
                    "related_type": row["related_type"],
                    "assignee": row["name"],
                    "assignee_id": str(row["assignee_id"]) if row["assignee_id"] else None,
                }
            )
        return columns

    async def _may_assign(self, assignee: uuid.UUID | None) -> None:
        if assignee in (None, self.actor.user_id) or self.actor.sees_everything:
            return
        if self.actor.role is CallerRole.manager and await self.team_of(assignee) == self.actor.team:
            return
        raise PermissionDenied("assignee_id", "only managers (for their team) and admins manage other people's tasks")


def _starts_a_word(column: ColumnElement[str | None] | InstrumentedAttribute[str], word: str) -> ColumnElement[bool]:
    """`column` has a word starting with `word` (letters, digits and dashes only; a number must be the whole word)."""
    clean = re.sub(r"[^\w-]", "", word.lower())
    return column.op("~*", is_comparison=True)(r"\m" + clean + (r"\M" if clean.isdigit() else ""))
