"""Queueing a job inside a CRM transaction, through procrastinate's own SQL function (`procrastinate_defer_jobs_v1`).

A job so queued exists exactly when the write that asked for it commits (an approved email and its delivery
job, say), and its NOTIFY reaches the workers at commit. This module imports nothing of procrastinate, so
the services that queue jobs stay quick to import.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, :queueing_lock, CAST(:args AS jsonb), "
    ":at)::procrastinate_job_to_defer_v1]))"
)


async def defer(
    session: AsyncSession,
    task: str,
    *,
    lock: str | None = None,
    queueing_lock: str | None = None,
    queue: str = "default",
    at: datetime | None = None,
    **args: Any,
) -> int | None:
    """Queue `task(**args)` in the session's transaction; its id, or None when `queueing_lock` is already queued.

    `lock` runs jobs sharing it one at a time; `queueing_lock` keeps at most one of them waiting.
    """
    try:
        async with session.begin_nested():
            job_id: int = (
                await session.execute(
                    _DEFER,
                    {
                        "queue": queue,
                        "task": task,
                        "lock": lock,
                        "queueing_lock": queueing_lock,
                        "args": json.dumps(args),
                        "at": at,
                    },
                )
            ).scalar_one()
            return job_id
    except IntegrityError:
        if queueing_lock is None:
            raise
        return None
