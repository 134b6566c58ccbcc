"""The web console's server-side sign-in state: sessions and recent failed sign-ins."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, IdMixin, fk


class ConsoleSession(IdMixin, Base):
    """A signed-in browser: only the hash of its cookie's token is kept, so a database read does not sign anyone in."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[uuid.UUID] = fk("users.id", ondelete="CASCADE")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    client_ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))


class SignInFailure(IdMixin, Base):
    """One refused sign-in: counted per email and per client address to slow down password guessing."""

    __tablename__ = "console_sign_in_failures"
    __table_args__ = (
        sa.Index("ix_console_sign_in_failures_email_at", "email", "at"),
        sa.Index("ix_console_sign_in_failures_client_ip_at", "client_ip", "at"),
    )

    email: Mapped[str] = mapped_column(CITEXT)
    client_ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
