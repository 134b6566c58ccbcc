"""Lead-scoring jobs: a nightly retrain (once there are enough outcomes) and rescoring of the open leads."""

from __future__ import annotations

from procrastinate import JobContext

from store.intelligence.scoring import nightly as retrain_and_rescore
from store.jobs.queue import RETRY, app
from store.jobs.worker import deps


@app.periodic(cron="30 2 * * *", periodic_id="scoring.nightly")
@app.task(name="scoring.nightly", queueing_lock="scoring.nightly", pass_context=True, retry=RETRY)
async def nightly(context: JobContext, timestamp: int) -> None:
    """Every night at 02:30 UTC."""
    nexa = deps(context)
    async with nexa.db.session() as session:
        await retrain_and_rescore(session)
