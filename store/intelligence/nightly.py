"""The nightly insight pass: every open deal's AI fields, every account's health and every contact's engagement."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.clock import utcnow
from store.intelligence.account_health import refresh_account
from store.intelligence.deal_insights import refresh_open_deals
from store.intelligence.engagement import refresh_contact
from store.models import Account, Contact
from store.settings import Settings


async def refresh_all(session: AsyncSession, settings: Settings | None = None) -> dict[str, int]:
    """Refresh every open deal, every account and every contact; how many of each."""
    now = utcnow()
    deals = await refresh_open_deals(session, now, settings)
    accounts = contacts = 0
    for account in list(await session.scalars(select(Account).order_by(Account.id))):
        await refresh_account(session, account, now)
        accounts += 1
    for contact in list(await session.scalars(select(Contact).order_by(Contact.id))):
        await refresh_contact(session, contact, now)
        contacts += 1
    return {"deals": deals, "accounts": accounts, "contacts": contacts}
