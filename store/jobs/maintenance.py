"""Housekeeping for a server that runs for months: what expires is deleted, so tables stay the size of what is live."""

from __future__ import annotations

import logging

from procrastinate import JobContext

from store import idempotency, rate_limits
from store.jobs.queue import RETRY, app
from store.jobs.worker import deps
from store.knowledge.lexemes import compact_lexemes
from store.services.pipeline import compact_summary

log = logging.getLogger(__name__)

KEEP_JOBS_HOURS = 7 * 24  # finished jobs stay listed by `nexa jobs` for a week; failed ones stay until retried


@app.periodic(cron="17 * * * *", periodic_id="maintenance.prune")
@app.task(name="maintenance.prune", queueing_lock="maintenance.prune", pass_context=True, retry=RETRY)
async def prune(context: JobContext, timestamp: int) -> None:
    """Every hour: idempotency keys past their day, passed rate-limit windows, jobs that succeeded over a week ago."""
    db = deps(context).db
    keys = await idempotency.prune(db)
    windows = await rate_limits.prune(db)
    await context.app.job_manager.delete_old_jobs(nb_hours=KEEP_JOBS_HOURS)
    log.info("pruned %d idempotency keys and %d rate-limit windows", keys, windows)


@app.periodic(cron="* * * * *", periodic_id="pipeline.compact")
@app.task(name="pipeline.compact", queueing_lock="pipeline.compact", pass_context=True, retry=RETRY)
async def compact_pipeline(context: JobContext, timestamp: int) -> None:
    """Every minute: the pipeline summary's appended rows folded to one per key, so reading it stays a small scan."""
    async with deps(context).db.autocommit() as conn:
        folded = await compact_summary(conn)
    log.info("pipeline summary: %d rows folded", folded)


@app.periodic(cron="* * * * *", periodic_id="lexemes.compact")
@app.task(name="lexemes.compact", queueing_lock="lexemes.compact", pass_context=True, retry=RETRY)
async def compact_kb_lexemes(context: JobContext, timestamp: int) -> None:
    """Every minute: the knowledge base's appended lexeme figures folded to one row per lexeme, so a search reads one
    row per query term."""
    async with deps(context).db.autocommit() as conn:
        folded = await compact_lexemes(conn)
    log.info("kb lexemes: %d rows folded", folded)
