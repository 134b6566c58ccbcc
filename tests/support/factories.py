"""Small builders for test data, each going through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.models import User
from store.models.enums import Role, Seniority
from store.services import AccountService, ContactService, DealService, LeadService

SYSTEM = Actor.system()  # the seed's and the factories' actor: every right, no user

_n = itertools.count(1)


async def user(session: AsyncSession, *, role: Role = Role.rep, team: str | None = "Sales East", **kw: Any) -> User:
    n = next(_n)
    record = User(
        name=kw.pop("name", f"User {n}"),
        email=kw.pop("email", f"user{n}@nexa.test"),
        role=role,
        team=team,
        seniority=kw.pop("seniority", Seniority.standard),
        **kw,
    )
    session.add(record)
    await session.flush()
    return record


async def lead(session: AsyncSession, **kw: Any):
    n = next(_n)
    data = {
        "first_name": "Lead",
        "last_name": f"N{n}",
        "email": f"lead{n}@example.test",
        "source": "website",
        "company": f"Company {n}",
    } | kw
    return await LeadService(session, SYSTEM).create(data)


BANT = {"budget": "$50K approved", "authority": "decision-maker", "need": "current system inadequate", "timeline": "Q1"}


async def qualify(session: AsyncSession, lead_id: Any, **bant: str):
    """Qualify a lead with BANT answers (converting needs a qualified lead)."""
    return await LeadService(session, SYSTEM).set_status(lead_id, "qualified", bant=BANT | bant)


async def account(session: AsyncSession, **kw: Any):
    n = next(_n)
    return await AccountService(session, SYSTEM).create({"account_name": f"Account {n}"} | kw)


async def contact(session: AsyncSession, **kw: Any):
    n = next(_n)
    return await ContactService(session, SYSTEM).create(
        {"first_name": "Con", "last_name": f"Tact{n}", "email": f"contact{n}@example.test"} | kw
    )


async def deal(session: AsyncSession, **kw: Any):
    n = next(_n)
    return await DealService(session, SYSTEM).create({"deal_name": f"Deal {n}", "amount": 1000} | kw)
