"""A key-value store in PostgreSQL, so that every server process shares rate-limit windows and web sessions.

Expiry is judged by the database's clock (`now()`), the one all processes share. Expired rows are invisible and
are swept on write, a few at a time, so the table stays the size of what is live.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert

from store.db import Database
from store.models.kv import StoredValue


def _live(namespace: str, key: str):  # noqa: ANN202 (a SQL condition)
    return and_(StoredValue.namespace == namespace, StoredValue.key == key,
                or_(StoredValue.expires_at.is_(None), StoredValue.expires_at > func.now()))


def _expiry(seconds: float | None):  # noqa: ANN202
    return None if seconds is None else func.now() + timedelta(seconds=seconds)


async def put(db: Database, namespace: str, key: str, value: bytes, *, ttl: float | None) -> None:
    """Set `key` to `value`, living `ttl` seconds (None: until deleted)."""
    async with db.session() as session:
        row = {"namespace": namespace, "key": key, "value": value, "expires_at": _expiry(ttl)}
        await session.execute(insert(StoredValue).values(**row).on_conflict_do_update(
            index_elements=[StoredValue.namespace, StoredValue.key], set_={"value": value, "expires_at": _expiry(ttl)}))
        await session.execute(_sweep(namespace))


async def take(db: Database, namespace: str, key: str, *, renew: float | None = None) -> bytes | None:
    """The live value of `key`, or None; `renew` gives an expiring value that many seconds more to live."""
    async with db.session() as session:
        if renew is not None:
            await session.execute(update(StoredValue).where(_live(namespace, key), StoredValue.expires_at.is_not(None))
                                  .values(expires_at=_expiry(renew)))
        return await session.scalar(select(StoredValue.value).where(_live(namespace, key)))


async def remove(db: Database, namespace: str, key: str | None = None) -> None:
    """Delete `key`, or the whole namespace when `key` is None."""
    where = [StoredValue.namespace == namespace] + ([StoredValue.key == key] if key is not None else [])
    async with db.session() as session:
        await session.execute(delete(StoredValue).where(*where))


async def remaining(db: Database, namespace: str, key: str) -> int | None:
    """Seconds `key` has left (None when absent or never expiring)."""
    async with db.session() as session:
        left = await session.scalar(select(func.extract("epoch", StoredValue.expires_at - func.now()))
                                    .where(_live(namespace, key)))
    return None if left is None else max(int(left), 0)


_HIT = text("""
INSERT INTO kv_store (namespace, key, value, expires_at) VALUES (:namespace, :key, '1', now() + make_interval(secs => :window))
ON CONFLICT (namespace, key) DO UPDATE SET
    value = CASE WHEN kv_store.expires_at <= now() THEN '1'::bytea
                 ELSE convert_to((convert_from(kv_store.value, 'UTF8')::bigint + 1)::text, 'UTF8') END,
    expires_at = CASE WHEN kv_store.expires_at <= now() THEN excluded.expires_at ELSE kv_store.expires_at END
RETURNING convert_from(value, 'UTF8')::bigint, ceil(extract(epoch FROM expires_at - now()))::int
""")


async def hit(db: Database, namespace: str, key: str, *, window: float) -> tuple[int, int]:
    """Count one more hit on `key` in its fixed window of `window` seconds (a new window once the last one has
    passed); the hits so far in this window and the seconds it has left. One atomic statement in its own
    transaction, so every process counts into the same window and none of them loses a hit. A window's first hit
    also sweeps a few expired windows of the namespace."""
    async with db.autocommit() as conn:
        count, left = (await conn.execute(_HIT, {"namespace": namespace, "key": key, "window": window})).one()
        if count == 1:
            await conn.execute(_sweep(namespace))
    return int(count), max(int(left), 0)


def _sweep(namespace: str):  # noqa: ANN202 (a DELETE)
    stale = select(StoredValue.key).where(StoredValue.namespace == namespace, StoredValue.expires_at <= func.now())
    return delete(StoredValue).where(StoredValue.namespace == namespace, StoredValue.key.in_(stale.limit(20).scalar_subquery()))
