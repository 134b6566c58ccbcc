"""Campaign jobs: one send job per mass email (`MassEmailService.send` queues it; one at a time per email by its lock),
the nurture drips' tick every 5 minutes (`store.services.drips.advance_drips` queues the steps that fell due), and
every 15 minutes members sent a message with no bounce in NEXA_DELIVERED_AFTER_HOURS become delivered."""

from __future__ import annotations

from datetime import timedelta

from procrastinate import JobContext

from store.jobs.queue import RETRY, app
from store.jobs.worker import deps
from store.services import mass_events
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


@app.periodic(cron="*/15 * * * *", periodic_id="campaigns.delivered")
@app.task(name="campaigns.delivered", queueing_lock="campaigns.delivered", pass_context=True, retry=RETRY)
async def delivered(context: JobContext, timestamp: int) -> None:
    """Every 15 minutes: sent and not bounced for NEXA_DELIVERED_AFTER_HOURS -> delivered."""
    nexa = deps(context)
    async with nexa.db.session() as session:
        await mass_events.delivered(session, timedelta(hours=nexa.settings.delivered_after_h))
