"""Campaign jobs: one send job per mass email (`MassEmailService.send` queues it; one at a time per email by its lock),
and the nurture drips' tick every 5 minutes (`store.services.drips.advance_drips` queues the steps that fell due)."""

from __future__ import annotations

from procrastinate import JobContext

from store.jobs.queue import RETRY, app
from store.jobs.worker import deps
from store.services.drips import advance_drips
from store.services.mass_delivery import deliver_mass_email


@app.task(name="campaigns.send", pass_context=True, retry=RETRY)
async def send(context: JobContext, email_id: str) -> None:
    """Send a mass email to its pending recipients (resuming where a stopped run left off)."""
    nexa = deps(context)
    await deliver_mass_email(nexa.db, email_id, nexa.settings)


@app.periodic(cron="*/5 * * * *", periodic_id="campaigns.drips")
@app.task(name="campaigns.drips", queueing_lock="campaigns.drips", pass_context=True, retry=RETRY)
async def drips(context: JobContext, timestamp: int) -> None:
    """Every 5 minutes: the nurture drip steps that fell due are queued for sending."""
    async with deps(context).db.session() as session:
        await advance_drips(session)
