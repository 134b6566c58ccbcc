"""CRM users: the people who sell and support."""

from __future__ import annotations

import uuid
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Entity, enum_column, fk
from store.models.enums import RecordType, Role, Seniority


class User(Entity):
    """A CRM user (admin, manager, rep, support or a service integration)."""

    __tablename__ = "users"
    record_type: ClassVar[str] = RecordType.user

    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(CITEXT, unique=True)
    role: Mapped[Role] = enum_column(Role)
    seniority: Mapped[Seniority] = enum_column(Seniority, default=Seniority.standard)
    title: Mapped[str | None] = mapped_column(sa.String(200))
    team: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    manager_id: Mapped[uuid.UUID | None] = fk("users.id")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    slack_user_id: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    api_token_hash: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))  # argon2id, for the web console
