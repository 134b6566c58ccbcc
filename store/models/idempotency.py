"""Idempotency keys of API writes: the first response, replayed for a retry with the same key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class IdempotencyKey(Base):
    """One `Idempotency-Key` of one caller: what was asked (hash) and what was answered."""

    __tablename__ = "idempotency_keys"

    caller: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # hash of the caller's credential
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None]  # None while the first request is still running
    response: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=func.now(), index=True)

    def replay(self) -> dict[str, Any]:
        return {"status": self.status_code, "body": self.response or b"", "content_type": self.content_type}
