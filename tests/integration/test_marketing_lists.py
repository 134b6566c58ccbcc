"""Contact lists: static and dynamic (a JSON filter evaluated in SQL), previews, visibility, the seeded rule; campaign metrics."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, update

from store.auth import actor_for
from store.errors import InvalidInput, PermissionDenied
from store.models import CampaignMember, Contact, Deal, MassEmail, MassEmailSend
from store.models.enums import Role
from store.services import ViewService
from store.services.campaigns import CampaignService
from store.services.lists import ListService
from store.services.segments import ENTERPRISE_PROSPECTS
from tests.support import factories
from tests.support.factories import SYSTEM

CTO_AT_ENTERPRISE = {
    "and": [
        {"field": "contact.title", "op": "contains", "value": "cto"},
        {"field": "account.tier", "op": "eq", "value": "enterprise"},
    ]
}


@pytest.fixture
async def world(db, clock):
    async with db.session() as s:
        east = await factories.user(s, role=Role.rep, team="East", name="Rep East")
        west = await factories.user(s, role=Role.rep, team="West", name="Rep West")
        boss = await factories.user(s, role=Role.manager, team="East", name="Boss")
        big = await factories.account(s, account_name="Big Co", tier="enterprise", billing_address={"country": "DE"})
        small = await factories.account(s, account_name="Small Co", tier="smb")
        people = {
            "ann": await factories.contact(
                s, first_name="Ann", title="CTO", account_id=big.id, owner_id=east.id, email="ann@big.test"
            ),
            "bob": await factories.contact(
                s, first_name="Bob", title="CFO", account_id=big.id, owner_id=west.id, email="bob@big.test"
            ),
            "cid": await factories.contact(
                s, first_name="Cid", title="Cto", account_id=small.id, owner_id=east.id, email="cid@small.test"
            ),
            "dee": await factories.contact(
                s, first_name="Dee", title="CTO", account_id=big.id, owner_id=west.id, email="dee@big.test"
            ),
        }
    return {"east": actor_for(east), "west": actor_for(west), "boss": actor_for(boss), "people": people, "big": big}


async def test_a_dynamic_list_is_one_sql_query_and_follows_the_records(db, world):
    async with db.session() as s:
        service = ListService(s, SYSTEM)
        count, sample = await service.preview(CTO_AT_ENTERPRISE)
        assert count == 2 and {c.first_name for c in sample} == {"Ann", "Dee"}
        ctos = await service.create({"name": "Enterprise CTOs", "criteria": CTO_AT_ENTERPRISE})
        statements = []
        listen = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(s.bind.sync_engine, "before_cursor_execute", listen)
        try:
            assert await service.count(ctos) == 2
        finally:
            event.remove(s.bind.sync_engine, "before_cursor_execute", listen)
        assert len(statements) == 1 and "lower(contacts.title) LIKE" in statements[0]
    async with db.session() as s:  # Cid's account becomes enterprise: Cid is on the list, with nothing to refresh
        await s.execute(
            update(Contact).where(Contact.id == world["people"]["cid"].id).values(account_id=world["big"].id)
        )
    async with db.session() as s:
        members, total = await ListService(s, SYSTEM).members(ctos.id)
        assert total == 3 and [m.first_name for m in members] == sorted(m.first_name for m in members)


async def test_a_rep_sees_only_the_members_whose_contacts_they_may_read(db, world):
    async with db.session() as s:
        ctos = await ListService(s, world["east"]).create({"name": "CTOs", "criteria": CTO_AT_ENTERPRISE})
        vip = await ListService(s, world["east"]).create({"name": "VIP"})
        await ListService(s, world["east"]).add(vip.id, {"contact_ids": [world["people"]["ann"].id]})
        with pytest.raises(PermissionDenied) as denied:  # Bob is another team's contact: not linkable
            await ListService(s, world["east"]).add(vip.id, {"contact_ids": [world["people"]["bob"].id]})
        assert denied.value.field == "contact_ids"
    async with db.session() as s:
        _, east_total = await ListService(s, world["east"]).members(ctos.id)
        _, west_total = await ListService(s, world["west"]).members(ctos.id)
        _, all_total = await ListService(s, SYSTEM).members(ctos.id)
        count, _ = await ListService(s, world["east"]).preview(CTO_AT_ENTERPRISE)
    assert (east_total, west_total, all_total, count) == (1, 1, 2, 1)


@pytest.mark.parametrize(
    ("criteria", "field", "words"),
    [
        (
            {"field": "contact.shoe_size", "op": "eq", "value": "9"},
            "criteria.field",
            "unknown field 'contact.shoe_size'",
        ),
        (
            {"and": [{"field": "account.tier", "op": "eq", "value": "huge"}]},
            "criteria.and.0.value",
            "'huge' is not one of",
        ),
        (
            {"or": [{"field": "lead.score", "op": "contains", "value": "7"}]},
            "criteria.or.0.op",
            "does not apply to lead.score",
        ),
        (
            {"field": "contact.last_activity", "op": "within_days", "value": -3},
            "criteria.value",
            "whole number of days",
        ),
        (
            {
                "and": [{"field": "contact.title", "op": "eq", "value": "x"}],
                "or": [{"field": "contact.title", "op": "eq", "value": "y"}],
            },
            "criteria",
            "exactly one of 'and' or 'or'",
        ),
    ],
)
async def test_an_invalid_filter_names_the_place_and_saves_nothing(db, world, criteria, field, words):
    async with db.session() as s:
        with pytest.raises(InvalidInput) as bad:
            await ListService(s, SYSTEM).create({"name": "Bad", "criteria": criteria})
        assert bad.value.field == field and words in bad.value.reason
        total = (await ListService(s, SYSTEM).search())[1]
    assert total == 0


async def test_activity_rules_opened_recently_and_quiet_for_long(db, world, clock):
    ann, bob = world["people"]["ann"], world["people"]["bob"]
    async with db.session() as s:
        campaign = await CampaignService(s, SYSTEM).create({"name": "Q4 Promo", "type": "email"})
        email = MassEmail(campaign_id=campaign.id, subject="s", body="b")
        s.add(email)
        await s.flush()
        s.add_all(
            [
                MassEmailSend(
                    email_id=email.id, contact_id=ann.id, address=ann.email, opened_at=clock - timedelta(days=3)
                ),
                MassEmailSend(
                    email_id=email.id, contact_id=bob.id, address=bob.email, opened_at=clock - timedelta(days=45)
                ),
            ]
        )
        await s.execute(update(Contact).where(Contact.id == bob.id).values(last_activity=clock - timedelta(days=120)))
        await s.execute(update(Contact).where(Contact.id != bob.id).values(last_activity=clock - timedelta(days=5)))
    async with db.session() as s:
        opened, _ = await ListService(s, SYSTEM).preview(
            {"field": "activity.campaign_email_opened", "op": "within_days", "value": 30}
        )
        quiet, rows = await ListService(s, SYSTEM).preview(
            {"field": "contact.last_activity", "op": "not_within_days", "value": 90}
        )
        german, _ = await ListService(s, SYSTEM).preview({"field": "account.country", "op": "eq", "value": "de"})
    assert opened == 1 and quiet == 1 and rows[0].id == bob.id and german == 3


async def test_the_seeded_enterprise_prospects_rule_shows_on_the_360_view(db, world):
    async with db.session() as s:
        await ListService(s, SYSTEM).create({"name": "Enterprise Prospects", "criteria": ENTERPRISE_PROSPECTS})
        view = await ViewService(s, SYSTEM).contact_360(world["people"]["ann"].id)
        small = await ViewService(s, SYSTEM).contact_360(world["people"]["cid"].id)
    assert view["lists"] == ["Enterprise Prospects"] and small["lists"] == []


async def test_campaign_metrics_attribute_leads_deals_and_roi(db, world, clock):
    ann = world["people"]["ann"]
    async with db.session() as s:
        campaigns = CampaignService(s, SYSTEM)
        q4 = await campaigns.create({"name": "Q4 Promo", "type": "email", "budget": "5000", "actual_cost": "2000"})
        await campaigns.add_members(q4.id, {"contact_ids": [ann.id]})
        lead = await factories.lead(s, email="new@lead.test")
        s.add(CampaignMember(campaign_id=q4.id, lead_id=lead.id, lead_created=True))
        await s.flush()
        await s.execute(update(CampaignMember).values(added_at=clock - timedelta(days=10)))
        before = await factories.deal(
            s, amount=99999, primary_contact_id=ann.id
        )  # created before Ann joined: not influenced
        await s.execute(update(Deal).where(Deal.id == before.id).values(created_at=clock - timedelta(days=20)))
        await factories.deal(s, amount=10000, primary_contact_id=ann.id, stage="proposal")
        won = await factories.deal(s, amount=6000, primary_contact_id=ann.id)
        await s.execute(update(Deal).where(Deal.id == won.id).values(stage="closed_won"))
    async with db.session() as s:
        m = await CampaignService(s, SYSTEM).metrics(q4.id)
    assert (m.members, m.leads_created, m.influenced_deals) == (2, 1, 2)
    assert m.influenced_pipeline == Decimal("10000") and m.won_revenue == Decimal("6000")
    assert m.cost_per_lead == Decimal("2000.00") and m.roi == 2.0


async def test_lead_fields_match_the_lead_a_contact_came_from_by_conversion_or_by_email(db, world):
    async with db.session() as s:
        converted = await factories.lead(s, email="someone@else.test", score=80)
        converted.converted_contact_id = world["people"]["ann"].id
        await factories.lead(s, email="bob@big.test", score=90)
        await factories.lead(s, email="cid@small.test", score=20)
        await s.flush()
        count, sample = await ListService(s, SYSTEM).preview({"field": "lead.score", "op": "gte", "value": 75})
        assert count == 2 and [c.first_name for c in sample] == ["Ann", "Bob"]
        count, _ = await ListService(s, SYSTEM).preview({"field": "lead.score", "op": "lt", "value": 75})
        assert count == 1
