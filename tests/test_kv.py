"""The PostgreSQL store behind Litestar's rate limits and sessions: expiry, renewal, namespaces."""

from __future__ import annotations

from bots.http.stores import PostgresStore


async def test_values_live_until_they_expire_and_namespaces_stay_apart(db):
    limits, sessions = PostgresStore(db, "rate_limit"), PostgresStore(db, "sessions")
    await limits.set("amy", "3", expires_in=60)
    await sessions.set("amy", b"signed-in")
    await limits.set("gone", b"x", expires_in=0)  # expired the moment it was written
    assert await limits.get("amy") == b"3" and await sessions.get("amy") == b"signed-in"
    assert await limits.get("gone") is None and not await limits.exists("gone")
    assert 55 <= await limits.expires_in("amy") <= 60 and await sessions.expires_in("amy") is None
    await limits.set("amy", "4", expires_in=60)  # overwrite
    assert await limits.get("amy", renew_for=3600) == b"4" and await limits.expires_in("amy") > 3500
    await limits.delete_all()
    assert await limits.get("amy") is None and await sessions.get("amy") == b"signed-in"
    child = sessions.with_namespace("console")
    await child.set("amy", b"other")
    assert await sessions.get("amy") == b"signed-in" and await child.get("amy") == b"other"
    await child.delete("amy")
    assert not await child.exists("amy")
