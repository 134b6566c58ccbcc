"""Deal and pipeline tools: find, read, create, update, move stage, pipeline, stuck, closing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from prompts.money import money_short
from store.models import Deal
from store.models.enums import DealStage, DealType
from store.schemas import Day, DealUpdate
from store.serialize import plain, ref, to_dict
from store.services import DealService, PipelineService
from store.services.people import PeopleService
from tools.context import ToolContext
from tools.periods import Period, period_range
from tools.registry import ToolResult, tool


def _brief(deal: Deal) -> dict[str, Any]:
    return {
        "id": str(deal.id),
        "deal_name": deal.deal_name,
        "stage": deal.stage.value,
        "amount": plain(deal.amount),
        "weighted_value": plain(deal.weighted_value),
        "close_date": plain(deal.close_date),
        "days_in_stage": deal.days_in_stage,
    }


@tool(area="deals", untrusted=("lost_reason",))
async def search_deals(
    ctx: ToolContext,
    query: str | None = None,
    stage: DealStage | None = None,
    account_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    open_only: bool = False,
    mine: bool = False,
    owner: str | None = None,
    period: Period | None = None,
    min_amount: Decimal | None = None,
    limit: int = 10,
) -> ToolResult:
    """List deals the user may see, by name, stage, account, owner, close-date period and least amount ("what did we win this
    quarter": stage closed_won, period this_quarter), with their total amount.

    Args:
        query: part of the deal name
        stage: only deals in this stage
        account_id: only this account's deals
        contact_id: only the deals this contact is the primary contact of
        open_only: only deals not yet won or lost
        mine: only the user's own deals
        owner: only this teammate's deals: email, full or first name (your team; admins: anyone)
        period: only deals whose close date falls in this period
        min_amount: only deals worth at least this much ("my deals over 100k": 100000)
        limit: at most this many deals
    """
    owner_id = ctx.actor.user_id if mine else None
    if owner:
        owner_id = (await PeopleService(ctx.session, ctx.actor).teammate(owner, field="owner", reading=True)).id
    close_from, close_to = period_range(period, ctx.now.date()) if period else (None, None)
    service = DealService(ctx.session, ctx.actor)
    deals, total = await service.search(
        q=query,
        stage=stage,
        account_id=account_id,
        contact_id=contact_id,
        owner_id=owner_id,
        open_only=open_only,
        close_from=close_from,
        close_to=close_to,
        min_amount=min_amount,
        limit=min(limit, 50),
    )
    return ToolResult(
        data={
            "total": total,
            "deals": [_brief(d) | ({"lost_reason": d.lost_reason} if d.lost_reason else {}) for d in deals],
            "from": plain(close_from),
            "to": plain(close_to),
            "amount": plain(sum((d.amount or Decimal(0) for d in deals), Decimal(0))) if total <= len(deals) else None,
        },
        refs=[ref(d) for d in deals],
    )


@tool(area="deals", untrusted=("lost_reason", "risk_factors", "competitors"))
async def get_deal(ctx: ToolContext, deal_id: uuid.UUID) -> ToolResult:
    """Everything about one deal: amount, stage, probability, weighted value, days in stage, close date, owner.

    Args:
        deal_id: the deal's id (from search_crm)
    """
    deals = DealService(ctx.session, ctx.actor)
    deal = await deals.get(deal_id)
    return ToolResult(
        data=to_dict(deal)
        | {
            "days_in_stage": deal.days_in_stage,
            "sales_cycle_days": deal.sales_cycle_days,
            "owner": await deals.user_name(deal.owner_id),
        },
        refs=[ref(deal)],
    )


@tool(area="deals", writes=True, summary="Create deal {deal_name} ({amount}[, closing {close_date}])")
async def create_deal(
    ctx: ToolContext,
    deal_name: str,
    amount: Decimal,
    *,
    account_id: uuid.UUID | None = None,
    close_date: Day | None = None,
    stage: Literal["prospecting", "qualification", "proposal", "negotiation"] = "qualification",
    primary_contact_id: uuid.UUID | None = None,
    type: DealType = DealType.new_business,
) -> ToolResult:
    """Create a deal owned by the user.

    Args:
        deal_name: the deal's name, e.g. "Acme Corp - Enterprise Plan"
        amount: the amount in USD
        account_id: the account (company) buying
        close_date: expected close date
        stage: the opening stage
        primary_contact_id: the main contact
        type: new_business, upsell, renewal or cross_sell
    """
    data = {k: v for k, v in locals().items() if k != "ctx" and v is not None}
    deal = await DealService(ctx.session, ctx.actor).create(data)
    return ToolResult(data=_brief(deal), refs=[ref(deal)])


@tool(area="deals", writes=True, target=(Deal.record_type, "deal_id"), summary="Update deal {target}: {changes}")
async def update_deal(ctx: ToolContext, deal_id: uuid.UUID, changes: DealUpdate) -> ToolResult:
    """Change some of a deal's fields. Use move_deal_stage for stages.

    Args:
        deal_id: the deal's id
        changes: only the fields to change, with their new values
    """
    deal = await DealService(ctx.session, ctx.actor).update(deal_id, changes)
    return ToolResult(data=_brief(deal), refs=[ref(deal)])


@tool(area="deals", writes=True, target=(Deal.record_type, "deal_id"), summary="Give deal {target} to {owner}")
async def reassign_deal(ctx: ToolContext, deal_id: uuid.UUID, owner: str) -> ToolResult:
    """Hand a deal to another owner, e.g. "give the Acme deal to Mike" (managers: within their team; admins: anyone).

    Args:
        deal_id: the deal's id
        owner: the new owner: a teammate's email, full or first name
    """
    new_owner = await PeopleService(ctx.session, ctx.actor).teammate(owner, field="owner")
    deals = DealService(ctx.session, ctx.actor)
    deal = await deals.update(deal_id, {"owner_id": new_owner.id})
    return ToolResult(data=_brief(deal) | {"owner": new_owner.name}, refs=[ref(deal)])


@tool(
    area="deals",
    writes=True,
    target=(Deal.record_type, "deal_id"),
    summary="Move deal {target} to {stage}[ with amount {amount}][ (reason: {reason})]",
)
async def move_deal_stage(
    ctx: ToolContext, deal_id: uuid.UUID, stage: DealStage, reason: str | None = None, amount: Decimal | None = None
) -> ToolResult:
    """Move a deal to another stage, including closed_won and closed_lost (a reason is required for lost), and set its
    new amount when that changes with the move.

    Args:
        deal_id: the deal's id
        stage: the new stage
        reason: why the deal was lost (required for closed_lost)
        amount: the deal's new amount, when the user states one with the move
    """
    service = DealService(ctx.session, ctx.actor)
    if amount is not None:
        await service.update(deal_id, {"amount": amount})
    deal = await service.move_stage(deal_id, stage, reason=reason)
    return ToolResult(data=_brief(deal) | {"probability": deal.probability}, refs=[ref(deal)])


@tool(area="pipeline")
async def pipeline_summary(
    ctx: ToolContext,
    scope: Literal["mine", "team", "all"] = "mine",
    group_by: Literal["stage", "owner"] = "stage",
    period: Period | None = None,
    owner_id: uuid.UUID | None = None,
    team: str | None = None,
    owner: str | None = None,
) -> ToolResult:
    """Open pipeline: count, amount and weighted value by stage or owner, plus closed won, for a close-date period.

    Args:
        scope: the user's own deals, their team's, or all they may see
        group_by: stage or owner
        period: only deals whose close date falls in this period
        owner_id: one owner's deals (managers)
        team: one team's deals (managers)
        owner: one teammate's deals by email, full or first name (your team; admins: anyone)
    """
    close_from = close_to = None
    if period:
        close_from, close_to = period_range(period, ctx.now.date())
    if owner:
        owner_id = (await PeopleService(ctx.session, ctx.actor).teammate(owner, field="owner", reading=True)).id
    whose = owner_id or (ctx.actor.user_id if scope == "mine" else None)
    team_name = team or (ctx.actor.team if scope == "team" and not owner_id else None)
    result = await PipelineService(ctx.session, ctx.actor).summary(
        owner_id=whose, team=team_name, close_from=close_from, close_to=close_to, group_by=group_by
    )
    return ToolResult(
        data={
            "scope": scope,
            "group_by": group_by,
            "period": period,
            "from": plain(close_from),
            "to": plain(close_to),
            "rows": [
                {"key": r.key, "count": r.count, "amount": plain(r.amount), "weighted_value": plain(r.weighted_value)}
                for r in result.rows
            ],
            "total": {
                "count": result.count,
                "amount": plain(result.amount),
                "weighted_value": plain(result.weighted_value),
                "weighted_short": money_short(result.weighted_value),
            },
            "closed_won": {"count": result.won_count, "amount": plain(result.won_amount)},
        }
    )


@tool(area="pipeline")
async def stuck_deals(
    ctx: ToolContext,
    min_days: int = 14,
    scope: Literal["mine", "team", "all"] = "mine",
    limit: int = 10,
    owner: str | None = None,
) -> ToolResult:
    """Open deals that have not moved stage for more than `min_days` days, longest first.

    Args:
        min_days: days in the current stage
        scope: the user's own deals, their team's, or all they may see
        limit: at most this many deals
        owner: only this teammate's deals: email, full or first name (your team; admins: anyone)
    """
    owner_id = ctx.actor.user_id if scope == "mine" else None
    if owner:
        owner_id = (await PeopleService(ctx.session, ctx.actor).teammate(owner, field="owner", reading=True)).id
    team = ctx.actor.team if scope == "team" and not owner else None
    deals = await PipelineService(ctx.session, ctx.actor).stuck(
        min_days=min_days, owner_id=owner_id, team=team, limit=min(limit, 50)
    )
    return ToolResult(data={"min_days": min_days, "deals": [_brief(d) for d in deals]}, refs=[ref(d) for d in deals])


@tool(area="pipeline")
async def deals_closing(
    ctx: ToolContext,
    period: Period = "this_month",
    scope: Literal["mine", "team", "all"] = "mine",
    limit: int = 20,
    within_days: int | None = None,
) -> ToolResult:
    """Open deals whose close date falls in a period (or in the next `within_days` days), soonest first.

    Args:
        period: the window, e.g. this_month or this_quarter
        scope: the user's own deals, their team's, or all they may see
        limit: at most this many deals
        within_days: instead of a period, from today to this many days ahead ("the next 2 weeks": 14)
    """
    start, end = period_range(period, ctx.now.date())
    if within_days is not None:
        start, end = ctx.now.date(), ctx.now.date() + timedelta(days=max(0, min(within_days, 3660)))
    owner = ctx.actor.user_id if scope == "mine" else None
    team = ctx.actor.team if scope == "team" else None
    start = start or (
        date.min if period == "overdue" else ctx.now.date()
    )  # overdue: open deals whose close date has passed
    deals = await PipelineService(ctx.session, ctx.actor).closing(
        start=start, end=end, owner_id=owner, team=team, limit=min(limit, 50)
    )
    return ToolResult(
        data={"period": period, "from": plain(start), "to": plain(end), "deals": [_brief(d) for d in deals]},
        refs=[ref(d) for d in deals],
    )
