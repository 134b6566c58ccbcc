"""Running workers: `nexa worker`, the one inside `nexa serve`, and a drain-the-queue run for tests and `--now`.

A worker heartbeats every NEXA_JOBS_HEARTBEAT seconds. Every worker also looks, every third of
NEXA_JOBS_STALLED_AFTER seconds, for jobs left `doing` by a worker whose heartbeat is older than that
(killed, or its machine gone) and queues them again: a killed worker's job runs again on another
worker after NEXA_JOBS_STALLED_AFTER to NEXA_JOBS_STALLED_AFTER * 4/3 seconds.
Every waiting worker also keeps the shared inboxes' IMAP mailboxes in IDLE (`store.inbox.imap.watch_inboxes`; one
reader per mailbox across workers; NEXA_INBOX_IDLE=0 leaves them to the minute poll).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from procrastinate import JobContext
from procrastinate.exceptions import ConnectorException
from procrastinate.periodic import PeriodicRegistry

from store.db import Database
from store.embeddings import Embedder, default_embedder
from store.inbox.imap import watch_inboxes
from store.jobs.queue import TASK_MODULES, app, open_queue
from store.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """What a job needs, handed to every task through its context (`deps(context)`)."""

    db: Database
    settings: Settings
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def embedder(self) -> Embedder:
        """The process-wide embedder, loaded on the first job that embeds (not at worker start)."""
        return default_embedder()


def deps(context: JobContext) -> Deps:
    """The worker's `Deps` from a task's context."""
    found: Deps = context.additional_context["nexa"]
    return found


def load_tasks(settings: Settings) -> None:
    """Register our tasks and those of NEXA_JOB_MODULES (extra modules, e.g. tests' own)."""
    for module in (*TASK_MODULES, *settings.job_modules):
        importlib.import_module(module)


async def retry_stalled(settings: Settings) -> list[int]:
    """Queue again the jobs of workers silent for NEXA_JOBS_STALLED_AFTER seconds; their ids."""
    retried: list[int] = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.jobs_stalled_s):
        with suppress(ConnectorException):  # another worker queued it again first
            await app.job_manager.retry_job(job)
            if job.id is not None:  # a job read from the queue has its id
                retried.append(job.id)
            log.warning("job %s (%s) was left running by a stalled worker; queued again", job.id, job.task_name)
    return retried


async def _watch_stalled(settings: Settings) -> None:
    while True:
        try:
            await retry_stalled(settings)
        except Exception:  # a database hiccup must not end the worker; the next round tries again
            log.exception("looking for stalled jobs failed")
        await asyncio.sleep(settings.jobs_stalled_s / 3)


@contextmanager
def _schedules(enabled: bool) -> Iterator[None]:
    """Periodic tasks are deferred by waiting workers only: a drain (`wait=False`) runs what is queued, whatever the hour."""
    if enabled:
        yield
        return
    kept, app.periodic_registry = app.periodic_registry, PeriodicRegistry()  # type: ignore[no-untyped-call]  # procrastinate leaves __init__ unannotated
    try:
        yield
    finally:
        app.periodic_registry = kept


async def run_worker(
    db: Database,
    settings: Settings,
    *,
    concurrency: int | None = None,
    wait: bool = True,
    name: str = "worker",
    install_signal_handlers: bool = True,
    extra: dict[str, Any] | None = None,
) -> None:
    """Run jobs until stopped (SIGINT/SIGTERM, or cancellation); with `wait=False`, until the queue is empty."""
    load_tasks(settings)
    concurrency = concurrency or settings.worker_concurrency
    async with open_queue(db.url, max_size=concurrency + 3):
        watchers = [asyncio.create_task(_watch_stalled(settings))] if wait else []
        if wait and settings.inbox_idle:
            watchers.append(asyncio.create_task(watch_inboxes(db, settings)))
        try:
            with _schedules(wait):
                await app.run_worker_async(
                    name=name,
                    concurrency=concurrency,
                    wait=wait,
                    install_signal_handlers=install_signal_handlers,
                    fetch_job_polling_interval=settings.jobs_poll_s,
                    abort_job_polling_interval=settings.jobs_poll_s,
                    update_heartbeat_interval=settings.jobs_heartbeat_s,
                    stalled_worker_timeout=settings.jobs_stalled_s,
                    shutdown_graceful_timeout=settings.jobs_stalled_s,
                    listen_notify=wait,
                    additional_context={"nexa": Deps(db, settings, extra or {})},
                )
        finally:
            for watcher in watchers:
                watcher.cancel()
                with suppress(asyncio.CancelledError):
                    await watcher


@asynccontextmanager
async def in_process_worker(db: Database, settings: Settings) -> AsyncIterator[None]:
    """One worker on this event loop for the duration of the block (`nexa serve`'s)."""
    task = asyncio.create_task(run_worker(db, settings, name="serve", install_signal_handlers=False))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
