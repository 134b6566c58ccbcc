"""Slack deliveries already seen: the key that makes a retried event a no-op."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class SlackEvent(Base):
    """One Events API delivery, by Slack's event id; a second insert of the same id is a retry."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=func.now(), index=True)
