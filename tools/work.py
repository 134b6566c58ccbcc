"""Productivity tools: tasks, calls, meetings and notes."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import Field

from store.errors import InvalidInput
from store.models import Task
from store.models.enums import CallDirection, CallOutcome, Priority, TaskStatus
from store.schemas import Day, Instant
from store.serialize import plain, ref
from store.services import EngagementService, TaskService
from store.services.people import PeopleService
from tools.context import ToolContext
from tools.periods import Period, period_range
from tools.registry import ToolResult, tool

Related = Literal["lead", "contact", "account", "deal", "ticket"]
_NOT_DESCRIPTIVE = frozenset(
    "the a an my our their his her its this that task tasks to-do todo one for of about with".split()
)
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]  # a meeting's length; a day at most


@tool(area="tasks")
async def my_tasks(
    ctx: ToolContext, period: Period | None = None, include_done: bool = False, within_days: int | None = None
) -> ToolResult:
    """The user's open tasks, soonest due first, optionally only those due by the end of a period.

    Args:
        period: only tasks due by the end of this period (overdue: due before today)
        include_done: include completed tasks
        within_days: only tasks due within this many days from today (overdue ones included)
    """
    due_before = period_range(period, ctx.now.date())[1] if period else None
    if within_days is not None:
        due_before = ctx.now.date() + timedelta(days=max(0, min(within_days, 3660)))
    tasks = await TaskService(ctx.session, ctx.actor).for_user(
        ctx.actor.user_id,  # type: ignore[arg-type]
        due_before=due_before,
        include_done=include_done,
    )
    return ToolResult(
        data={
            "period": period,
            "tasks": [
                {
                    "id": str(t.id),
                    "title": t.title,
                    "status": t.status.value,
                    "due_date": plain(t.due_date),
                    "priority": t.priority.value,
                }
                for t in tasks
            ],
        },
        refs=[ref(t) for t in tasks],  # "give it to emma" after the list: the tasks it showed
    )


@tool(area="tasks", untrusted=("title",))  # a teammate's task titles are other people's text
async def team_tasks(ctx: ToolContext, person: str | None = None, period: Period | None = None) -> ToolResult:
    """A teammate's open tasks, or the whole team's with their assignees (managers: their team; admins: anyone), e.g.
    "what is Mike behind on?" or "overdue tasks on my team" with period overdue.

    Args:
        person: the teammate's email, full name or first name; none for the whole team
        period: only tasks due by the end of this period (overdue: due before today)
    """
    due_before = period_range(period, ctx.now.date())[1] if period else None
    service = TaskService(ctx.session, ctx.actor)
    if person is None:
        team = await service.of_team(due_before=due_before)
        return ToolResult(
            data={
                "person": None,
                "period": period,
                "tasks": [
                    {
                        "id": str(t.id),
                        "title": t.title,
                        "status": t.status.value,
                        "due_date": plain(t.due_date),
                        "priority": t.priority.value,
                        "assignee": name,
                    }
                    for t, name in team
                ],
            },
            refs=[ref(t) for t, _ in team],
        )
    user, tasks = await service.of_teammate(person, due_before=due_before)
    return ToolResult(
        data={
            "person": user.name,
            "period": period,
            "tasks": [
                {
                    "id": str(t.id),
                    "title": t.title,
                    "status": t.status.value,
                    "due_date": plain(t.due_date),
                    "priority": t.priority.value,
                }
                for t in tasks
            ],
        },
        refs=[ref(t) for t in tasks],
    )


@tool(
    area="tasks", writes=True, summary="Create task '{title}'[ for {assignee}][ due {due_date}][, {priority} priority]"
)
async def create_task(
    ctx: ToolContext,
    title: str,
    *,
    due_date: Day | None = None,
    priority: Priority = Priority.medium,
    related_type: Related | None = None,
    related_id: uuid.UUID | None = None,
    description: str | None = None,
    assignee: str | None = None,
) -> ToolResult:
    """Create a task (a to-do or reminder) for the user or, for managers, a teammate, optionally about a record.

    Args:
        title: what to do
        due_date: when it is due
        priority: low, medium, high or urgent
        related_type: the kind of record it is about
        related_id: the record it is about
        description: more detail
        assignee: the teammate who should do it: email, full or first name (managers: their team; admins: anyone)
    """
    data = {k: v for k, v in locals().items() if k not in ("ctx", "assignee") and v is not None}
    if assignee:
        data["assignee_id"] = (await PeopleService(ctx.session, ctx.actor).teammate(assignee, field="assignee")).id
    task = await TaskService(ctx.session, ctx.actor).create(data)
    return ToolResult(data={"id": str(task.id), "title": task.title, "due_date": plain(task.due_date)})


@tool(area="tasks")
async def find_tasks(ctx: ToolContext, description: str, person: str | None = None, team: bool = False) -> ToolResult:
    """The open tasks a description names, the user's or (managers: their team; admins: anyone) a teammate's, e.g.
    "follow up #16" or "the chloe petrov follow up": every word must start a word of the task's title or of the name
    of the record it is about. It returns ids, due dates, status, priority and that record's name but not the title,
    so a change can follow in the same turn; list the titles with my_tasks or team_tasks.

    Args:
        description: the words the user used for the task (title words, who or what it is about)
        person: whose tasks: the teammate's email, full name or first name; none for the user's own
        team: the whole team's instead (managers: their team; admins: anyone), when whose it is was not said
    """
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9-]*", description.lower()) if w not in _NOT_DESCRIPTIVE]
    if not words:
        raise InvalidInput("description", "say something about the task: words of its title, who it is about")
    assignee = (await PeopleService(ctx.session, ctx.actor).teammate(person)).id if person else None
    found = await TaskService(ctx.session, ctx.actor).described(words, assignee_id=assignee, team=team)
    return ToolResult(
        data=[
            {
                "id": str(t.id),
                "status": t.status.value,
                "due_date": plain(t.due_date),
                "priority": t.priority.value,
                "about": about,
            }
            for t, about in found
        ]
    )


@tool(
    area="tasks",
    writes=True,
    target=(Task.record_type, "task_id"),
    summary="Update task '{target}':[ status {status}][ due {due_date}][ priority {priority}][ give it to {assignee}]",
)
async def update_task(
    ctx: ToolContext,
    task_id: uuid.UUID,
    status: TaskStatus | None = None,
    due_date: Day | None = None,
    *,
    priority: Priority | None = None,
    assignee: str | None = None,
) -> ToolResult:
    """Complete, start, reschedule, reprioritise or reassign a task.

    Args:
        task_id: the task's id
        status: todo, in_progress or done
        due_date: the new due date
        priority: low, medium, high or urgent
        assignee: hand the task to this teammate: email, full or first name (managers: their team; admins: anyone)
    """
    changes: dict[str, object] = {
        k: v for k, v in {"status": status, "due_date": due_date, "priority": priority}.items() if v is not None
    }
    if assignee:
        changes["assignee_id"] = (await PeopleService(ctx.session, ctx.actor).teammate(assignee, field="assignee")).id
    task = await TaskService(ctx.session, ctx.actor).update(task_id, changes)
    return ToolResult(
        data={"id": str(task.id), "title": task.title, "status": task.status.value, "due_date": plain(task.due_date)}
    )


@tool(area="activities", writes=True, summary="Log {direction} call with {target}[: {notes}]")
async def log_call(
    ctx: ToolContext,
    *,
    contact_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    deal_id: uuid.UUID | None = None,
    notes: str | None = None,
    direction: CallDirection = CallDirection.outbound,
    duration_minutes: int = 0,
    outcome: CallOutcome = CallOutcome.connected,
    called_on: Day | None = None,
) -> ToolResult:
    """Log a phone call with a contact or lead (and optionally a deal); it lands on their timelines.

    Args:
        contact_id: the contact called
        lead_id: the lead called
        deal_id: the deal the call was about
        notes: what was said
        direction: inbound or outbound
        duration_minutes: how long it lasted
        outcome: connected, no_answer, left_voicemail or busy
        called_on: the day the call took place, when not today ("i called her on tuesday"); never a future day
    """
    if called_on is not None and called_on > ctx.now.date():
        raise InvalidInput("called_on", "a call is logged once it has taken place: not on a future day")
    call = await EngagementService(ctx.session, ctx.actor).log_call(
        {
            "contact_id": contact_id,
            "lead_id": lead_id,
            "deal_id": deal_id,
            "notes": notes,
            "direction": direction,
            "duration": duration_minutes * 60,
            "outcome": outcome,
            "call_at": datetime.combine(called_on, ctx.now.timetz())
            if called_on and called_on < ctx.now.date()
            else None,
        }
    )
    return ToolResult(data={"id": str(call.id), "notes": call.notes, "call_at": plain(call.call_at)})


@tool(area="activities", untrusted=("notes",))
async def search_calls(
    ctx: ToolContext,
    contact_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    person: str | None = None,
    period: Period | None = None,
    limit: int = 10,
) -> ToolResult:
    """Recent calls and how many there were: the user's own, a teammate's, or those with a contact or lead, in a period
    when given ("how many calls has mike logged this week": person mike, period this_week).

    Args:
        contact_id: calls with this contact
        lead_id: calls with this lead
        person: calls this teammate logged: email, full or first name (your team; admins: anyone)
        period: only calls made in this period
        limit: at most this many calls
    """
    user = await PeopleService(ctx.session, ctx.actor).teammate(person, reading=True) if person else None
    start, end = period_range(period, ctx.now.date()) if period else (None, None)
    calls, total = await EngagementService(ctx.session, ctx.actor).list_calls(
        contact_id=contact_id,
        lead_id=None if contact_id else lead_id,
        user_id=user.id if user else None,
        since=datetime.combine(start, time(), UTC) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
        limit=min(limit, 50),
    )
    return ToolResult(
        data={
            "total": total,
            "person": user.name if user else None,
            "from": plain(start),
            "to": plain(end),
            "calls": [
                {
                    "id": str(c.id),
                    "call_at": plain(c.call_at),
                    "direction": c.direction.value,
                    "outcome": c.outcome.value,
                    "notes": c.notes,
                }
                for c in calls
            ],
        }
    )


@tool(area="activities", writes=True, summary="Book '{title}' at {start_at}[ with {target}]")
async def schedule_meeting(
    ctx: ToolContext,
    title: str,
    start_at: Instant,
    *,
    contact_ids: list[uuid.UUID] | None = None,
    duration_minutes: Minutes = 30,
    related_type: Related | None = None,
    related_id: uuid.UUID | None = None,
    location: str | None = None,
) -> ToolResult:
    """Book a meeting (a demo, a call, a review) with contacts, on the user's calendar.

    Args:
        title: what the meeting is, e.g. "Demo"
        start_at: when it starts, ISO 8601 with a time zone
        contact_ids: the contacts attending
        duration_minutes: how long it lasts
        related_type: the kind of record it is about
        related_id: the record it is about
        location: where (a room or a video link)
    """
    meeting = await EngagementService(ctx.session, ctx.actor).schedule_meeting(
        {
            "title": title,
            "start_at": start_at,
            "end_at": start_at + timedelta(minutes=max(duration_minutes, 5)),
            "contact_ids": contact_ids or [],
            "related_type": related_type,
            "related_id": related_id,
            "location": location,
        }
    )
    return ToolResult(
        data={
            "id": str(meeting.id),
            "title": meeting.title,
            "start_at": plain(meeting.start_at),
            "end_at": plain(meeting.end_at),
        }
    )


@tool(area="activities")
async def my_meetings(ctx: ToolContext, period: Period = "this_week") -> ToolResult:
    """The user's meetings in a period.

    Args:
        period: the window, e.g. today or this_week
    """
    start, end = period_range(period, ctx.now.date())
    lo = datetime.combine(start or ctx.now.date(), datetime.min.time(), tzinfo=ctx.now.tzinfo)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=ctx.now.tzinfo)
    meetings, _ = await EngagementService(ctx.session, ctx.actor).list_meetings(start=lo, end=hi, limit=None)
    return ToolResult(
        data=[
            {"id": str(m.id), "title": m.title, "start_at": plain(m.start_at), "end_at": plain(m.end_at)}
            for m in meetings
        ]
    )


@tool(area="activities", writes=True, summary="Add a note to {target}: {body}")
async def add_note(ctx: ToolContext, related_type: Related, related_id: uuid.UUID, body: str) -> ToolResult:
    """Add a note to a lead, contact, account, deal or ticket; it appears on the record's timeline.

    Args:
        related_type: the kind of record
        related_id: the record's id
        body: the note text
    """
    note = await EngagementService(ctx.session, ctx.actor).add_note(
        {"related_type": related_type, "related_id": related_id, "body": body}
    )
    return ToolResult(data={"id": str(note.id), "body": note.body})
