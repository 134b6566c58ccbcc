"""Commissions, reports and the stored deal insights against real PostgreSQL; the HTTP routes and the CLI through
a live server and the real `nexa` command. The clock is pinned."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.auth import actor_for
from store.clock import pinned
from store.errors import InvalidInput, InvalidTransition, PermissionDenied
from store.intelligence.deal_insights import fit_win_model, refresh_deal
from store.models import Activity, CommissionLine, CustomerSuccessHandoff, Deal, Order, Quota
from store.models.enums import DealStage, OrderStatus, Role
from store.services import DealService, EngagementService
from store.services.commissions import CommissionService
from store.services.reports import ReportService
from store.settings import Settings
from tests.support import factories
from tests.support.cli import nexa as run_nexa
from tests.support.factories import SYSTEM
from tests.support.scripted_models import ScriptedModel, call, say

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


async def _sales(s):
    admin = actor_for(await factories.user(s, role=Role.admin, name="Ada", team=None))
    john = await factories.user(s, name="John", team="East")
    carl = await factories.user(s, name="Carl", team="West")
    maria = await factories.user(s, name="Maria", role=Role.manager, team="East")
    return admin, john, carl, maria


async def _won(s, owner, amount, *, source="referral", **kw) -> Deal:
    deal = await factories.deal(s, amount=amount, owner_id=owner.id, lead_source=source, **kw)
    return await DealService(s, SYSTEM).move_stage(deal.id, "closed_won")


async def test_a_negative_or_percent_rate_is_refused_naming_the_field(db, clock):
    async with db.session() as s:
        admin, *_ = await _sales(s)
        for data, field in (
            ({"rate": "-0.1"}, "rate"),
            ({"rate": "8"}, "rate"),
            ({"rate": "0.1", "quota": "100", "accelerator_rate": "-1"}, "accelerator_rate"),
            ({"rate": "0.1", "quota": "-5", "accelerator_rate": "0.2"}, "quota"),
            ({"rate": "0.1", "quota": "100"}, "accelerator_rate"),
        ):
            with pytest.raises(InvalidInput) as err:
                await CommissionService(s, admin).create_plan({"name": "bad"} | data)
            assert err.value.field == field


async def test_commission_lines_at_closed_won_with_accelerator_and_reversal_on_reopen(db, clock):
    async with db.session() as s:
        admin, john, carl, maria = await _sales(s)
        await CommissionService(s, admin).create_plan({"name": "Everyone 5%", "rate": "0.05"})
        await CommissionService(s, actor_for(maria)).create_plan(
            {
                "name": "East 10%, 15% above 100k",
                "team": "East",
                "rate": "0.10",
                "quota": 100000,
                "accelerator_rate": "0.15",
            }
        )
        with pytest.raises(InvalidInput):  # a manager sets plans for their own team only
            await CommissionService(s, actor_for(maria)).create_plan({"name": "West", "team": "West", "rate": "0.2"})
        await _won(s, john, 80000)
        second = await _won(s, john, 40000, type="upsell")
        await _won(s, carl, 10000)
        lines = {
            line.amount for line in await s.scalars(select(CommissionLine).where(CommissionLine.user_id == john.id))
        }
        assert lines == {Decimal("8000.00"), Decimal("5000.00")}  # 20k x 10% + 20k x 15% above the quota
        assert await s.scalar(select(CommissionLine.amount).where(CommissionLine.user_id == carl.id)) == Decimal(
            "500.00"
        )
        reopened = await DealService(s, actor_for(john)).reopen(
            second.id, "negotiation", reason="customer's legal team reopened the terms"
        )
        assert (reopened.stage, reopened.closed_at) == (DealStage.negotiation, None)
        assert (await s.scalar(select(Order).where(Order.deal_id == second.id))).status is OrderStatus.cancelled
        assert (
            await s.scalar(select(CustomerSuccessHandoff).where(CustomerSuccessHandoff.deal_id == second.id))
        ).status == "withdrawn"
        statement = await CommissionService(s, actor_for(john)).statement(start=YEAR[0], end=YEAR[1])
        assert statement.total == Decimal("8000.00") and [line["reversal"] for line in statement.lines] == [
            False,
            False,
            True,
        ]
        await DealService(s, actor_for(john)).move_stage(second.id, "closed_won")  # won again: earned again, once
        assert (await CommissionService(s, actor_for(john)).statement(start=YEAR[0], end=YEAR[1])).total == Decimal(
            "13000.00"
        )
        with pytest.raises(PermissionDenied):
            await CommissionService(s, actor_for(carl)).statement(user_id=john.id, start=YEAR[0], end=YEAR[1])
        assert (
            await CommissionService(s, actor_for(maria)).statement(user_id=john.id, start=YEAR[0], end=YEAR[1])
        ).total == Decimal("13000.00")
        with pytest.raises(InvalidInput) as err:
            await DealService(s, actor_for(john)).reopen(second.id, "closed_lost", reason="x")
        assert err.value.field == "stage"
        with pytest.raises(InvalidTransition):
            await DealService(s, actor_for(john)).move_stage(second.id, "proposal")  # closed: reopen it instead


async def test_reports_say_how_and_an_empty_period_is_empty(db, clock):
    async with db.session() as s:
        admin, john, carl, maria = await _sales(s)
        await _won(s, john, 30000, source="referral")
        await _won(s, carl, 10000, source="website")
        lost = await factories.deal(s, amount=5000, owner_id=john.id, lead_source="website")
        await DealService(s, SYSTEM).move_stage(lost.id, "closed_lost", reason="price")
        await factories.lead(s, source="website")
        s.add(Quota(user_id=john.id, period_start=date(2026, 4, 1), period_end=date(2026, 6, 30), amount=60000))
        await s.flush()
        reports = ReportService(s, admin)
        win = await reports.run("win_rate", start=YEAR[0], end=YEAR[1], group_by="source")
        assert [(r["key"], r["won"], r["closed"], r["win_rate"]) for r in win.rows] == [
            ("referral", 1, 1, 1.0),
            ("website", 1, 2, 0.5),
        ]
        assert win.total["win_rate"] == round(2 / 3, 4) and "won / (won + lost)" in win.method
        by_rep = await reports.run("avg_deal_size", start=YEAR[0], end=YEAR[1], group_by="rep")
        assert {r["key"]: r["avg_deal_size"] for r in by_rep.rows} == {
            "Carl": Decimal("10000.00"),
            "John": Decimal("30000.00"),
        }
        stages = await reports.run("stage_conversion", start=YEAR[0], end=YEAR[1])
        assert [(r["stage"], r["entered"], r["moved_on"]) for r in stages.rows] == [("qualification", 3, 2)]
        leads = await reports.run("lead_conversion", start=YEAR[0], end=YEAR[1])
        assert [(r["key"], r["leads"], r["converted"]) for r in leads.rows] == [("website", 1, 0)]
        quota = await reports.run("quota_attainment", start=YEAR[0], end=YEAR[1])
        assert [(r["key"], r["attainment"]) for r in quota.rows] == [("John", 0.5)]
        mine = await ReportService(s, actor_for(carl)).run("win_rate", start=YEAR[0], end=YEAR[1])
        assert mine.total["closed"] == 1  # Carl sees only his team's deals
        for metric in (
            "win_rate",
            "avg_deal_size",
            "sales_cycle",
            "stage_conversion",
            "lead_conversion",
            "quota_attainment",
        ):
            empty = await reports.run(metric, start=date(2020, 1, 1), end=date(2020, 3, 31), group_by="rep")
            assert (empty.rows, empty.total) == ([], None) and empty.method
        with pytest.raises(InvalidInput) as err:
            await reports.run("win_rate", start=YEAR[1], end=YEAR[0])
        assert err.value.field == "end"
        with pytest.raises(InvalidInput) as err:
            await reports.run("happiness", start=YEAR[0], end=YEAR[1])
        assert err.value.field == "metric"
        with pytest.raises(PermissionDenied):
            await ReportService(s, actor_for(await factories.user(s, role=Role.support))).run(
                "win_rate", start=YEAR[0], end=YEAR[1]
            )


async def test_win_probability_is_trained_once_there_are_enough_closed_deals(db, clock):
    async with db.session() as s:
        _, john, *_ = await _sales(s)
        for i in range(12):  # of 12 deals that reached negotiation, 9 won
            deal = await factories.deal(s, owner_id=john.id, stage="negotiation")
            await DealService(s, SYSTEM).move_stage(deal.id, "closed_won" if i < 9 else "closed_lost", reason="price")
        for _ in range(8):  # 8 lost in qualification
            deal = await factories.deal(s, owner_id=john.id)
            await DealService(s, SYSTEM).move_stage(deal.id, "closed_lost", reason="no budget")
        model = await fit_win_model(s)
        assert (
            model.closed == 20
            and model.reached[DealStage.negotiation] == (12, 9)
            and model.reached[DealStage.qualification] == (20, 9)
        )
        open_deal = await factories.deal(s, owner_id=john.id, stage="negotiation")
        found = await refresh_deal(s, open_deal, NOW, model=model, settings=Settings())
        assert found.win_probability == round((9 + 5 * 0.75) / (12 + 5), 4)
        assert "model on 20 closed deals: 9 of the 12 that reached negotiation were won" in found.basis
        few = await refresh_deal(s, open_deal, NOW, model=model, settings=Settings(win_model_min_deals=50))
        assert few.win_probability == 0.75 and "stage probability" in few.basis


async def test_risk_factors_single_threaded_slipped_quiet(db):
    with pinned(NOW - timedelta(days=30)):
        async with db.session() as s:
            _, john, *_ = await _sales(s)
            sarah = await factories.contact(s, first_name="Sarah", last_name="Johnson")
            deal = await factories.deal(
                s,
                owner_id=john.id,
                stage="proposal",
                primary_contact_id=sarah.id,
                close_date=(NOW + timedelta(days=5)).date(),
            )
            await EngagementService(s, actor_for(john)).log_call(
                {"deal_id": deal.id, "contact_id": sarah.id, "notes": "intro"}
            )
    with pinned(NOW):
        async with db.session() as s:
            await DealService(s, SYSTEM).update(
                deal.id, {"close_date": (NOW + timedelta(days=40)).date(), "competitors": ["Salesforce"]}
            )
            deal = await s.get(Deal, deal.id)
            found = await refresh_deal(s, deal, NOW, settings=Settings())
            assert found.risk_factors == [
                "stuck in proposal for 30 days (>= 14): risk of stalling",
                "close date slipped 1 time",
                "no activity for 30 days",
                "single-threaded: only Sarah Johnson is involved",
                "competitor named: Salesforce",
            ]
            tom = await factories.contact(s, first_name="Tom", last_name="Smith")
            await EngagementService(s, actor_for(john)).log_call(
                {"deal_id": deal.id, "contact_id": tom.id, "notes": "pricing"}
            )
            again = await refresh_deal(s, deal, NOW, settings=Settings())
            assert not any(r.startswith(("single-threaded", "no activity")) for r in again.risk_factors)


async def test_http_routes_and_bad_input(db):
    async with db.session() as s:
        admin = await factories.user(s, role=Role.admin, name="Ada", team=None)
        john = await factories.user(s, name="John", team="East")
        wes = await factories.user(s, name="Wes", team="West")
        token, john_token, wes_token = (
            await issue_token(s, admin),
            await issue_token(s, john),
            await issue_token(s, wes),
        )
        account = await factories.account(
            s, account_name="Acme Corp", account_owner_id=john.id, annual_revenue=8_000_000
        )
        await factories.account(
            s, account_name="Acme UK", parent_account_id=account.id, annual_revenue=2_000_000, account_owner_id=john.id
        )
        deal = await factories.deal(s, owner_id=john.id, account_id=account.id, amount=50000)
    app = create_app(db, settings=Settings(), agent=Agent(db, ScriptedModel(say("ok"))))
    async with AsyncTestClient(app, base_url="http://testserver.local/api/v1") as http:
        api, rep = {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {john_token}"}
        bad = await http.post("/commissions/plans", json={"name": "Bad", "rate": -0.05}, headers=api)
        assert bad.status_code == 400 and bad.json()["field"] == "rate"
        assert (
            await http.post("/commissions/plans", json={"name": "All 10%", "rate": 0.1}, headers=api)
        ).status_code == 201
        assert (
            await http.post("/commissions/plans", json={"name": "Mine", "rate": 0.5}, headers=rep)
        ).status_code == 403
        lost = await http.post(
            f"/deals/{deal.id}/stage", json={"stage": "closed_lost"}, headers=rep
        )  # the board's move breaking a rule
        assert lost.status_code == 400 and lost.json()["field"] == "lost_reason"
        assert (
            await http.post(f"/deals/{deal.id}/stage", json={"stage": "closed_won"}, headers=rep)
        ).status_code == 200
        empty = await http.get(
            "/reports/win_rate", params={"start": "2020-01-01", "end": "2020-03-31", "group_by": "source"}, headers=rep
        )
        assert empty.status_code == 200 and empty.json()["rows"] == [] and empty.json()["method"]
        backwards = await http.get(
            "/reports/win_rate", params={"start": "2026-12-31", "end": "2026-01-01"}, headers=rep
        )
        assert backwards.status_code == 400 and backwards.json()["field"] == "end"
        assert (await http.get("/reports/nonsense", headers=rep)).json()["field"] == "metric"
        whole = {"start": "2020-01-01", "end": "2030-12-31"}
        statement = (await http.get("/commissions/statement", params=whole, headers=rep)).json()
        assert statement["total"] == "5000.00"
        reopened = await http.post(
            f"/deals/{deal.id}/reopen", json={"stage": "negotiation", "reason": "terms reopened"}, headers=rep
        )
        assert reopened.json()["stage"] == "negotiation"
        assert (await http.get("/commissions/statement", params=whole, headers=rep)).json()["total"] == "0.00"
        assert (await http.get(f"/accounts/{account.id}/consolidated", headers=rep)).json()[
            "annual_revenue"
        ] == "10000000.00"
        health = (await http.get(f"/accounts/{account.id}/health", headers=rep)).json()
        assert 0 <= health["health_score"] <= 100 and health["factors"][0]["factor"] == "base"
        sponsor = await http.put(
            f"/accounts/{account.id}/team/{admin.id}", json={"role": "executive_sponsor"}, headers=rep
        )
        assert sponsor.json()["items"][-1]["role"] == "executive_sponsor"
        assert (await http.put(f"/accounts/{account.id}/team/{admin.id}", json={"role": "boss"}, headers=rep)).json()[
            "field"
        ] == "role"
        other_team = await http.delete(
            f"/accounts/{account.id}/team/{admin.id}", headers={"Authorization": f"Bearer {wes_token}"}
        )
        assert other_team.status_code in (403, 404)  # another team's account: refused, the member stays
        removed = await http.delete(f"/accounts/{account.id}/team/{admin.id}", headers=rep)
        assert removed.status_code == 200 and str(admin.id) not in {m["user_id"] for m in removed.json()["items"]}
        again = await http.delete(f"/accounts/{account.id}/team/{admin.id}", headers=rep)
        assert again.status_code == 404 and again.json()["field"] == "user_id"
        assert (await http.get("/handoffs", params={"status": "withdrawn"}, headers=rep)).json()["items"][0][
            "deal_id"
        ] == str(deal.id)
        assert (await http.get("/notifications", headers=rep)).json() == {"unread": 0, "items": []}
    async with db.session() as s:
        team_changes = set(await s.scalars(select(Activity.subject).where(Activity.action == "team_changed")))
    assert team_changes == {
        "Ada joins the Acme Corp team as executive sponsor",
        "Ada leaves the Acme Corp team (executive sponsor)",
    }


@pytest.fixture
async def cli_crm(db):
    async with db.session() as s:
        await factories.user(s, role=Role.admin, name="Ada", email="ada@nexa.test", team=None)
        john = await factories.user(s, name="John", email="john@nexa.test", team="East")
        with pinned(NOW):
            await _won(s, john, 20000)


def test_the_nexa_commands(database_url, cli_crm):
    def nexa(*args: str) -> subprocess.CompletedProcess[str]:
        return run_nexa(
            *args, env={"DATABASE_URL": database_url, "COLUMNS": "200", "NEXA_NOW": "2026-06-10T09:00:00+00:00"}
        )

    bad = nexa("commissions", "plan", "--as", "ada@nexa.test", "--name", "Bad", "--rate", "-0.1")
    assert bad.returncode == 2 and "rate" in bad.stdout
    assert nexa("commissions", "plan", "--as", "ada@nexa.test", "--name", "All 10%", "--rate", "0.1").returncode == 0
    report = nexa("report", "win_rate", "--as", "ada@nexa.test", "--by", "rep", "--json")
    assert report.returncode == 0, report.stderr
    assert [(r["key"], r["won"]) for r in json.loads(report.stdout)["rows"]] == [("John", 1)]
    empty = nexa("report", "sales_cycle", "--as", "ada@nexa.test", "--from", "2020-01-01", "--to", "2020-02-01")
    assert empty.returncode == 0 and "no data in this period" in empty.stdout
    statement = nexa("commissions", "statement", "--as", "john@nexa.test")
    assert statement.returncode == 0 and "total: 0.00" in statement.stdout  # the plan came after the win


async def test_the_assistant_answers_win_rate_by_source_this_year_with_the_method(db, clock):
    """The issue's question, through the agent loop with a scripted model: the tool gives the numbers and the method."""
    async with db.session() as s:
        _, john, carl, maria = await _sales(s)
        await _won(s, john, 30000, source="referral")
        lost = await factories.deal(s, amount=5000, owner_id=john.id, lead_source="website")
        await DealService(s, SYSTEM).move_stage(lost.id, "closed_lost", reason="price")
    model = ScriptedModel(
        call("sales_report", {"metric": "win_rate", "group_by": "source", "period": "this_year"}),
        lambda messages: say(_win_rate_answer(json.loads(messages[-1].content)["data"])),
    )
    result = await Agent(db, model).run(actor_for(maria), "what's our win rate by source this year?")
    assert [c["name"] for c in result.tool_calls] == ["sales_report"] and result.tool_calls[0]["ok"]
    assert result.answer == (
        "referral: 100% (1 of 1); website: 0% (0 of 1). "
        "How: deals closed (won or lost) with closed_at in the period; win rate = won / (won + lost), by count"
    )


def _win_rate_answer(report: dict) -> str:
    rows = "; ".join(f"{r['key']}: {r['win_rate']:.0%} ({r['won']} of {r['closed']})" for r in report["rows"])
    return f"{rows}. How: {report['method']}"
