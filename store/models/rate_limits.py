"""Rate-limit windows shared by every server process."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class RateWindow(Base):
    """The requests one key (a caller, a client address) made under one rule in the current fixed window.

    UNLOGGED: a hit writes no WAL, so its commit does not wait for a disk flush (most of a hit's time on a busy disk).
    The windows last a minute: after a crash PostgreSQL empties the table, and every caller starts a fresh window.
    """

    __tablename__ = "rate_windows"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    rule: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    hits: Mapped[int] = mapped_column(sa.BigInteger)
    resets_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
