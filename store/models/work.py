"""Productivity records: tasks, meetings with attendees, calls and notes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import utcnow
from store.models.base import Base, Entity, IdMixin, enum_column, fk
from store.models.enums import CallDirection, CallOutcome, Priority, RecordType, TaskStatus


class Task(Entity):
    """A to-do for a user, optionally about a record (`related_type`, `related_id`)."""

    __tablename__ = "tasks"
    record_type: ClassVar[str] = RecordType.task
    __table_args__ = (sa.Index("ix_tasks_related", "related_type", "related_id"),)

    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[TaskStatus] = enum_column(TaskStatus, default=TaskStatus.todo)
    priority: Mapped[Priority] = enum_column(Priority, default=Priority.medium)
    due_date: Mapped[date | None] = mapped_column(index=True)
    assignee_id: Mapped[uuid.UUID | None] = fk("users.id")
    created_by_id: Mapped[uuid.UUID | None] = fk("users.id")
    related_type: Mapped[RecordType | None] = enum_column(RecordType, nullable=True)
    related_id: Mapped[uuid.UUID | None]
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def name(self) -> str:
        return self.title


class Meeting(Entity):
    """A calendar meeting with contacts and users as attendees."""

    __tablename__ = "meetings"
    record_type: ClassVar[str] = RecordType.meeting
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="ends_after_start"),
        sa.Index("ix_meetings_related", "related_type", "related_id"),
    )

    title: Mapped[str] = mapped_column(sa.String(300))
    start_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    end_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    location: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    organizer_id: Mapped[uuid.UUID | None] = fk("users.id")
    related_type: Mapped[RecordType | None] = enum_column(RecordType, nullable=True)
    related_id: Mapped[uuid.UUID | None]


class MeetingAttendee(IdMixin, Base):
    """A contact or a user attending a meeting (exactly one of the two)."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (
        sa.CheckConstraint("(contact_id IS NULL) <> (user_id IS NULL)", name="one_attendee"),
        sa.UniqueConstraint("meeting_id", "contact_id", "user_id", name="uq_meeting_attendee"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[uuid.UUID | None] = fk("contacts.id", ondelete="CASCADE")
    user_id: Mapped[uuid.UUID | None] = fk("users.id", ondelete="CASCADE")


class Call(Entity):
    """A logged phone call; `duration` is in seconds."""

    __tablename__ = "calls"
    record_type: ClassVar[str] = RecordType.call
    __table_args__ = (sa.CheckConstraint("duration >= 0", name="duration_nonneg"),)

    direction: Mapped[CallDirection] = enum_column(CallDirection, default=CallDirection.outbound)
    duration: Mapped[int] = mapped_column(default=0, server_default="0")
    outcome: Mapped[CallOutcome] = enum_column(CallOutcome, default=CallOutcome.connected)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    call_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now())
    user_id: Mapped[uuid.UUID | None] = fk("users.id")
    contact_id: Mapped[uuid.UUID | None] = fk("contacts.id")
    lead_id: Mapped[uuid.UUID | None] = fk("leads.id")
    deal_id: Mapped[uuid.UUID | None] = fk("deals.id")
    account_id: Mapped[uuid.UUID | None] = fk("accounts.id")


class Note(Entity):
    """A free-text note on any record."""

    __tablename__ = "notes"
    record_type: ClassVar[str] = RecordType.note
    __table_args__ = (sa.Index("ix_notes_related", "related_type", "related_id"),)

    body: Mapped[str] = mapped_column(sa.Text)
    related_type: Mapped[RecordType] = enum_column(RecordType)
    related_id: Mapped[uuid.UUID]
    author_id: Mapped[uuid.UUID | None] = fk("users.id")
