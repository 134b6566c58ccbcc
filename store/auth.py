"""Turning a CRM user into the `Actor` a request runs as."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, CallerRole
from store.errors import NotFound
from store.models import User
from store.models.enums import Channel


def actor_for(user: User, channel: Channel = Channel.cli) -> Actor:
    """The caller a CRM user becomes on a channel."""
    return Actor(role=CallerRole(user.role.value), user_id=user.id, name=user.name, email=user.email, team=user.team, channel=channel)


async def actor_for_email(session: AsyncSession, email: str, channel: Channel = Channel.cli) -> Actor:
    """The active user with that email as an actor, or NotFound naming `email`."""
    user = await session.scalar(select(User).where(User.email == email, User.is_active.is_(True)))
    if user is None:
        raise NotFound("email", f"no active user with email {email}")
    return actor_for(user, channel)
