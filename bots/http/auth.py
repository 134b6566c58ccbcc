"""Bearer tokens per CRM user: `nexa users token EMAIL` issues one; only its hash is stored."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from store.access import Actor
from store.auth import actor_for
from store.db import Database, DbSession
from store.models import User
from store.models.enums import Channel
from store.services.users import UserService

PREFIX = "nexa_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(session: DbSession, user: User) -> str:
    """A new token for `user` (replacing the previous one)."""
    token = PREFIX + secrets.token_urlsafe(32)
    await UserService(session).set_token_hash(user, token_hash(token))
    return token


def bearer_hash(header: str) -> str:
    """The hash of an `Authorization` header's bearer token (scheme in any case, spaces around the token ignored), or 401."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("Authorization: a 'Bearer <token>' header is required (nexa users token EMAIL)")
    return token_hash(token.strip())


async def actor_for_hash(session: DbSession, digest: str) -> Actor:
    """The active user whose token has that hash, or 401."""
    user = await UserService(session).active_by_token_hash(digest)
    if user is None:
        raise NotAuthorizedException("Authorization: the token is unknown or revoked")
    return actor_for(user, channel=Channel.api)


async def actor_for_header(session: DbSession, header: str) -> Actor:
    """The user an `Authorization` header's bearer token belongs to, or 401."""
    return await actor_for_hash(session, bearer_hash(header))


class TokenCache:
    """The users of the bearer tokens this process has looked up, each trusted for `ttl` seconds.

    A request with a known token then needs no database round trip. A revoked or replaced token, or a
    deactivated user, is honoured at most `ttl` seconds later (NEXA_TOKEN_CACHE_SECONDS; 0 looks every token
    up). Unknown tokens are never cached. At most `size` tokens are kept (the oldest entry goes first).
    """

    def __init__(
        self, db: Database, ttl: float, *, size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db, self.ttl, self.size, self.clock = db, ttl, size, clock
        self._known: dict[str, tuple[float, Actor]] = {}

    async def actor(self, header: str) -> Actor:
        """The header's user (from the cache while fresh), or 401."""
        digest = bearer_hash(header)
        hit = self._known.get(digest)
        now = self.clock()
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self.db.session() as session:
            actor = await actor_for_hash(session, digest)
        if self.ttl > 0:
            self._known.pop(digest, None)
            if len(self._known) >= self.size:
                self._known.pop(next(iter(self._known)))
            self._known[digest] = (now + self.ttl, actor)
        return actor


async def caller(request: Request, session: DbSession) -> Actor:
    """The request's user, or 401."""
    return await actor_for_header(session, request.headers.get("authorization", ""))
