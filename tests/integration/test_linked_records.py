"""Writes reach only records their caller may read: lead conversion over the demo seed, and racing conversions."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from store.auth import actor_for_email
from store.errors import Conflict, PermissionDenied
from store.models import Account, Contact, Deal, Lead, Order
from store.models.enums import AccountType, LifecycleStage
from store.seed import seed
from store.services import AccountService, DealService, LeadService
from store.services.proposals import ProposalService
from tests.support import factories
from tests.support.factories import SYSTEM


@pytest.fixture
async def demo(db):
    await seed(db)

    async def as_(email: str):
        async with db.session() as s:
            return await actor_for_email(s, email)

    return as_


async def _snapshot(db):
    async with db.session() as s:
        acme = await s.scalar(select(Account).where(Account.account_name == "Acme Corp"))
        tom = await s.scalar(select(Contact).where(Contact.email == "tom.smith@acme.test"))
        orders = await s.scalar(select(func.count()).select_from(Order).where(Order.account_id == acme.id))
        return acme.id, tom.id, acme.type, tom.lifecycle_stage, tom.account_id, orders


@pytest.mark.parametrize("company", ["Acme Corp", "ACME CORP", " acme corp "])
async def test_carlos_cannot_convert_his_way_into_acme(db, demo, company):
    """The issue's repro: a lead with Acme's contact email and company converts without touching Acme or Tom Smith."""
    carlos = await demo("carlos@nexa.test")
    before = await _snapshot(db)
    async with db.session() as s:
        lead = await LeadService(s, carlos).create(
            {
                "first_name": "Tom",
                "last_name": "Smith",
                "email": "tom.smith@acme.test",
                "company": company,
                "source": "website",
            }
        )
        await factories.qualify(s, lead.id)
        await s.commit()
    with pytest.raises(Conflict) as err:  # raised out of the session: the request's transaction rolls back
        async with db.session() as s:
            await LeadService(s, carlos).convert(lead.id, {"amount": 5000})
    assert err.value.field == "company"
    async with db.session() as s:
        assert (await s.get(Lead, lead.id)).converted_account_id is None
        assert await s.scalar(
            select(func.count()).select_from(Deal).where(Deal.account_id == before[0])
        ) == await s.scalar(
            select(func.count()).select_from(Deal).where(Deal.account_id == before[0], Deal.owner_id != carlos.user_id)
        )
    assert await _snapshot(db) == before


async def test_an_existing_contact_by_email_is_linked_only_when_readable(db, demo):
    carlos = await demo("carlos@nexa.test")
    async with db.session() as s:
        lead = await LeadService(s, carlos).create(
            {
                "first_name": "Tom",
                "last_name": "Smith",
                "email": "tom.smith@acme.test",
                "company": "Smithworks",
                "source": "website",
            }
        )
        await factories.qualify(s, lead.id)
        await s.commit()
    with pytest.raises(Conflict) as err:
        async with db.session() as s:
            await LeadService(s, carlos).convert(lead.id)
    assert err.value.field == "email"
    async with db.session() as s:
        assert (
            await s.scalar(select(Account).where(Account.account_name == "Smithworks")) is None
        )  # nothing half-written


async def test_convert_into_another_teams_account_or_deal_on_it_is_refused(db, demo):
    carlos = await demo("carlos@nexa.test")
    before = await _snapshot(db)
    acme_id, tom_id = before[0], before[1]
    async with db.session() as s:
        lead = await LeadService(s, carlos).create(
            {
                "first_name": "Ann",
                "last_name": "Other",
                "email": "ann@other.test",
                "company": "Other Co",
                "source": "website",
            }
        )
        await factories.qualify(s, lead.id)
        await s.commit()
    for attempt in (
        lambda s: LeadService(s, carlos).convert(lead.id, {"account_id": acme_id}),
        lambda s: DealService(s, carlos).create({"deal_name": "Sneaky", "amount": 1, "account_id": acme_id}),
        lambda s: DealService(s, carlos).create({"deal_name": "Sneaky", "amount": 1, "primary_contact_id": tom_id}),
        lambda s: AccountService(s, carlos).create({"account_name": "Acme Child", "parent_account_id": acme_id}),
    ):
        with pytest.raises(PermissionDenied) as err:
            async with db.session() as s:
                await attempt(s)
        assert err.value.field in ("account_id", "primary_contact_id", "parent_account_id")
    assert await _snapshot(db) == before


async def test_a_readable_account_with_the_company_name_is_linked_and_won(db, demo):
    john = await demo("john@nexa.test")  # Acme's team
    async with db.session() as s:
        lead = await LeadService(s, john).create(
            {
                "first_name": "Nia",
                "last_name": "Newhire",
                "email": "nia@acme.test",
                "company": "acme corp",
                "source": "referral",
            }
        )
        await factories.qualify(s, lead.id)
        done = await LeadService(s, john).convert(lead.id, {"amount": 1000})
        await DealService(s, john).move_stage(done.deal.id, "closed_won")
        await s.commit()
        assert done.account.account_name == "Acme Corp" and done.contact.lifecycle_stage is LifecycleStage.customer
        assert done.account.type is AccountType.customer


async def test_ten_racing_conversions_into_one_new_company_share_one_account(db):
    """Ten sessions convert leads of "SameCorp X" at once: all succeed, linking the one account the first created."""
    async with db.session() as s:
        rep = await factories.user(s, team="East")
        ids = [(await factories.lead(s, company="SameCorp X", assigned_to_id=rep.id)).id for _ in range(10)]
        for lead_id in ids:
            await factories.qualify(s, lead_id)
        await s.commit()
    start = asyncio.Event()

    async def convert(lead_id):
        async with db.session() as s:
            await start.wait()
            done = await LeadService(s, SYSTEM).convert(lead_id, {"amount": 100})
            await asyncio.sleep(0.01)  # hold the transaction open so the others collide with it
            await s.commit()
            return done.account.id

    tasks = [asyncio.create_task(convert(i)) for i in ids]
    await asyncio.sleep(0.05)
    start.set()
    accounts = await asyncio.gather(*tasks)
    assert len(set(accounts)) == 1
    async with db.session() as s:
        assert (
            await s.scalar(select(func.count()).select_from(Account).where(Account.account_name == "samecorp x")) == 1
        )
        assert (
            await s.scalar(select(func.count()).select_from(Lead).where(Lead.converted_account_id == accounts[0])) == 10
        )
        account = await s.get(Account, accounts[0])
        assert account.primary_contact_id is not None


async def test_a_proposal_never_names_a_record_its_caller_cannot_read(db, demo):
    async with db.session() as s:
        carlos, john = await actor_for_email(s, "carlos@nexa.test"), await actor_for_email(s, "john@nexa.test")
        acme = await s.scalar(select(Deal).where(Deal.deal_name.ilike("Acme%")))
        assert (await ProposalService(s, john).target("deal", acme.id)).id == acme.id
        with pytest.raises(PermissionDenied) as err:
            await ProposalService(s, carlos).target("deal", acme.id)
        assert err.value.field == "deal_id"
