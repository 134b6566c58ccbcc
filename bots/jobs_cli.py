"""`nexa worker` and `nexa jobs`: run background workers, list jobs and retry a failed one."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run
from store.jobs import STATUSES
from store.settings import get_settings

console = Console()


def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=64, help="Jobs run at once (default NEXA_WORKER_CONCURRENCY, 1).")
    ] = None,
) -> None:
    """Run background jobs (email sends, knowledge-base ingestion, scoring, alerts) until Ctrl-C or SIGTERM."""
    from store.db import Database
    from store.jobs.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()

    async def main() -> None:
        async with Database.opened(settings) as db:
            console.print(
                f"Nexa worker running {concurrency or settings.worker_concurrency} job(s) at once (Ctrl-C stops it)."
            )
            await run_worker(db, settings, concurrency=concurrency)

    asyncio.run(main())


def jobs(
    status: Annotated[str | None, typer.Option(help=f"Only jobs in this state: {', '.join(STATUSES)}.")] = None,
    retry: Annotated[int | None, typer.Option("--retry", help="Queue this failed job again.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many jobs.")] = 50,
) -> None:
    """Background jobs, newest first, with a count per task and state; --retry ID runs a failed one again."""
    run(_jobs(status, retry, limit))


async def _jobs(status: str | None, retry_id: int | None, limit: int) -> None:
    from store.db import Database
    from store.jobs import STATUSES
    from store.jobs.queue import list_jobs, open_queue, retry_failed

    async with Database.opened() as db:
        async with open_queue(db.url, max_size=2) as queue:
            if retry_id is not None:
                await retry_failed(queue, retry_id)
                console.print(f"job {retry_id} is queued again")
                return
            rows = await list_jobs(queue, status=status)
        counts = Counter((r.task, r.status) for r in rows)
        for task in sorted({t for t, _ in counts}):
            console.print(
                f"[bold]{task}[/]: " + ", ".join(f"{counts[task, s]} {s}" for s in STATUSES if counts[task, s])
            )
        table = Table(
            "id", "task", "status", "attempts", "arguments", title=f"{min(len(rows), limit)} of {len(rows)} jobs"
        )
        for r in rows[:limit]:
            table.add_row(str(r.id), r.task, r.status, str(r.attempts), json.dumps(r.args, default=str)[:80])
        console.print(table)
