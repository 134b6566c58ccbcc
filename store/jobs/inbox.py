"""Shared-inbox jobs: sending a reply (one job per reply, queued with it)."""

from __future__ import annotations

from procrastinate import JobContext

from store.inbox.outbound import deliver
from store.jobs.queue import RETRY, app
from store.jobs.worker import deps


@app.task(name="inbox.send", pass_context=True, retry=RETRY)
async def send(context: JobContext, message_id: str) -> None:
    """Hand one queued reply to the SMTP server, at most once (see `store.inbox.outbound`)."""
    nexa = deps(context)
    await deliver(nexa.db, message_id, nexa.settings, last_attempt=context.job.attempts >= (RETRY.max_attempts or 0))
