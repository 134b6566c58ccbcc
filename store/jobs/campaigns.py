"""Campaign jobs: one send job per mass email (`MassEmailService.send` queues it; one at a time per email by its lock)."""

from __future__ import annotations

from procrastinate import JobContext

from store.jobs.queue import RETRY, app
from store.jobs.worker import deps
from store.services.mass_delivery import deliver_mass_email


@app.task(name="campaigns.send", pass_context=True, retry=RETRY)
async def send(context: JobContext, email_id: str) -> None:
    """Send a mass email to its pending recipients (resuming where a stopped run left off)."""
    nexa = deps(context)
    await deliver_mass_email(nexa.db, email_id, nexa.settings)
