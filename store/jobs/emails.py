"""Email jobs: one delivery job per approved message (`EmailService.send` queues it)."""

from __future__ import annotations

from procrastinate import JobContext

from store.jobs.queue import RETRY, app
from store.jobs.worker import deps
from store.services.email_delivery import deliver as deliver_email


@app.task(name="emails.deliver", pass_context=True, retry=RETRY)
async def deliver(context: JobContext, email_id: str) -> None:
    """Hand one queued email to the SMTP server, at most once (see `store.services.email_delivery`)."""
    nexa = deps(context)
    await deliver_email(
        nexa.db, email_id, nexa.settings, last_attempt=context.job.attempts >= (RETRY.max_attempts or 0)
    )
