"""Fixed-window request counters shared by every server process (see store/rate_limits.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class RateWindow(Base):
    """The hits of one key under one rule in its current window, which ends at `resets_at`."""

    __tablename__ = "rate_windows"

    rule: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    hits: Mapped[int] = mapped_column(sa.BigInteger)
    resets_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
