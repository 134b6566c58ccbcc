"""The append-only audit log (a trigger in the migrations refuses UPDATE and DELETE)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import utcnow
from store.models.base import Base, IdMixin, enum_column, fk
from store.models.enums import Channel


class AuditEntry(IdMixin, Base):
    """Who did what, through which channel, with which arguments and outcome."""

    __tablename__ = "audit_log"

    at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now(), index=True
    )
    actor_id: Mapped[uuid.UUID | None] = fk("users.id")
    actor_label: Mapped[str] = mapped_column(sa.String(320))
    on_behalf_of_id: Mapped[uuid.UUID | None] = fk("users.id")
    channel: Mapped[Channel] = enum_column(Channel)
    action: Mapped[str] = mapped_column(sa.String(100), index=True)
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(sa.String(20))
    record_ids: Mapped[list[str]] = mapped_column(ARRAY(sa.String(64)), default=list, server_default="{}")
    error: Mapped[str | None] = mapped_column(sa.Text)
