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


async def caller(request: Request, session: AsyncSession) -> Actor:
    """The user a request's `Authorization: Bearer` token belongs to, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("Authorization: a 'Bearer <token>' header is required (nexa users token EMAIL)")
    user = await session.scalar(select(User).where(User.api_token_hash == token_hash(token.strip()), User.is_active.is_(True)))
    if user is None:
        raise NotAuthorizedException("Authorization: the token is unknown or revoked")
    return actor_for(user, channel=Channel.api)
