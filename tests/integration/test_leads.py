"""Lead lifecycle and conversion against real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from store.clock import utcnow
from store.errors import Conflict, InvalidInput, InvalidTransition
from store.models import Account, Contact, Deal, Lead
from store.models.enums import DealStage, LeadStatus, LifecycleStage, RecordType
from store.services import EngagementService, LeadService
from store.services.timeline import timeline
from tests.support import factories
from tests.support.factories import SYSTEM


async def test_lifecycle_moves_forward_and_records_bant(db):
    async with db.session() as s:
        lead = await factories.lead(s)
        leads = LeadService(s, SYSTEM)
        await leads.set_status(lead.id, "contacted")
        await leads.set_status(
            lead.id,
            LeadStatus.qualified,
            bant={
                "budget": "$50K approved",
                "authority": "decision maker",
                "need": "current tool inadequate",
                "timeline": "Q1",
            },
        )
        assert (lead.status, lead.bant_budget, lead.bant_timeline) == (LeadStatus.qualified, "$50K approved", "Q1")
        with pytest.raises(InvalidTransition) as err:
            await leads.set_status(lead.id, "contacted")
        assert err.value.field == "status"
        entries = await timeline(s, RecordType.lead, lead.id)
        assert [e.action for e in entries][:2] == ["status_changed", "status_changed"]


async def test_lost_needs_a_reason(db):
    async with db.session() as s:
        lead = await factories.lead(s)
        with pytest.raises(InvalidInput) as err:
            await LeadService(s, SYSTEM).set_status(lead.id, "lost")
        assert err.value.field == "reason"
        await LeadService(s, SYSTEM).set_status(lead.id, "lost", reason="went with a competitor")
        assert lead.lost_reason == "went with a competitor"


async def test_logging_a_call_moves_last_contacted(db):
    async with db.session() as s:
        lead = await factories.lead(s)
        assert lead.last_contacted is None
        await EngagementService(s, SYSTEM).log_call({"lead_id": lead.id, "notes": "intro call", "duration": 300})
        assert lead.last_contacted is not None and lead.status is LeadStatus.contacted


async def test_conversion_creates_contact_account_and_deal(db):
    """The spec's example: Sarah converts into contact, account Acme Corp and a $50K deal."""
    async with db.session() as s:
        lead = await factories.lead(
            s,
            first_name="Sarah",
            last_name="Johnson",
            email="sarah@acme.test",
            company="Acme Corp",
            source="referral",
            title="VP Operations",
        )
        await factories.qualify(s, lead.id)
        result = await LeadService(s, SYSTEM).convert(
            lead.id, {"amount": "50000", "deal_name": "Acme Corp - Enterprise Plan"}
        )
    async with db.session() as s:
        lead = await s.get(Lead, lead.id)
        deal = await s.get(Deal, result.deal.id)
        contact = await s.get(Contact, result.contact.id)
        account = await s.get(Account, result.account.id)
        assert (
            lead.status is LeadStatus.converted
            and lead.converted_contact_id == contact.id
            and lead.converted_deal_id == deal.id
        )
        assert (contact.name, contact.account_id, contact.lifecycle_stage) == (
            "Sarah Johnson",
            account.id,
            LifecycleStage.opportunity,
        )
        assert account.account_name == "Acme Corp" and account.primary_contact_id == contact.id
        assert (deal.stage, deal.probability, deal.amount, deal.weighted_value) == (
            DealStage.qualification,
            25,
            Decimal("50000.00"),
            Decimal("12500.00"),
        )
        assert deal.close_date == (utcnow() + timedelta(days=90)).date()
        assert deal.primary_contact_id == contact.id and deal.account_id == account.id


async def test_conversion_links_an_existing_account_by_company(db):
    async with db.session() as s:
        existing = await factories.account(s, account_name="Globex")
        lead = await factories.lead(s, company="globex")
        await factories.qualify(s, lead.id)
        result = await LeadService(s, SYSTEM).convert(lead.id, {"create_deal": False})
        assert result.account.id == existing.id and result.deal is None


async def test_converting_twice_is_a_clear_error_and_creates_nothing(db):
    async with db.session() as s:
        lead = await factories.lead(s)
        await factories.qualify(s, lead.id)
        await LeadService(s, SYSTEM).convert(lead.id)
    with pytest.raises(Conflict) as err:
        async with db.session() as s:
            await LeadService(s, SYSTEM).convert(lead.id)
    assert err.value.field == "status" and "already converted" in err.value.reason
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Deal)) == 1
        assert await s.scalar(select(func.count()).select_from(Contact)) == 1


async def test_racing_conversions_produce_one_deal(db):
    async with db.session() as s:
        lead = await factories.lead(s)
        await factories.qualify(s, lead.id)

    async def convert():
        async with db.session() as s:
            await LeadService(s, SYSTEM).convert(lead.id, {"amount": 1000})

    results = await asyncio.gather(*(convert() for _ in range(4)), return_exceptions=True)
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if r is not None)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Deal)) == 1
        assert await s.scalar(select(func.count()).select_from(Contact)) == 1
        assert await s.scalar(select(func.count()).select_from(Account)) == 1
