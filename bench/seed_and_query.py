"""Foundation benchmark: seed a throwaway CRM, then time the pipeline and roll-up services.

    .venv/bin/python bench/seed_and_query.py [--scale 5000] [--runs 50] [--keep]

Seeds `--scale` (5000 = 1M deals) into a fresh embedded server under a temporary
NEXA_HOME (or into DATABASE_URL when set, which must be empty), prints the load
rate, then times each query through the real services and checks p95 <= 100 ms, and times each pipeline summary
read from the trigger-kept summary table against the live aggregate of the deals (same answer asserted).
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
from store.models import Account, Deal, User, pipeline_summary
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
        rep = await s.scalar(
            select(User).where(User.role == Role.rep, User.team.is_not(None)).order_by(User.email).limit(1)
        )
        assert rep is not None, "the seed has no rep"
        manager = await s.scalar(select(User).where(User.role == Role.manager, User.team == rep.team).limit(1))
        assert manager is not None, f"team {rep.team} has no manager"
        root = func.coalesce(Account.parent_account_id, Account.id)
        largest = await s.scalar(
            select(root)
            .join(Deal, Deal.account_id == Account.id)
            .where(root.in_(select(Account.parent_account_id)))
            .group_by(root)
            .order_by(func.count().desc())
            .limit(1)
        )
        acme = await s.scalar(select(Account.id).where(Account.account_name == "Acme Corp"))
        assert largest is not None and acme is not None, "the seed has no account hierarchy"
        return rep, manager, largest, acme


def summaries(rep: User, manager: User) -> dict[str, tuple[Actor, dict[str, Any]]]:
    """The pipeline summaries timed: who asks, and with which arguments."""
    today = date.today()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarter_end = (quarter_start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    return {
        "summary: company by stage": (Actor.system(), {}),
        f"summary: rep {rep.name} by stage": (as_user(rep), {"owner_id": rep.id}),
        f"summary: team {rep.team}, this quarter": (
            as_user(manager),
            {"team": rep.team, "close_from": quarter_start, "close_to": quarter_end},
        ),
        "summary: company by owner": (Actor.system(), {"group_by": "owner"}),
    }


def queries(rep: User, manager: User, largest: uuid.UUID, acme: uuid.UUID) -> dict[str, Query]:
    today = date.today()
    system, as_rep = Actor.system(), as_user(rep)
    timed: dict[str, Query] = {
        name: pipeline(actor, lambda p, ask=ask: p.summary(**ask))
        for name, (actor, ask) in summaries(rep, manager).items()
    }
    return timed | {
        "stuck > 14 d: company": pipeline(system, lambda p: p.stuck(min_days=14, limit=50)),
        f"stuck > 14 d: rep {rep.name}": pipeline(as_rep, lambda p: p.stuck(min_days=14, owner_id=rep.id, limit=50)),
        "closing in 30 d: company": pipeline(system, lambda p: p.closing(start=today, end=today + timedelta(days=30))),
        "roll-up: largest hierarchy": rollup(largest),
        "roll-up: Acme Corp": rollup(acme),
    }


async def write_cost(db: Database, runs: int) -> str:
    """p50 of a one-deal stage and amount change with the summary's update trigger, and with it disabled (rolled back)."""
    change = text("UPDATE deals SET stage = 'proposal', amount = amount + 100 WHERE id = :id")
    p50: dict[bool, float] = {}
    async with db.engine.connect() as conn:
        deals = list(
            await conn.scalars(text("SELECT id FROM deals WHERE stage = 'qualification' LIMIT :n"), {"n": 2 * runs})
        )
        for kept, ids in ((True, deals[:runs]), (False, deals[runs:])):
            if not kept:
                await conn.execute(text("ALTER TABLE deals DISABLE TRIGGER pipeline_summary_updated"))
            samples = []
            for deal_id in ids:
                start = time.perf_counter()
                await conn.execute(change, {"id": deal_id})
                samples.append((time.perf_counter() - start) * 1000)
            p50[kept] = statistics.median(samples)
        await conn.rollback()
    return (
        f"one-deal update p50: {p50[True]:.2f} ms with the summary trigger, {p50[False]:.2f} ms without "
        f"(+{p50[True] - p50[False]:.2f} ms)"
    )


async def compare_live(db: Database, rep: User, manager: User, runs: int) -> Table:
    """Each summary read from the trigger-kept pipeline summary and aggregated live from the deals, in turns."""
    table = Table(title=f"Pipeline summary vs live aggregate of the deals ({runs} runs each, same answers checked)")
    for column in ("query", "summary p95 ms", "live p95 ms", "live / summary"):
        table.add_column(column, justify="left" if column == "query" else "right")
    for name, (actor, ask) in summaries(rep, manager).items():
        kept, kept_result = await measure(db, name, pipeline(actor, lambda p, ask=ask: p.summary(**ask)), runs)
        live, live_result = await measure(
            db, name, pipeline(actor, lambda p, ask=ask: p.summary(**ask, live=True)), runs
        )
        assert kept_result == live_result, f"{name}: the summary and the live aggregate differ"
        table.add_row(name, f"{kept.p95:.1f}", f"{live.p95:.1f}", f"{live.p95 / kept.p95:.1f}x")
    return table


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
    async with Database.opened(settings) as db:
        console.print(f"seeding scale {scale} ({PER_SCALE['deals'] * scale:,} deals)…")
        loaded: dict[str, int] = {}

        def progress(table: str, n: int) -> None:
            loaded[table] = loaded.get(table, 0) + n
            status.update(f"seeding: {table} {loaded[table]:,} rows")

        with console.status("seeding…") as status:
            start = time.perf_counter()
            counts = await seed(db, scale=scale, progress=progress)
            seconds = time.perf_counter() - start
        console.print(
            f"seeded {counts.rows:,} rows ({counts.deals:,} deals) in {seconds:.1f} s: "
            f"{counts.rows / seconds:,.0f} rows/s, {counts.deals / seconds:,.0f} deals/s"
        )
        start = time.perf_counter()
        await settle(db)
        console.print(f"VACUUM in {time.perf_counter() - start:.1f} s")
        async with db.session() as session:
            kept = await session.scalar(select(func.count()).select_from(pipeline_summary))
        console.print(f"pipeline summary: {kept:,} rows (owner x stage x close date) for {counts.deals:,} deals")

        table = Table(
            title=f"Pipeline queries at scale {scale} ({runs} runs after {WARMUP} warm-ups, target p95 <= {TARGET_MS:.0f} ms)"
        )
        for column in ("query", "returns", "p50 ms", "p95 ms", "mean ms", f"p95 <= {TARGET_MS:.0f} ms"):
            table.add_column(column, justify="left" if column in ("query", "returns") else "right")
        timings = []
        rep, manager, largest, acme = await subjects(db)
        for name, query in queries(rep, manager, largest, acme).items():
            timing, result = await measure(db, name, query, runs)
            timings.append(timing)
            table.add_row(
                name,
                describe(result),
                f"{timing.p50:.1f}",
                f"{timing.p95:.1f}",
                f"{timing.mean:.1f}",
                "[green]PASS[/]" if timing.passed else "[red]FAIL[/]",
            )
        console.print(table)
        console.print(await compare_live(db, rep, manager, runs))
        console.print(await write_cost(db, runs))
        failed = [t.name for t in timings if not t.passed]
        console.print(
            "[green]all queries meet the target[/]"
            if not failed
            else f"[red]{len(failed)} over target:[/] {', '.join(failed)}"
        )


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
