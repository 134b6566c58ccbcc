"""`/api/v1` sales routes: reports, commissions, notifications, account insights, the handoff list, reopening a deal.

Thin over the services (store/services/reports.py, commissions.py, notifications.py, account_insights.py, deals.py);
annotations are real classes at definition time, because Litestar reads them (see resources.py).
"""

import uuid
from dataclasses import asdict
from typing import Annotated, Any

from litestar import Request, Router, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from pydantic import BaseModel, Field

from bots.http.resources import record
from bots.http.responses import (
    AccountHealth,
    AccountTeam,
    CommissionPlanOut,
    CommissionPlans,
    CommissionStatement,
    Consolidated,
    CsHandoff,
    CsHandoffs,
    DealOut,
    Marked,
    NotificationOut,
    Notifications,
    ReportOut,
    TeamMember,
)
from bots.http.state import Caller, Nexa
from store.access import redact
from store.clock import today
from store.models.enums import DealStage
from store.schemas import Day, Input, parse
from store.serialize import plain, to_dict
from store.services import DealService
from store.services.account_insights import AccountInsightService
from store.services.audit import audit
from store.services.commissions import CommissionService, PlanCreate
from store.services.notifications import NotificationService
from store.services.reports import ReportService


class Period(Input):
    start: Day | None = None
    end: Day | None = None
    group_by: str = Field("none", max_length=20)


def _period(query: dict[str, Any]) -> tuple[Any, Any, str]:
    """start/end from the query (default: this calendar year), and group_by."""
    values = parse(Period, query)
    now = today()
    return values.start or now.replace(month=1, day=1), values.end or now.replace(month=12, day=31), values.group_by


@get(
    "/reports/{metric:str}",
    tags=["reports"],
    description="Query: start, end (default: this year), group_by (rep, team, source, period, none).",
)
async def report(request: Request, nexa: Nexa, actor: Caller, metric: FromPath[str]) -> ReportOut:
    """A sales report with how it was computed; a period with no data gives no rows."""
    start, end, group_by = _period(dict(request.query_params))
    async with nexa.db.session() as session:
        return ReportOut(
            **redact(
                actor,
                (await ReportService(session, actor).run(metric, start=start, end=end, group_by=group_by)).to_dict(),
            )
        )


@get(
    "/commissions/statement",
    tags=["commissions"],
    description="Query: user_id (default: the caller), start, end (default: this year).",
)
async def commission_statement(
    request: Request, nexa: Nexa, actor: Caller, user_id: FromQuery[uuid.UUID | None] = None
) -> CommissionStatement:
    """A rep's commission lines and total in the period."""
    query = {k: v for k, v in request.query_params.items() if k != "user_id"}
    start, end, _ = _period(query)
    async with nexa.db.session() as session:
        return CommissionStatement(
            **plain(asdict(await CommissionService(session, actor).statement(user_id=user_id, start=start, end=end)))
        )


@get("/commissions/plans", tags=["commissions"])
async def commission_plans(nexa: Nexa, actor: Caller) -> CommissionPlans:
    """Active commission plans the caller may see."""
    async with nexa.db.session() as session:
        return CommissionPlans(
            items=[CommissionPlanOut(**to_dict(p)) for p in await CommissionService(session, actor).plans()]
        )


@post("/commissions/plans", status_code=201, tags=["commissions"])
async def create_commission_plan(nexa: Nexa, actor: Caller, data: JSONBody[PlanCreate]) -> CommissionPlanOut:
    """A commission plan (rate 0-1 of the amount; accelerator_rate above quota); a negative rate is a 400 naming the field."""
    async with nexa.db.session() as session:
        plan = await CommissionService(session, actor).create_plan(data)
        await audit(
            session,
            actor,
            action="api:commissions.plan",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[plan.id],
        )
        return CommissionPlanOut(**to_dict(plan))


@get("/notifications", tags=["notifications"])
async def notifications(
    nexa: Nexa, actor: Caller, unread_only: FromQuery[bool] = False, limit: Annotated[int, Parameter(ge=1, le=200)] = 50
) -> Notifications:
    """The caller's notifications, newest first, and the unread count."""
    async with nexa.db.session() as session:
        rows, unread = await NotificationService(session, actor).mine(unread_only=unread_only, limit=limit)
        return Notifications(unread=unread, items=[NotificationOut(**to_dict(n)) for n in rows])


class ReadIds(BaseModel):
    ids: list[uuid.UUID] = Field(max_length=500)


@post("/notifications/read", status_code=200, tags=["notifications"])
async def read_notifications(nexa: Nexa, actor: Caller, data: JSONBody[ReadIds]) -> Marked:
    """Mark the caller's notifications read."""
    async with nexa.db.session() as session:
        return Marked(marked=await NotificationService(session, actor).mark_read(data.ids))


@get("/accounts/{account_id:uuid}/health", tags=["accounts"])
async def account_health(nexa: Nexa, actor: Caller, account_id: FromPath[uuid.UUID]) -> AccountHealth:
    """Health score 0-100, churn risk and lifetime value, with the factors behind the score."""
    async with nexa.db.session() as session:
        return AccountHealth(
            **redact(actor, (await AccountInsightService(session, actor).health(account_id)).to_dict())
        )


@get("/accounts/{account_id:uuid}/consolidated", tags=["accounts"])
async def account_consolidated(nexa: Nexa, actor: Caller, account_id: FromPath[uuid.UUID]) -> Consolidated:
    """Revenue, lifetime value and deal totals over the account and all its subsidiaries."""
    async with nexa.db.session() as session:
        return Consolidated(
            **redact(actor, plain(await AccountInsightService(session, actor).consolidated(account_id)))
        )


@get("/accounts/{account_id:uuid}/team", tags=["accounts"])
async def account_team(nexa: Nexa, actor: Caller, account_id: FromPath[uuid.UUID]) -> AccountTeam:
    """The account owner and the account team with their roles."""
    async with nexa.db.session() as session:
        return AccountTeam(
            items=[TeamMember(**m) for m in await AccountInsightService(session, actor).team(account_id)]
        )


class TeamRole(BaseModel):
    role: str = Field("member", max_length=50)


@put("/accounts/{account_id:uuid}/team/{user_id:uuid}", status_code=200, tags=["accounts"])
async def set_account_team_member(
    nexa: Nexa, actor: Caller, account_id: FromPath[uuid.UUID], user_id: FromPath[uuid.UUID], data: JSONBody[TeamRole]
) -> AccountTeam:
    """Add a user to the account team in a role (or change the role)."""
    async with nexa.db.session() as session:
        service = AccountInsightService(session, actor)
        await service.set_member(account_id, user_id, data.role)
        await audit(
            session,
            actor,
            action="api:accounts.team",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[account_id, user_id],
        )
        return AccountTeam(items=[TeamMember(**m) for m in await service.team(account_id)])


@delete("/accounts/{account_id:uuid}/team/{user_id:uuid}", status_code=200, tags=["accounts"])
async def remove_account_team_member(
    nexa: Nexa, actor: Caller, account_id: FromPath[uuid.UUID], user_id: FromPath[uuid.UUID]
) -> AccountTeam:
    """Take a user off the account team; 404 naming `user_id` when they are not on it."""
    async with nexa.db.session() as session:
        service = AccountInsightService(session, actor)
        await service.remove_member(account_id, user_id)
        await audit(
            session,
            actor,
            action="api:accounts.team.remove",
            status="ok",
            record_ids=[account_id, user_id],
        )
        return AccountTeam(items=[TeamMember(**m) for m in await service.team(account_id)])


@get("/handoffs", tags=["accounts"])
async def handoffs(nexa: Nexa, actor: Caller, status: FromQuery[str | None] = "pending") -> CsHandoffs:
    """The customer-success handoff list (won deals), newest first."""
    async with nexa.db.session() as session:
        return CsHandoffs(
            items=[CsHandoff(**h) for h in await AccountInsightService(session, actor).handoffs(status=status)]
        )


class Reopen(BaseModel):
    stage: DealStage
    reason: str = Field(max_length=2000)


@post("/deals/{deal_id:uuid}/reopen", status_code=200, tags=["deals"])
async def reopen_deal(nexa: Nexa, actor: Caller, deal_id: FromPath[uuid.UUID], data: JSONBody[Reopen]) -> DealOut:
    """Reopen a closed deal into an open stage (a won deal's commissions are reversed)."""
    async with nexa.db.session() as session:
        deal = await DealService(session, actor).reopen(deal_id, data.stage, reason=data.reason)
        await audit(
            session,
            actor,
            action="api:deals.reopen",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[deal_id],
        )
        return DealOut(**record(actor, deal))


sales_router = Router(
    path="/",
    route_handlers=[
        report,
        commission_statement,
        commission_plans,
        create_commission_plan,
        notifications,
        read_notifications,
        account_health,
        account_consolidated,
        account_team,
        set_account_team_member,
        remove_account_team_member,
        handoffs,
        reopen_deal,
    ],
)
