"""Tasks only tests and benchmarks register (NEXA_JOB_MODULES=tests.support.job_tasks), and `drain` to run the queue dry."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from store.db import Database
from store.jobs.queue import app
from store.jobs.worker import run_worker
from store.settings import Settings


def _append(path: str, line: str) -> None:
    with open(path, "a") as out:  # one short O_APPEND write per line: lines from several processes never interleave
        out.write(f"{line} {os.getpid()}\n")


@app.task(name="test.record")
async def record(path: str, token: str) -> None:
    """Append `token` to the file at `path`: the side effect whose count the tests check."""
    _append(path, token)


@app.task(name="test.noop")
async def noop() -> None:
    """Nothing: the benchmark's trivial job."""


@app.task(name="test.block")
async def block(path: str, release: str) -> None:
    """Append "start", wait until the file `release` exists, append "done"."""
    _append(path, "start")
    while not Path(release).exists():
        await asyncio.sleep(0.05)
    _append(path, "done")


async def drain(db: Database, settings: Settings) -> None:
    """Run every job that is due, in this process, until the queue is empty."""
    await run_worker(db, settings, wait=False, install_signal_handlers=False)


@app.task(name="test.fail")
async def fail() -> None:
    """Always fails (no retry strategy: failed at once)."""
    raise RuntimeError("this job always fails")
