"""Short-lived shared values (rate-limit windows, web sessions): one row per namespaced key, with an expiry."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class StoredValue(Base):
    """A value every process sees; a row past `expires_at` counts as absent."""

    __tablename__ = "kv_store"

    namespace: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    value: Mapped[bytes] = mapped_column(sa.LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
