"""Foundation benchmark: seed a throwaway CRM, then time the pipeline and roll-up services.

    .venv/bin/python bench/seed_and_query.py [--scale 5000] [--runs 50] [--keep]

Seeds `--scale` (5000 = 1M deals) into a fresh embedded server under a temporary
NEXA_HOME (or into DATABASE_URL when set, which must be empty), prints the load
rate, then times each query through the real services and checks p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select, text

from store.access import Actor
from store.db import Database
from store.models import Account, Deal, User
from store.models.enums import Role
from store.seed import seed
from store.seed.generated import PER_SCALE
from store.seed.story import as_user
from store.services.accounts import AccountService, Rollup
from store.services.pipeline import Pipeline, PipelineService
from store.settings import Settings

TARGET_MS = 100.0
WARMUP = 3
console = Console(width=max(110, shutil.get_terminal_size().columns))

Query = Callable[[Database], Awaitable[Any]]


@dataclass(frozen=True)
class Timing:
    name: str
    p50: float
    p95: float
    mean: float

    @property
    def passed(self) -> bool:
        return self.p95 <= TARGET_MS


def pipeline(actor: Actor, call: Callable[[PipelineService], Awaitable[Any]]) -> Query:
    async def run(db: Database) -> Any:
        async with db.session() as session:
            return await call(PipelineService(session, actor))
    return run


def rollup(account_id: uuid.UUID) -> Query:
    async def run(db: Database) -> Any:
        async with db.session() as session:
            return await AccountService(session, Actor.system()).rollup(account_id)
    return run


async def settle(db: Database) -> None:
    """VACUUM after the bulk load, as autovacuum soon would: index-only scans need the visibility map it sets."""
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SET statement_timeout = 0"))
        await conn.execute(text("VACUUM"))


async def subjects(db: Database) -> tuple[User, User, uuid.UUID, uuid.UUID]:
    """A seeded rep, their team's manager, the parent account whose tree has the most deals, and Acme Corp."""
    async with db.session() as s:
        rep = await s.scalar(select(User).where(User.role == Role.rep, User.team.is_not(None)).order_by(User.email).limit(1))
        assert rep is not None, "the seed has no rep"
        manager = await s.scalar(select(User).where(User.role == Role.manager, User.team == rep.team).limit(1))
        assert manager is not None, f"team {rep.team} has no manager"
        root = func.coalesce(Account.parent_account_id, Account.id)
        largest = await s.scalar(
            select(root).join(Deal, Deal.account_id == Account.id)
            .where(root.in_(select(Account.parent_account_id)))
            .group_by(root).order_by(func.count().desc()).limit(1)
        )
        acme = await s.scalar(select(Account.id).where(Account.account_name == "Acme Corp"))
        assert largest is not None and acme is not None, "the seed has no account hierarchy"
        return rep, manager, largest, acme


def queries(rep: User, manager: User, largest: uuid.UUID, acme: uuid.UUID) -> dict[str, Query]:
    today = date.today()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarter_end = (quarter_start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    system, as_rep, as_manager = Actor.system(), as_user(rep), as_user(manager)
    return {
        "summary: company by stage": pipeline(system, lambda p: p.summary()),
        f"summary: rep {rep.name} by stage": pipeline(as_rep, lambda p: p.summary(owner_id=rep.id)),
        f"summary: team {rep.team}, this quarter": pipeline(
            as_manager, lambda p: p.summary(team=rep.team, close_from=quarter_start, close_to=quarter_end)),
        "summary: company by owner": pipeline(system, lambda p: p.summary(group_by="owner")),
        "stuck > 14 d: company": pipeline(system, lambda p: p.stuck(min_days=14, limit=50)),
        f"stuck > 14 d: rep {rep.name}": pipeline(as_rep, lambda p: p.stuck(min_days=14, owner_id=rep.id, limit=50)),
        "closing in 30 d: company": pipeline(system, lambda p: p.closing(start=today, end=today + timedelta(days=30))),
        "roll-up: largest hierarchy": rollup(largest),
        "roll-up: Acme Corp": rollup(acme),
    }


async def measure(db: Database, name: str, query: Query, runs: int) -> tuple[Timing, Any]:
    """p50/p95/mean in milliseconds over `runs` calls after WARMUP untimed ones, and the last result."""
    for _ in range(WARMUP):
        await query(db)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = await query(db)
        samples.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    return Timing(name, statistics.median(samples), p95, statistics.fmean(samples)), result


def describe(result: Any) -> str:
    """What a query returned, so the table shows the work was real."""
    if isinstance(result, Pipeline):
        return f"{len(result.rows)} groups, {result.count:,} open"
    if isinstance(result, Rollup):
        return f"{len(result.account_ids)} accounts, {result.open_deals:,} open"
    return f"{len(result)} deals"


async def run(settings: Settings, scale: int, runs: int) -> None:
    db = Database.open(settings)
    try:
        console.print(f"seeding scale {scale} ({PER_SCALE['deals'] * scale:,} deals)…")
        loaded: dict[str, int] = {}

        def progress(table: str, n: int) -> None:
            loaded[table] = loaded.get(table, 0) + n
            status.update(f"seeding: {table} {loaded[table]:,} rows")

        with console.status("seeding…") as status:
            start = time.perf_counter()
            counts = await seed(db, scale=scale, progress=progress)
            seconds = time.perf_counter() - start
        console.print(f"seeded {counts.rows:,} rows ({counts.deals:,} deals) in {seconds:.1f} s: "
                      f"{counts.rows / seconds:,.0f} rows/s, {counts.deals / seconds:,.0f} deals/s")
        start = time.perf_counter()
        await settle(db)
        console.print(f"VACUUM in {time.perf_counter() - start:.1f} s")

        table = Table(title=f"Pipeline queries at scale {scale} ({runs} runs after {WARMUP} warm-ups, target p95 <= {TARGET_MS:.0f} ms)")
        for column in ("query", "returns", "p50 ms", "p95 ms", "mean ms", f"p95 <= {TARGET_MS:.0f} ms"):
            table.add_column(column, justify="left" if column in ("query", "returns") else "right")
        timings = []
        for name, query in queries(*await subjects(db)).items():
            timing, result = await measure(db, name, query, runs)
            timings.append(timing)
            table.add_row(name, describe(result), f"{timing.p50:.1f}", f"{timing.p95:.1f}", f"{timing.mean:.1f}",
                          "[green]PASS[/]" if timing.passed else "[red]FAIL[/]")
        console.print(table)
        failed = [t.name for t in timings if not t.passed]
        console.print("[green]all queries meet the target[/]" if not failed else f"[red]{len(failed)} over target:[/] {', '.join(failed)}")
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=5000, help="200 deals per unit (default 5000 = 1M deals)")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per query (default 50)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and print its path")
    args = parser.parse_args()

    settings = Settings()
    if not settings.database_url:
        home = Path(tempfile.mkdtemp(prefix="nexa-bench-"))
        os.environ["NEXA_HOME"] = str(home)
        settings = replace(settings, home=home)
        if not args.keep:
            # Registered before the embedded server starts, so it runs after the server's own exit hook stops it.
            atexit.register(shutil.rmtree, home, ignore_errors=True)
    started = time.perf_counter()
    asyncio.run(run(settings, args.scale, args.runs))
    console.print(f"total time {time.perf_counter() - started:.1f} s")
    if args.keep and not settings.database_url:
        console.print(f"data kept in {settings.home} (NEXA_HOME={settings.home})")


if __name__ == "__main__":
    main()
