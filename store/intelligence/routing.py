"""Routing on lead creation: High -> a senior rep, Medium -> a rep, Low -> the nurture campaign.

Among eligible reps the one with the smallest open load (open leads + open deals) wins; ties go
to whoever was assigned a lead least recently, so equal reps take turns (round-robin).
Thresholds and the campaign's name come from settings (NEXA_ROUTE_HIGH, NEXA_ROUTE_MEDIUM,
NEXA_NURTURE_CAMPAIGN).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Campaign, CampaignMember, Deal, Lead, User
from store.models.enums import OPEN_STAGES, CampaignStatus, CampaignType, LeadStatus, Role, Seniority
from store.settings import Settings, get_settings

OPEN_LEAD = (LeadStatus.new, LeadStatus.contacted, LeadStatus.qualified)


@dataclass(frozen=True)
class Route:
    """Where a lead went and why."""

    band: str
    assigned_to_id: uuid.UUID | None
    assigned_to_name: str | None
    campaign: str | None
    reason: str


async def _least_loaded(session: AsyncSession, seniorities: tuple[Seniority, ...]) -> User | None:
    leads = (
        select(Lead.assigned_to_id.label("uid"), func.count().label("n"), func.max(Lead.created_at).label("last"))
        .where(Lead.status.in_(OPEN_LEAD))
        .group_by(Lead.assigned_to_id)
        .subquery()
    )
    deals = (
        select(Deal.owner_id.label("uid"), func.count().label("n"))
        .where(Deal.stage.in_(OPEN_STAGES))
        .group_by(Deal.owner_id)
        .subquery()
    )
    load = func.coalesce(leads.c.n, 0) + func.coalesce(deals.c.n, 0)
    stmt = (
        select(User)
        .outerjoin(leads, leads.c.uid == User.id)
        .outerjoin(deals, deals.c.uid == User.id)
        .where(User.role == Role.rep, User.is_active.is_(True), User.seniority.in_(seniorities))
        .order_by(load, leads.c.last.asc().nulls_first(), User.name)
        .limit(1)
    )
    return await session.scalar(stmt)


async def nurture_campaign(session: AsyncSession, name: str) -> Campaign:
    campaign = await session.scalar(select(Campaign).where(Campaign.name == name))
    if campaign is None:
        campaign = Campaign(name=name, type=CampaignType.nurture, status=CampaignStatus.active)
        session.add(campaign)
        await session.flush()
    return campaign


async def route_lead(session: AsyncSession, lead: Lead, settings: Settings | None = None) -> Route:
    """Assign `lead` by its score band (or enroll it in nurture); the lead row is updated in place."""
    rules = settings or get_settings()
    score = lead.score
    if score >= rules.route_high:
        rep = await _least_loaded(session, (Seniority.senior,)) or await _least_loaded(session, (Seniority.standard,))
        label = "High"
    elif score >= rules.route_medium:
        rep = await _least_loaded(session, (Seniority.standard, Seniority.junior)) or await _least_loaded(
            session, (Seniority.senior,)
        )
        label = "Medium"
    else:
        campaign = await nurture_campaign(session, rules.nurture_campaign)
        session.add(CampaignMember(campaign_id=campaign.id, lead_id=lead.id))
        await session.flush()
        return Route("Low", None, None, campaign.name, f"score {score} < {rules.route_medium}: nurture until engaged")
    if rep is None:
        return Route(label, None, None, None, f"score {score} ({label}) but no active rep to assign")
    lead.assigned_to_id = rep.id
    await session.flush()
    who = "senior rep" if rep.seniority is Seniority.senior else "rep"
    return Route(label, rep.id, rep.name, None, f"score {score} ({label}) -> {who} {rep.name}, lowest open load")
