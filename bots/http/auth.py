"""Bearer tokens per CRM user: `nexa users token EMAIL` issues one; only its hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.auth import actor_for
from store.models import User
from store.models.enums import Channel

PREFIX = "nexa_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(session: AsyncSession, user: User) -> str:
    """A new token for `user` (replacing the previous one)."""
    token = PREFIX + secrets.token_urlsafe(32)
    user.api_token_hash = token_hash(token)
    await session.flush()
    return token


async def actor_for_header(session: AsyncSession, header: str) -> Actor:
    """The user an `Authorization` header's bearer token belongs to (scheme in any case, spaces around the token
    ignored), or 401."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("Authorization: a 'Bearer <token>' header is required (nexa users token EMAIL)")
    user = await session.scalar(select(User).where(User.api_token_hash == token_hash(token.strip()), User.is_active.is_(True)))
    if user is None:
        raise NotAuthorizedException("Authorization: the token is unknown or revoked")
    return actor_for(user, channel=Channel.api)


async def caller(request: Request, session: AsyncSession) -> Actor:
    """The request's user, or 401."""
    return await actor_for_header(session, request.headers.get("authorization", ""))
