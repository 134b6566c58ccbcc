"""The nightly insight pass: every open deal's AI fields, every account's health and every contact's engagement.

Set-based: records go `BATCH` at a time (keyset order by id); each batch's inputs come from a few grouped queries,
the scores from the same pure functions the per-record refreshes use, and the results go back in one executemany
UPDATE per batch. Deals first, since an account's health counts its open deals with risk factors.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.clock import utcnow
from store.intelligence import account_health, engagement
from store.intelligence.deal_insights import BATCH, loaded, refresh_open_deals
from store.models import Account, Contact
from store.settings import Settings

_ACCOUNTS = (
    update(cast(Table, Account.__table__))
    .where(Account.__table__.c.id == bindparam("_id"))
    .values(
        health_score=bindparam("_score"),
        churn_risk=bindparam("_churn"),
        lifetime_value=bindparam("_ltv"),
        health_factors=bindparam("_factors"),
    )
)
_CONTACTS = (
    update(cast(Table, Contact.__table__))
    .where(Contact.__table__.c.id == bindparam("_id"))
    .values(engagement_score=bindparam("_score"))
)


async def _batches(
    session: AsyncSession, stmt: Select[*tuple[Any, ...]], key: Any, batch: int
) -> AsyncIterator[list[Any]]:
    """The rows of `stmt` in keyset batches ordered by `key` (the batch's last row's first column)."""
    after = None
    while True:
        rows = list(await session.execute((stmt.where(key > after) if after else stmt).order_by(key).limit(batch)))
        if not rows:
            return
        yield rows
        after = rows[-1][0]


async def refresh_accounts(session: AsyncSession, now: datetime, *, batch: int = BATCH) -> int:
    """Health score, churn risk, lifetime value and factors for every account; how many."""
    count = 0
    async for rows in _batches(session, select(Account.id), Account.id, batch):
        ids: list[uuid.UUID] = [r[0] for r in rows]
        facts = await account_health.gather(session, ids, now)
        found = {i: account_health.health(facts.get(i, account_health.Facts()), now) for i in ids}
        await session.execute(
            _ACCOUNTS,
            [
                {
                    "_id": i,
                    "_score": h.score,
                    "_churn": h.churn_risk,
                    "_ltv": h.lifetime_value,
                    "_factors": [asdict(f) for f in h.factors],
                }
                for i, h in found.items()
            ],
        )
        for i, h in found.items():
            loaded(
                session,
                Account,
                i,
                health_score=h.score,
                churn_risk=h.churn_risk,
                lifetime_value=h.lifetime_value,
                health_factors=[asdict(f) for f in h.factors],
            )
        count += len(ids)
    return count


async def refresh_contacts(session: AsyncSession, now: datetime, *, batch: int = BATCH) -> int:
    """Engagement score for every contact; how many."""
    count = 0
    async for rows in _batches(session, select(Contact.id, Contact.last_activity), Contact.id, batch):
        counts = await engagement.activity_counts(session, [r[0] for r in rows], now)
        scores = {i: engagement.score(counts.get(i, {}), last, now)[0] for i, last in rows}
        await session.execute(_CONTACTS, [{"_id": i, "_score": n} for i, n in scores.items()])
        for i, n in scores.items():
            loaded(session, Contact, i, engagement_score=n)
        count += len(rows)
    return count


async def refresh_all(session: AsyncSession, settings: Settings | None = None, *, batch: int = BATCH) -> dict[str, int]:
    """Refresh every open deal, every account and every contact; how many of each."""
    now = utcnow()
    deals = await refresh_open_deals(session, now, settings, batch=batch)
    accounts = await refresh_accounts(session, now, batch=batch)
    contacts = await refresh_contacts(session, now, batch=batch)
    return {"deals": deals, "accounts": accounts, "contacts": contacts}
