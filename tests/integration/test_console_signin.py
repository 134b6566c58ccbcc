"""Console sign-in in the store: argon2 passwords, server-side sessions (expiry, sign-out, password change) and the
brake on failed sign-ins, with the clock pinned; and `nexa users password` as a user runs it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from store.clock import pinned
from store.errors import InvalidInput, NotFound
from store.models import ConsoleSession, SignInFailure
from store.signin import (
    IDLE,
    LIFETIME,
    MAX_PER_CLIENT,
    MAX_PER_EMAIL,
    WINDOW,
    TooManyAttempts,
    forget_expired,
    session_actor,
    set_password,
    sign_in,
    sign_out,
)
from tests.support import factories
from tests.support.cli import nexa_async

PASSWORD = "correct horse battery"


@pytest.fixture
async def john(db, clock):
    async with db.session() as session:
        user = await factories.user(session, email="john@nexa.test", name="John Miller")
        await set_password(session, "john@nexa.test", PASSWORD)
    return user


async def test_a_password_is_stored_as_argon2id_and_signs_in(db, john, clock):
    async with db.session() as session:
        stored = await session.scalar(select(type(john).password_hash).where(type(john).id == john.id))
        signed = await sign_in(session, "john@nexa.test", PASSWORD, client_ip="10.0.0.1", user_agent="test")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert signed is not None and signed.actor.user_id == john.id and len(signed.token) >= 40
    async with db.session() as session:
        row = await session.scalar(select(ConsoleSession))
        assert row.token_hash != signed.token and len(row.token_hash) == 64  # only the hash is kept
        actor = await session_actor(session, signed.token)
    assert actor is not None and actor.email == "john@nexa.test" and actor.role.value == "rep"


@pytest.mark.parametrize(
    "email,password",
    [("john@nexa.test", "wrong password!!"), ("nobody@nexa.test", PASSWORD), ("", PASSWORD), ("john@nexa.test", "")],
)
async def test_wrong_credentials_sign_nobody_in_and_are_counted(db, john, clock, email, password):
    async with db.session() as session:
        assert await sign_in(session, email, password, client_ip="10.0.0.1") is None
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(SignInFailure)) == 1
        assert await session.scalar(select(func.count()).select_from(ConsoleSession)) == 0


async def test_failures_lock_the_email_then_the_window_reopens_it(db, john, clock):
    for i in range(MAX_PER_EMAIL):
        async with db.session() as session:
            assert await sign_in(session, "john@nexa.test", f"guess number {i}", client_ip=f"10.0.0.{i}") is None
    async with db.session() as session:  # even the right password is refused now, before it is checked
        with pytest.raises(TooManyAttempts) as refused:
            await sign_in(session, "john@nexa.test", PASSWORD, client_ip="10.9.9.9")
    assert refused.value.status == 429 and 0 < refused.value.retry_after <= WINDOW.total_seconds()
    with pinned(clock + WINDOW + timedelta(seconds=1)):
        async with db.session() as session:
            assert await sign_in(session, "john@nexa.test", PASSWORD, client_ip="10.9.9.9") is not None
        async with db.session() as session:  # success clears the email's failures
            assert (
                await session.scalar(
                    select(func.count()).select_from(SignInFailure).where(SignInFailure.email == "john@nexa.test")
                )
                == 0
            )


async def test_failures_from_one_client_lock_that_client_for_every_email(db, john, clock):
    for i in range(MAX_PER_CLIENT):
        async with db.session() as session:
            assert await sign_in(session, f"user{i}@nexa.test", "some password", client_ip="10.6.6.6") is None
    async with db.session() as session:
        with pytest.raises(TooManyAttempts):
            await sign_in(session, "john@nexa.test", PASSWORD, client_ip="10.6.6.6")
        assert await sign_in(session, "john@nexa.test", PASSWORD, client_ip="10.7.7.7") is not None


async def test_sessions_end_when_idle_at_their_lifetime_on_sign_out_and_on_a_new_password(db, john, clock):
    async def new_session() -> str:
        async with db.session() as session:
            return (await sign_in(session, "john@nexa.test", PASSWORD, client_ip="10.0.0.1")).token

    async def who(token: str):
        async with db.session() as session:
            return await session_actor(session, token)

    token = await new_session()
    with pinned(clock + IDLE - timedelta(minutes=1)):
        assert await who(token) is not None  # used: the idle clock restarts
    with pinned(clock + 2 * IDLE - timedelta(minutes=2)):
        assert await who(token) is not None
    with pinned(clock + 3 * IDLE):
        assert await who(token) is None  # idle too long
    token = await new_session()
    steps = int(LIFETIME / (IDLE / 2)) + 1
    for step in range(1, steps + 1):  # used every half idle period, it still ends at its lifetime
        with pinned(clock + step * IDLE / 2):
            alive = await who(token)
        assert (alive is not None) == (step * IDLE / 2 < LIFETIME)
    token = await new_session()
    async with db.session() as session:
        await sign_out(session, token)
    assert await who(token) is None
    token = await new_session()
    async with db.session() as session:
        await set_password(session, "john@nexa.test", "a brand new passphrase")
    assert await who(token) is None and await who("") is None and await who("forged") is None
    with pinned(clock + LIFETIME + WINDOW):
        async with db.session() as session:
            await forget_expired(session)
            assert await session.scalar(select(func.count()).select_from(ConsoleSession)) == 0


async def test_a_password_must_be_long_enough_and_the_user_must_exist(db, john, clock):
    async with db.session() as session:
        with pytest.raises(InvalidInput, match="password: at least 12 characters"):
            await set_password(session, "john@nexa.test", "short")
        with pytest.raises(InvalidInput, match="password: at most 512 characters"):
            await set_password(session, "john@nexa.test", "x" * 513)
        with pytest.raises(NotFound, match="email"):
            await set_password(session, "ghost@nexa.test", PASSWORD)


async def test_cli_sets_a_password_read_twice_from_the_terminal(db, database_url, john, clock):
    env: dict[str, str | None] = {"DATABASE_URL": database_url}
    cli = ("users", "password", "john@nexa.test")
    done = await nexa_async(*cli, env=env, stdin="the cli passphrase\nthe cli passphrase\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Password set for john@nexa.test" in done.stdout and "the cli passphrase" not in done.stdout
    async with db.session() as session:
        assert await sign_in(session, "john@nexa.test", "the cli passphrase", client_ip="10.0.0.1") is not None
    short = await nexa_async(*cli, env=env, stdin="short\nshort\n")
    assert short.returncode == 2 and "password: at least 12 characters" in short.stdout
