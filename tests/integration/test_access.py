"""Permissions are enforced by the services, whatever the entry point."""

from __future__ import annotations

import pytest

from store.access import Actor
from store.auth import actor_for
from store.errors import PermissionDenied
from store.models.enums import Role
from store.services import DealService, LeadService, PipelineService, TaskService, TicketService, ViewService
from tests.support import factories


async def _world(s):
    john = await factories.user(s, name="John", team="Enterprise")
    mike = await factories.user(s, name="Mike", team="Enterprise")
    carl = await factories.user(s, name="Carl", team="Mid-Market")
    maria = await factories.user(s, name="Maria", role=Role.manager, team="Enterprise")
    sam = await factories.user(s, name="Sam", role=Role.support, team="Support")
    deal = await factories.deal(s, owner_id=mike.id, amount=1000)
    return {u.name.lower(): actor_for(u) for u in (john, mike, carl, maria, sam)}, deal


async def test_reps_write_their_own_and_read_their_teams(db):
    async with db.session() as s:
        who, deal = await _world(s)
        await DealService(s, who["mike"]).update(deal.id, {"amount": 2000})
        assert (await DealService(s, who["john"]).get(deal.id)).amount == 2000
        with pytest.raises(PermissionDenied):
            await DealService(s, who["john"]).move_stage(deal.id, "proposal")
        with pytest.raises(PermissionDenied):
            await DealService(s, who["carl"]).get(deal.id)
        with pytest.raises(PermissionDenied):
            await DealService(s, who["john"]).create({"deal_name": "For Mike", "owner_id": deal.owner_id})


async def test_managers_act_on_their_team_only(db):
    async with db.session() as s:
        who, deal = await _world(s)
        await DealService(s, who["maria"]).move_stage(deal.id, "proposal")
        carl_lead = await LeadService(s, who["carl"]).create(
            {"first_name": "C", "last_name": "L", "email": "cl@x.test", "source": "event"}
        )
        with pytest.raises(PermissionDenied):
            await LeadService(s, who["maria"]).set_status(carl_lead.id, "contacted")


async def test_support_reads_deals_works_tickets_and_writes_no_deals(db):
    async with db.session() as s:
        who, deal = await _world(s)
        assert (await DealService(s, who["sam"]).get(deal.id)).id == deal.id
        with pytest.raises(PermissionDenied):
            await DealService(s, who["sam"]).update(deal.id, {"amount": 1})
        with pytest.raises(PermissionDenied):
            await LeadService(s, who["sam"]).create(
                {"first_name": "A", "last_name": "B", "email": "ab@x.test", "source": "event"}
            )
        ticket = await TicketService(s, who["sam"]).create({"subject": "Login fails"})
        assert ticket.number >= 1001


async def test_a_customer_reaches_no_crm_record(db):
    async with db.session() as s:
        _, deal = await _world(s)
        customer = Actor.customer("session-1")
        for call in (
            DealService(s, customer).get(deal.id),
            PipelineService(s, customer).summary(),
            LeadService(s, customer).search(),
            TicketService(s, customer).search(),
        ):
            with pytest.raises(PermissionDenied):
                await call


async def test_an_accounts_view_names_no_parent_or_subsidiary_the_caller_may_not_read(db):
    async with db.session() as s:
        who, _ = await _world(s)
        mike, carl = who["mike"].user_id, who["carl"].user_id
        parent = await factories.account(s, account_name="Northwind Group", account_owner_id=carl)
        mine = await factories.account(
            s, account_name="Northwind EU", account_owner_id=mike, parent_account_id=parent.id
        )
        await factories.account(s, account_name="Northwind US", account_owner_id=carl, parent_account_id=mine.id)
        await factories.account(s, account_name="Northwind UK", account_owner_id=mike, parent_account_id=mine.id)
        seen = await ViewService(s, who["john"]).account_360(mine.id)
        assert seen["parent"] is None and [c["name"] for c in seen["children"]] == ["Northwind UK"]
        everything = await ViewService(s, who["sam"]).account_360(mine.id)  # support reads every account
        assert everything["parent"]["name"] == "Northwind Group"
        assert [c["name"] for c in everything["children"]] == ["Northwind UK", "Northwind US"]


async def test_a_task_described_across_the_team_only_for_a_manager_of_that_team(db):
    async with db.session() as s:
        who, _ = await _world(s)
        await TaskService(s, who["maria"]).create({"title": "Follow up #4242", "assignee_id": who["mike"].user_id})
        await TaskService(s, Actor.system()).create(
            {"title": "Follow up #4242 too", "assignee_id": who["carl"].user_id}
        )
        found = await TaskService(s, who["maria"]).described(["4242"], team=True)
        assert [task.title for task, _ in found] == ["Follow up #4242"]  # not the other team's
        with pytest.raises(PermissionDenied):
            await TaskService(s, who["john"]).described(["4242"], team=True)


async def test_pipeline_lists_only_what_the_caller_may_see(db):
    async with db.session() as s:
        who, _ = await _world(s)
        assert (await PipelineService(s, who["john"]).summary()).count == 1
        assert (await PipelineService(s, who["carl"]).summary()).count == 0
