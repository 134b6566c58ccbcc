"""Account hierarchy, cycles and roll-ups."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from store.errors import Conflict, InvalidInput
from store.models import Account
from store.services import AccountService, DealService
from tests.support import factories
from tests.support.factories import SYSTEM


async def test_rollups_cover_the_account_and_all_descendants(db):
    async with db.session() as s:
        acme = await factories.account(s, account_name="Acme Corp")
        usa = await factories.account(s, account_name="Acme USA", parent_account_id=acme.id)
        east = await factories.account(s, account_name="Acme USA East", parent_account_id=usa.id)
        uk = await factories.account(s, account_name="Acme UK", parent_account_id=acme.id)
        deals = DealService(s, SYSTEM)
        await factories.deal(s, amount=50000, account_id=acme.id)
        won = await factories.deal(s, amount=20000, account_id=east.id)
        await deals.move_stage(won.id, "closed_won")
        lost = await factories.deal(s, amount=99999, account_id=uk.id)
        await deals.move_stage(lost.id, "closed_lost", reason="timing")
        await factories.deal(s, amount=5000, account_id=uk.id)
        accounts = AccountService(s, SYSTEM)
        top = await accounts.rollup(acme.id)
        assert (top.total_deal_value, top.total_closed_won, top.open_deals) == (
            Decimal("75000.00"),
            Decimal("20000.00"),
            2,
        )
        assert set(top.account_ids) == {acme.id, usa.id, east.id, uk.id}
        assert (await accounts.rollup(usa.id)).total_closed_won == Decimal("20000.00")


async def test_a_cycle_in_the_hierarchy_is_refused(db):
    async with db.session() as s:
        a = await factories.account(s, account_name="A")
        b = await factories.account(s, account_name="B", parent_account_id=a.id)
        c = await factories.account(s, account_name="C", parent_account_id=b.id)
        for parent in (c.id, a.id):
            with pytest.raises(InvalidInput) as err:
                await AccountService(s, SYSTEM).update(a.id if parent == c.id else a.id, {"parent_account_id": parent})
            assert err.value.field == "parent_account_id"
        assert (await s.get(Account, a.id)).parent_account_id is None


async def test_account_names_are_unique_regardless_of_case(db):
    async with db.session() as s:
        await factories.account(s, account_name="Initech")
    with pytest.raises(Conflict) as err:
        async with db.session() as s:
            await factories.account(s, account_name="INITECH")
    assert err.value.field == "account_name"
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Account)) == 1
