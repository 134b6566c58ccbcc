"""Who a Slack user is in the CRM: the active user with their Slack email, cached in-process and in `users`.

The mapping found through `users.info` (profile.email) is stored in `users.slack_user_id`, so that a
restart does not ask Slack again; in-process, an answer is kept for a few minutes (a miss for one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from store.access import Actor
from store.auth import actor_for
from store.db import Database
from store.errors import NotFound
from store.models.enums import Channel
from store.services.users import UserService

HIT_TTL_S = 300.0
MISS_TTL_S = 60.0


@dataclass(frozen=True)
class Identity:
    """A Slack user as Nexa sees them: the CRM actor, or None with the email that matched no one."""

    actor: Actor | None
    email: str | None = None


class Directory:
    """Slack user id -> CRM actor."""

    def __init__(self, db: Database, *, hit_ttl: float = HIT_TTL_S, miss_ttl: float = MISS_TTL_S) -> None:
        self.db, self.hit_ttl, self.miss_ttl = db, hit_ttl, miss_ttl
        self._cache: dict[str, tuple[float, Identity]] = {}

    async def identify(self, client: AsyncWebClient, slack_user_id: str) -> Identity:
        """The CRM identity of a Slack user (cached; `users.info` only when the database does not know them)."""
        cached = self._cache.get(slack_user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        identity = await self._lookup(client, slack_user_id)
        ttl = self.hit_ttl if identity.actor else self.miss_ttl
        self._cache[slack_user_id] = (time.monotonic() + ttl, identity)
        return identity

    async def _lookup(self, client: AsyncWebClient, slack_user_id: str) -> Identity:
        async with self.db.session() as session:
            user = await UserService(session).active_by_slack_id(slack_user_id)
            if user is not None:
                return Identity(actor_for(user, Channel.slack), user.email)
        email = await _email(client, slack_user_id)
        if not email:
            return Identity(None)
        async with self.db.session() as session:
            users = UserService(session)
            try:
                user = await users.active_by_email(email)
            except NotFound:
                return Identity(None, email)
            await users.link_slack(user, slack_user_id)
            return Identity(actor_for(user, Channel.slack), email)


async def _email(client: AsyncWebClient, slack_user_id: str) -> str | None:
    """The email on the Slack profile (needs users:read.email); None for an unknown user."""
    try:
        info = await client.users_info(user=slack_user_id)
    except SlackApiError as err:
        if err.response.get("error") == "user_not_found":
            return None
        raise
    profile = (info.get("user") or {}).get("profile") or {}
    return profile.get("email") or None
