"""The timeline: one activity, linked to every record it concerns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import utcnow
from store.models.base import Base, Entity, enum_column, fk
from store.models.enums import ActivityType, RecordType


class Activity(Entity):
    """Something that happened (a call logged, a stage moved...), shown on timelines."""

    __tablename__ = "activities"
    record_type: ClassVar[str] = "activity"

    type: Mapped[ActivityType] = enum_column(ActivityType)
    action: Mapped[str] = mapped_column(sa.String(50))
    subject: Mapped[str] = mapped_column(sa.Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    source_type: Mapped[RecordType | None] = enum_column(RecordType, nullable=True)
    source_id: Mapped[uuid.UUID | None]
    actor_id: Mapped[uuid.UUID | None] = fk("users.id")
    occurred_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )


class ActivityLink(Base):
    """Places an activity on one record's timeline."""

    __tablename__ = "activity_links"
    __table_args__ = (sa.Index("ix_activity_links_record", "record_type", "record_id"),)

    activity_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    record_type: Mapped[RecordType] = enum_column(RecordType, primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
