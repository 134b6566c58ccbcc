"""Alerts already posted to Slack: the key that makes a later scan skip them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class PostedAlert(Base):
    """One anomaly alert claimed for posting (`posted_at` set once Slack accepted it)."""

    __tablename__ = "posted_alerts"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.Text)
    claimed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    posted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
