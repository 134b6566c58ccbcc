"""Turning a CRM user into the `Actor` a request runs as."""

from __future__ import annotations

from store.access import Actor, CallerRole
from store.db import DbSession
from store.models import User
from store.models.enums import Channel


def actor_for(user: User, channel: Channel = Channel.cli) -> Actor:
    """The caller a CRM user becomes on a channel."""
    return Actor(
        role=CallerRole(user.role.value),
        user_id=user.id,
        name=user.name,
        email=user.email,
        team=user.team,
        channel=channel,
    )


async def actor_for_email(session: DbSession, email: str, channel: Channel = Channel.cli) -> Actor:
    """The active user with that email as an actor, or NotFound naming `email`."""
    from store.services.users import UserService

    return actor_for(await UserService(session).active_by_email(email), channel)
