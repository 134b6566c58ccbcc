"""Service levels of inbox conversations: first-response and resolution targets per priority, due times, the
SLA state of a conversation (as a Python value and as SQL for filters), and breaches as alerts.

Targets come from NEXA_INBOX_SLA (`priority=first/resolution` in minutes, comma-separated). The first-response
clock starts at the first customer message and stops at the first agent reply; the resolution clock runs from the
first customer message until the conversation is closed. Automated mail (auto-replies, bounces) starts no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import InvalidInput
from store.models import Inbox, InboxConversation
from store.models.enums import Priority
from store.models.inbox import ConversationStatus

SlaState = Literal["breached", "due_soon", "on_track", "none"]
SLA_STATES: tuple[str, ...] = ("breached", "due_soon", "on_track", "none")
DUE_SOON = timedelta(hours=1)


@dataclass(frozen=True)
class Target:
    first_response: timedelta
    resolution: timedelta


def targets(spec: str) -> dict[Priority, Target]:
    """Parse `urgent=60/240,high=240/1440,...` (minutes); every priority must be given."""
    found: dict[Priority, Target] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, minutes = item.partition("=")
        first, _, resolve = minutes.partition("/")
        try:
            found[Priority(name.strip())] = Target(timedelta(minutes=int(first)), timedelta(minutes=int(resolve)))
        except ValueError:
            raise InvalidInput("NEXA_INBOX_SLA", f"'{item}' is not priority=first/resolution in minutes") from None
    missing = [p.value for p in Priority if p not in found]
    if missing:
        raise InvalidInput("NEXA_INBOX_SLA", f"no target for {', '.join(missing)}")
    return found


def due_times(started: datetime, priority: Priority, spec: str) -> tuple[datetime, datetime]:
    """(first_response_due, resolution_due) of a conversation whose first customer message came at `started`."""
    target = targets(spec)[priority]
    return started + target.first_response, started + target.resolution


def state(conversation: InboxConversation, now: datetime) -> SlaState:
    """breached (a due time passed unmet), due_soon (within an hour), on_track, or none (no clock, or closed in time)."""
    if conversation.status is ConversationStatus.closed or conversation.resolution_due is None:
        return "none"
    dues = [conversation.resolution_due]
    if conversation.first_response_at is None and conversation.first_response_due is not None:
        dues.append(conversation.first_response_due)
    nearest = min(dues)
    if nearest <= now:
        return "breached"
    return "due_soon" if nearest - now <= DUE_SOON else "on_track"


def state_sql(now: datetime) -> ColumnElement[str]:
    """Each conversation's SLA state in SQL, one CASE (the same rule as `state`): for filters and grouped counts."""
    c = InboxConversation
    nearest = func.least(
        c.resolution_due, case((c.first_response_at.is_(None), c.first_response_due))
    )  # LEAST skips NULLs
    return case(
        (or_(c.status == ConversationStatus.closed, c.resolution_due.is_(None)), "none"),
        (nearest <= now, "breached"),
        (nearest <= now + DUE_SOON, "due_soon"),
        else_="on_track",
    )


@dataclass(frozen=True)
class Breach:
    """A conversation past a due time: which clock, by how long."""

    conversation: InboxConversation
    inbox: Inbox
    clock: Literal["first_response", "resolution"]
    due: datetime

    def late_minutes(self, now: datetime) -> int:
        return int((now - self.due).total_seconds() // 60)

    def label(self) -> str:
        """The thread by identifiers only (never its subject: outsiders write subjects, and alerts are trusted text)."""
        return f"inbox {self.inbox.name} thread {str(self.conversation.id)[:8]} from {self.conversation.customer_email or 'unknown sender'}"

    def message(self, now: datetime) -> str:
        what = "first response" if self.clock == "first_response" else "resolution"
        return (
            f"{self.label()} ({self.conversation.priority} priority) missed its {what} target by "
            f"{self.late_minutes(now)} min (due {self.due:%Y-%m-%d %H:%M} UTC)"
        )


async def breaches(
    session: AsyncSession, now: datetime, *, since: date | None = None, teams: set[str] | None = None, limit: int = 200
) -> list[Breach]:
    """Open conversations past a due time (due on or after `since`), limited to inboxes of `teams` (None: all)."""
    c = InboxConversation
    stmt = (
        select(c, Inbox)
        .join(Inbox, Inbox.id == c.inbox_id)
        .where(
            c.status != ConversationStatus.closed,
            or_(c.resolution_due <= now, and_(c.first_response_at.is_(None), c.first_response_due <= now)),
        )
        .order_by(c.resolution_due)
        .limit(limit)
    )
    if teams is not None:
        stmt = stmt.where(Inbox.team.in_(teams))
    found = []
    for conversation, inbox in (await session.execute(stmt)).all():
        if (
            conversation.first_response_at is None
            and conversation.first_response_due
            and conversation.first_response_due <= now
        ):
            found.append(Breach(conversation, inbox, "first_response", conversation.first_response_due))
        elif conversation.resolution_due and conversation.resolution_due <= now:
            found.append(Breach(conversation, inbox, "resolution", conversation.resolution_due))
    return [b for b in found if since is None or b.due.date() >= since]
