"""Signing in to the web console: argon2 passwords, server-side sessions, and a brake on password guessing.

A session is a row in PostgreSQL keyed by the SHA-256 of a random token that only the browser's cookie holds,
so every server process sees the same sessions and a copy of the table signs nobody in. Sessions end after
`IDLE` without use or `LIFETIME` after sign-in, whichever comes first. Failed sign-ins are counted per email and
per client address over `WINDOW`; past `MAX_PER_EMAIL` or `MAX_PER_CLIENT` the next attempt is refused before
any password is checked, so a locked account reveals nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.auth import actor_for
from store.clock import utcnow
from store.errors import DomainError, InvalidInput, NotFound
from store.models import ConsoleSession, SignInFailure, User
from store.models.enums import Channel

HASHER = PasswordHasher()  # argon2id with RFC 9106's low-memory parameters (argon2-cffi's defaults)
MIN_PASSWORD, MAX_PASSWORD = 12, 512
IDLE, LIFETIME = timedelta(hours=12), timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often per session
WINDOW, MAX_PER_EMAIL, MAX_PER_CLIENT = timedelta(minutes=15), 5, 30
DEMO_PASSWORD = "nexa-demo-password"  # the seeded demo users' password (README, "Web console")
_DUMMY_HASH = HASHER.hash("no such user: the same work as a real check")


class TooManyAttempts(DomainError):
    """Too many failed sign-ins lately for this email or this client."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("email", f"too many failed sign-ins; try again in {retry_after // 60 + 1} minutes")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """A new session: `token` goes into the cookie and nowhere else."""

    token: str
    actor: Actor


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password (InvalidInput naming `password` otherwise)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", f"at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("password", f"at most {MAX_PASSWORD} characters")
    return HASHER.hash(password)


async def set_password(session: AsyncSession, email: str, password: str) -> User:
    """Give an active user a new password; their open console sessions end."""
    user = await session.scalar(select(User).where(User.email == email.strip(), User.is_active.is_(True)))
    if user is None:
        raise NotFound("email", f"no active user with email {email}")
    user.password_hash = hash_password(password)
    await session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    await session.flush()
    return user


async def sign_in(
    session: AsyncSession, email: str, password: str, *, client_ip: str, user_agent: str = ""
) -> SignedIn | None:
    """A new session for the user whose email and password these are.

    TooManyAttempts (429) while the email or client is over its failure budget. None for an unknown email, an
    inactive user, a user without a password or a wrong password: the failure is recorded in `session`, so the
    caller commits it and then refuses.
    """
    email = email.strip()[:320]
    now = utcnow()
    await _check_budget(session, email, client_ip)
    user = await session.scalar(select(User).where(User.email == email, User.is_active.is_(True))) if email else None
    if not _verified(user.password_hash if user else None, password):
        session.add(SignInFailure(email=email, client_ip=client_ip, at=now))
        await session.flush()
        return None
    assert user is not None
    if HASHER.check_needs_rehash(user.password_hash):  # type: ignore[arg-type]
        user.password_hash = HASHER.hash(password)
    await session.execute(delete(SignInFailure).where(SignInFailure.email == email))
    token = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + LIFETIME,
            client_ip=client_ip[:64],
            user_agent=user_agent[:300] or None,
        )
    )
    await session.flush()
    await forget_expired(session)  # housekeeping rides on sign-ins: ended sessions and old failures go
    return SignedIn(token=token, actor=actor_for(user, Channel.console))


async def session_actor(session: AsyncSession, token: str) -> Actor | None:
    """The signed-in user of a session token, or None (unknown, ended, idle too long, user deactivated)."""
    if not token:
        return None
    now = utcnow()
    row = (
        await session.execute(
            select(ConsoleSession, User)
            .join(User, User.id == ConsoleSession.user_id)
            .where(
                ConsoleSession.token_hash == token_hash(token),
                ConsoleSession.expires_at > now,
                User.is_active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    console_session, user = row
    if console_session.last_seen_at + IDLE <= now:
        await session.delete(console_session)
        return None
    if now - console_session.last_seen_at >= TOUCH_EVERY:
        await session.execute(
            update(ConsoleSession).where(ConsoleSession.id == console_session.id).values(last_seen_at=now)
        )
    return actor_for(user, Channel.console)


async def sign_out(session: AsyncSession, token: str) -> None:
    """End the session of `token` (nothing happens for an unknown one)."""
    await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)))


async def forget_expired(session: AsyncSession) -> int:
    """Delete ended sessions and failures older than the window; how many rows went."""
    now = utcnow()
    ended = await session.execute(
        delete(ConsoleSession).where((ConsoleSession.expires_at <= now) | (ConsoleSession.last_seen_at <= now - IDLE))
    )
    old = await session.execute(delete(SignInFailure).where(SignInFailure.at <= now - WINDOW))
    return int(ended.rowcount + old.rowcount)  # type: ignore[attr-defined]  # a DELETE returns a CursorResult; execute() is typed Result


async def _check_budget(session: AsyncSession, email: str, client_ip: str) -> None:
    since = utcnow() - WINDOW
    for column, value, limit in (
        (SignInFailure.email, email, MAX_PER_EMAIL),
        (SignInFailure.client_ip, client_ip, MAX_PER_CLIENT),
    ):
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(SignInFailure.at)).where(column == value, SignInFailure.at > since)
            )
        ).one()
        if count >= limit:
            raise TooManyAttempts(max(1, int((oldest + WINDOW - utcnow()).total_seconds())))


def _verified(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; the same argon2 work is done when there is no hash to match."""
    try:
        return HASHER.verify(stored or _DUMMY_HASH, password[:MAX_PASSWORD]) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
