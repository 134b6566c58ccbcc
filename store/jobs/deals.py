"""Insight jobs: a deal's AI fields after each change (`deals.refresh`, queued by `DealService`), and a nightly pass
over every open deal, account and contact (`insights.nightly`: win probability, risks, next best action,
account health / churn / lifetime value, contact engagement)."""

from __future__ import annotations

import uuid

from procrastinate import JobContext

from store.clock import utcnow
from store.intelligence.account_health import refresh_account
from store.intelligence.deal_insights import refresh_deal
from store.intelligence.engagement import refresh_contact
from store.intelligence.nightly import refresh_all
from store.jobs.queue import RETRY, app
from store.jobs.worker import deps
from store.models import Account, Contact, Deal


@app.task(name="deals.refresh", pass_context=True, retry=RETRY)
async def refresh(context: JobContext, deal_id: str) -> None:
    """Recompute one deal's stored insights, its account's health and its primary contact's engagement."""
    nexa = deps(context)
    async with nexa.db.session() as session:
        deal = await session.get(Deal, uuid.UUID(deal_id), with_for_update=True)
        if deal is None:
            return
        now = utcnow()
        await refresh_deal(session, deal, now, settings=nexa.settings)
        if deal.account_id and (account := await session.get(Account, deal.account_id)):
            await refresh_account(session, account, now)
        if deal.primary_contact_id and (contact := await session.get(Contact, deal.primary_contact_id)):
            await refresh_contact(session, contact, now)


@app.periodic(cron="0 3 * * *", periodic_id="insights.nightly")
@app.task(name="insights.nightly", queueing_lock="insights.nightly", pass_context=True, retry=RETRY)
async def nightly(context: JobContext, timestamp: int) -> None:
    """Every night at 03:00 UTC."""
    nexa = deps(context)
    async with nexa.db.session() as session:
        await refresh_all(session, nexa.settings)
