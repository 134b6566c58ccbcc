"""Claims on `Idempotency-Key`s: the first request of a caller's key claims it, its response settles it.

A claim that was never settled (the server was killed mid-request) expires `ttl` seconds after it was
made; the next request with that key takes it over. The HTTP layer passes a `ttl` longer than any request
may run (the turn time limit plus a margin), so a request still running is never taken over. A key is kept
`KEEP` after its claim (`prune`, run hourly by the `maintenance.prune` job): a retry later than that is a new request.
Times are the database's own (`now()`), the clock the rows were written with.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from store.db import Database
from store.models.idempotency import IdempotencyKey

KEEP = timedelta(hours=24)  # clients retry within minutes; a day of keys is plenty


async def claim(db: Database, caller: str, key: str, fingerprint: str, *, ttl: float) -> IdempotencyKey | None:
    """Claim the key (None), or the row of whoever holds it: a finished response, or a claim still running."""
    where = (IdempotencyKey.caller == caller, IdempotencyKey.key == key)
    async with db.session() as session:
        claimed = await session.scalar(
            insert(IdempotencyKey)
            .values(caller=caller, key=key, request_hash=fingerprint)
            .on_conflict_do_nothing()
            .returning(IdempotencyKey.key)
        )
        if claimed is not None:
            return None
        expired = await session.scalar(
            update(IdempotencyKey)
            .where(
                *where,
                IdempotencyKey.status_code.is_(None),
                IdempotencyKey.created_at < func.now() - timedelta(seconds=ttl),
            )
            .values(request_hash=fingerprint, created_at=func.now())
            .returning(IdempotencyKey.key)
        )
        if expired is not None:
            return None
        return await session.scalar(select(IdempotencyKey).where(*where))


async def settle(
    db: Database, caller: str, key: str, *, status: int | None, body: bytes, content_type: str | None, keep: bool
) -> None:
    """Store the response to replay (`keep`), or free the key for a retry."""
    where = (IdempotencyKey.caller == caller, IdempotencyKey.key == key)
    async with db.session() as session:
        if not keep:
            await session.execute(delete(IdempotencyKey).where(*where))
        else:
            await session.execute(
                update(IdempotencyKey)
                .where(*where)
                .values(status_code=status, response=body, content_type=content_type)
            )


async def prune(db: Database, *, older_than: timedelta = KEEP) -> int:
    """Forget the keys claimed more than `older_than` ago; how many went."""
    async with db.session() as session:
        gone = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < func.now() - older_than))
    return cast(CursorResult[Any], gone).rowcount or 0
