"""Row filters that limit list queries to what the caller may read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, not_, or_, select, true
from sqlalchemy.orm import QueryableAttribute

from store.access import Actor, CallerRole, allowed
from store.models import User
from store.models.base import Entity


def owner_visible(actor: Actor, owner_column: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[bool]:
    """Owned records the caller may read: all for admins/support, the own team's for reps and managers."""
    if actor.sees_everything or actor.role is CallerRole.support:
        return true()
    teammates = (
        select(User.id).where(User.team == actor.team)
        if actor.team
        else select(User.id).where(User.id == actor.user_id)
    )
    return or_(owner_column.is_(None), owner_column == actor.user_id, owner_column.in_(teammates))


def unreadable(actor: Actor, model: type[Entity]) -> Select[*tuple[Any, ...]] | None:
    """Ids of `model` records (one of READ_RULES' models) the caller may not read; None when it may read them all."""
    from store.services.base import READ_RULES

    if actor.sees_everything:
        return None
    area, owner_attr = READ_RULES[model]
    if not allowed(actor, area, "read"):
        return select(model.id)
    if owner_attr is None or actor.role is CallerRole.support:
        return None
    return select(model.id).where(not_(owner_visible(actor, getattr(model, owner_attr))))


def about_readable(
    actor: Actor, column: ColumnElement[Any] | QueryableAttribute[Any], model: type[Entity]
) -> ColumnElement[bool]:
    """Rows whose reference `column` (to `model`) is empty or a record the caller may read."""
    hidden = unreadable(actor, model)
    return true() if hidden is None else or_(column.is_(None), column.notin_(hidden))
