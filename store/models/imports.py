"""CSV import jobs started over the API: their options, progress and report."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Entity, fk


class ImportJob(Entity):
    """One uploaded file being imported; `report` holds the outcome once done."""

    __tablename__ = "imports"
    record_type: ClassVar[str] = "import"

    user_id: Mapped[uuid.UUID | None] = fk("users.id")
    resource: Mapped[str] = mapped_column(sa.String(20))
    filename: Mapped[str] = mapped_column(sa.String(300))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(sa.String(20), default="queued", server_default="queued")
    rows_done: Mapped[int] = mapped_column(default=0, server_default="0")
    report: Mapped[dict[str, Any] | None]
