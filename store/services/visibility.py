"""Row filters that limit list queries to what the caller may read."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from store.access import Actor, CallerRole
from store.models import User


def owner_visible(actor: Actor, owner_column) -> ColumnElement[bool]:
    """Owned records the caller may read: all for admins/support, the own team's for reps and managers."""
    if actor.sees_everything or actor.role is CallerRole.support:
        return true()
    teammates = select(User.id).where(User.team == actor.team) if actor.team else select(User.id).where(User.id == actor.user_id)
    return or_(owner_column.is_(None), owner_column == actor.user_id, owner_column.in_(teammates))
