"""The procrastinate App over our database, listing and retrying jobs.

Jobs are queued with `store.jobs.defer.defer` (in the caller's transaction). Workers and `nexa jobs` talk to
the queue through the App, opened on a small psycopg pool for the same database (`open_queue`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import procrastinate
from procrastinate.exceptions import ConnectorException
from sqlalchemy.engine import make_url

from store.errors import InvalidInput, NotFound
from store.jobs import STATUSES

TASK_MODULES = (
    "store.jobs.emails",
    "store.jobs.campaigns",
    "store.jobs.knowledge",
    "store.jobs.scoring",
    "store.jobs.alerts",
    "store.jobs.inbox",
    "store.jobs.notifications",
    "store.jobs.deals",
    "store.jobs.maintenance",
)

# The connector gets its connection string when a worker or `nexa jobs` opens the queue (`open_queue`).
app = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=list(TASK_MODULES))
# A failing job is tried again after 2, 4, 8, 16 and 32 s, then it is `failed` (`nexa jobs --retry ID` queues it again).
RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2)


def conninfo(url: str) -> str:
    """A libpq connection string from our SQLAlchemy URL (the embedded server's socket query included)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def open_queue(url: str, *, max_size: int = 4) -> AsyncIterator[procrastinate.App]:
    """The App connected to the database at `url` for the duration of the block."""
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=max_size)
    with app.replace_connector(connector):
        async with app.open_async():
            yield app


@dataclass(frozen=True)
class JobRow:
    """One job as `nexa jobs` shows it."""

    id: int
    task: str
    status: str
    attempts: int
    args: dict[str, Any]
    scheduled_at: datetime | None


async def list_jobs(queue: procrastinate.App, *, status: str | None = None) -> list[JobRow]:
    """Jobs, newest first; `status` is queued, doing, failed or succeeded."""
    if status is not None and status not in STATUSES:
        raise InvalidInput("status", f"'{status}' is not one of {list(STATUSES)}")
    rows = await queue.job_manager.list_jobs_async(status=STATUSES[status] if status else None)
    label = {v: k for k, v in STATUSES.items()}
    return sorted(
        (
            JobRow(
                job.id or 0,
                job.task_name,
                label.get(str(job.status), str(job.status)) if job.status else "?",
                job.attempts,
                job.task_kwargs,
                job.scheduled_at,
            )
            for job in rows
        ),
        key=lambda r: -r.id,
    )


async def retry_failed(queue: procrastinate.App, job_id: int) -> None:
    """Queue a failed job again, to run now."""
    found = list(await queue.job_manager.list_jobs_async(id=job_id))
    if not found:
        raise NotFound("job_id", f"no job {job_id}")
    if str(found[0].status) != "failed":
        raise InvalidInput("job_id", f"job {job_id} is {found[0].status}, not failed; only a failed job is retried")
    try:
        await queue.job_manager.retry_job_by_id_async(job_id, retry_at=procrastinate.utils.utcnow())
    except ConnectorException as err:
        raise InvalidInput("job_id", f"job {job_id} cannot be retried: {err}") from None
