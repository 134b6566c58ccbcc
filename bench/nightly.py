"""Nightly insight pass benchmark: wall time, records/s and peak Python memory of `insights.nightly` (every open
deal's AI fields, every account's health, every contact's engagement) at several sizes, set-based (now) against
the per-record loop it replaced (`refresh_deal` / `refresh_account` / `refresh_contact` on each record in turn,
the path a single deal change still takes).

    .venv/bin/python bench/nightly.py [--deals 2000,10000,50000] [--before-up-to 10000] [--batch 1000]

Each size is seeded on a fresh embedded server under a temporary NEXA_HOME (or DATABASE_URL, which must be empty):
the demo generator at deals/200 scale (per 200 deals: 50 accounts, 150 contacts, calls, tasks, tickets). Each pass
runs once timed, then once more under tracemalloc for the peak (the per-record loop only up to 2,000 deals: it is slow
enough without); the database's own memory is apart.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import time
import tracemalloc
from collections.abc import Awaitable, Callable

from common import throwaway_settings
from rich.console import Console
from rich.table import Table
from sqlalchemy import select, text

from store.clock import utcnow
from store.db import Database
from store.intelligence.account_health import refresh_account
from store.intelligence.deal_insights import fit_win_model, refresh_deal
from store.intelligence.engagement import refresh_contact
from store.intelligence.nightly import refresh_all
from store.models import Account, Contact, Deal
from store.models.enums import OPEN_STAGES
from store.seed import seed
from store.settings import Settings

console = Console(width=120)


async def per_record(db: Database, settings: Settings, batch: int) -> dict[str, int]:
    """The loop the nightly job ran before: each record refreshed on its own."""
    async with db.session() as session:
        now, model = utcnow(), await fit_win_model(session)
        counts = {"deals": 0, "accounts": 0, "contacts": 0}
        for deal in list(await session.scalars(select(Deal).where(Deal.stage.in_(OPEN_STAGES)).order_by(Deal.id))):
            await refresh_deal(session, deal, now, model=model, settings=settings)
            counts["deals"] += 1
        for account in list(await session.scalars(select(Account).order_by(Account.id))):
            await refresh_account(session, account, now)
            counts["accounts"] += 1
        for contact in list(await session.scalars(select(Contact).order_by(Contact.id))):
            await refresh_contact(session, contact, now)
            counts["contacts"] += 1
    return counts


async def batched(db: Database, settings: Settings, batch: int) -> dict[str, int]:
    async with db.session() as session:
        return await refresh_all(session, settings, batch=batch)


async def measure(
    db: Database, settings: Settings, run: Callable[..., Awaitable[dict[str, int]]], batch: int, *, memory: bool
) -> dict[str, float | None]:
    async with db.session() as session:  # the same starting point for every pass: no notification yet
        await session.execute(text("DELETE FROM notifications"))
    start = time.perf_counter()
    counts = await run(db, settings, batch)
    seconds = time.perf_counter() - start
    async with db.session() as session:
        await session.execute(text("DELETE FROM notifications"))
    peak = None
    if memory:
        tracemalloc.start()
        await run(db, settings, batch)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    records = sum(counts.values())
    return {
        "records": records,
        "open_deals": counts["deals"],
        "seconds": seconds,
        "per_s": records / seconds,
        "peak_mb": peak,
    }


async def size(deals: int, before: bool, batch: int) -> dict[str, dict[str, float | None]]:
    settings, home = throwaway_settings()
    db = Database.open(settings)
    try:
        await seed(db, scale=max(1, deals // 200))
        found = {"after": await measure(db, settings, batched, batch, memory=True)}
        if before:  # tracemalloc slows the per-record loop several times over: its peak is measured up to 2,000 deals
            found["before"] = await measure(db, settings, per_record, batch, memory=deals <= 2000)
        return found
    finally:
        await db.close()
        if home:
            shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", default="2000,10000,50000", help="sizes, in deals (comma-separated)")
    parser.add_argument("--before-up-to", type=int, default=2000, help="time the per-record loop up to this many deals")
    parser.add_argument("--batch", type=int, default=1000, help="records per batch in the set-based pass")
    args = parser.parse_args()
    table = Table(title=f"Nightly insight pass (batch {args.batch})")
    for column in ("deals", "pass", "records", "open deals", "wall s", "records/s", "peak MB (py)", "speed-up"):
        table.add_column(column, justify="right")
    for deals in (int(n) for n in args.deals.split(",")):
        found = asyncio.run(size(deals, deals <= args.before_up_to, args.batch))
        for name in ("before", "after"):
            if (m := found.get(name)) is None:
                continue
            ratio = f"{found['before']['seconds'] / m['seconds']:.1f}x" if name == "after" and "before" in found else ""
            table.add_row(
                str(deals),
                "per-record" if name == "before" else "set-based",
                str(m["records"]),
                str(m["open_deals"]),
                f"{m['seconds']:.1f}",
                f"{m['per_s']:.0f}",
                "-" if m["peak_mb"] is None else f"{m['peak_mb']:.1f}",
                ratio,
            )
        console.print(table)


if __name__ == "__main__":
    main()
