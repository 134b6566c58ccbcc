"""Campaigns: members (contacts and leads) with their status, and attribution (leads, influenced pipeline, ROI).

Attribution: a lead is created from a campaign when it came in through it (a web-to-lead form naming it);
a deal is influenced when its primary contact, or the lead it was converted from, was a member before the
deal was created. Influenced pipeline is the amount of the open influenced deals, won revenue that of the
closed-won ones; cost per lead is actual cost / leads created; ROI is (won revenue - actual cost) / actual cost.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert

from store.access import require
from store.errors import Conflict, InvalidInput
from store.models import Campaign, CampaignMember, Contact, Deal, Lead
from store.models.enums import OPEN_STAGES, DealStage, MemberStatus
from store.schemas import CampaignCreate, CampaignMembersChange, CampaignUpdate, parse
from store.services.base import Service
from store.services.visibility import owner_visible

# A member's status only moves forward (opened after clicked stays clicked); bounced and unsubscribed end it.
RANK = [
    MemberStatus.enrolled,
    MemberStatus.sent,
    MemberStatus.delivered,
    MemberStatus.opened,
    MemberStatus.clicked,
    MemberStatus.responded,
    MemberStatus.converted,
    MemberStatus.unsubscribed,
    MemberStatus.bounced,
]


def advance(status: MemberStatus) -> Any:
    """An UPDATE's SET value moving campaign_members.status to `status` unless it is already further."""
    ranks = {s.value: n for n, s in enumerate(RANK)}
    current = case(ranks, value=CampaignMember.status, else_=0)
    return case((current < ranks[status.value], literal(status.value)), else_=CampaignMember.status)


@dataclass(frozen=True)
class Metrics:
    members: int
    by_status: dict[str, int]
    leads_created: int
    influenced_deals: int
    influenced_pipeline: Decimal
    won_revenue: Decimal
    budget: Decimal | None
    actual_cost: Decimal | None
    cost_per_lead: Decimal | None
    roi: float | None

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


class CampaignService(Service):
    """Create, read and change campaigns; enroll members; measure them."""

    async def create(self, data: CampaignCreate | dict[str, Any]) -> Campaign:
        values = parse(CampaignCreate, data)
        owner = values.owner_id or self.actor.user_id
        await self.check("campaigns", "write", owner)
        await self.ensure_user(values.owner_id, "owner_id")
        await self._name_free(values.name)
        campaign = Campaign(**values.model_dump(exclude={"owner_id"}), owner_id=owner)
        self.session.add(campaign)
        await self.flush()
        return campaign

    async def update(self, campaign_id: uuid.UUID | str, data: CampaignUpdate | dict[str, Any]) -> Campaign:
        changes = parse(CampaignUpdate, data).model_dump(exclude_unset=True)
        campaign = await self.load(Campaign, campaign_id, field="campaign_id", lock=True)
        await self.check("campaigns", "write", campaign.owner_id)
        for required in ("name", "type", "status"):
            if required in changes and changes[required] is None:
                raise InvalidInput(required, "cannot be emptied")
        if changes.get("name") and changes["name"] != campaign.name:
            await self._name_free(changes["name"])
        if "owner_id" in changes:
            await self.ensure_user(changes["owner_id"], "owner_id")
        start, end = changes.get("start_date", campaign.start_date), changes.get("end_date", campaign.end_date)
        if start and end and end < start:
            raise InvalidInput("end_date", "must not be before start_date")
        self.apply(campaign, changes)
        await self.flush()
        return campaign

    async def get(self, campaign_id: uuid.UUID | str) -> Campaign:
        require(self.actor, "campaigns", "read")
        return await self.load(Campaign, campaign_id, field="campaign_id")

    async def find(self, name_or_id: str) -> Campaign:
        """A campaign by id or by name (case-insensitive; a unique partial name also finds it)."""
        require(self.actor, "campaigns", "read")
        try:
            return await self.load(Campaign, uuid.UUID(str(name_or_id)), field="campaign_id")
        except ValueError:
            pass
        text = name_or_id.strip().lower()
        exact = await self.session.scalar(select(Campaign).where(func.lower(Campaign.name) == text))
        if exact is not None:
            return exact
        close = list(await self.session.scalars(select(Campaign).where(Campaign.name.ilike(f"%{text}%")).limit(2)))
        if len(close) == 1:
            return close[0]
        names = ", ".join(await self.session.scalars(select(Campaign.name).order_by(Campaign.name).limit(20)))
        raise InvalidInput("campaign", f"no single campaign named '{name_or_id}' (campaigns: {names or 'none yet'})")

    async def search(self, *, q: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Campaign], int]:
        require(self.actor, "campaigns", "read")
        stmt = select(Campaign)
        if q:
            stmt = stmt.where(Campaign.name.ilike(f"%{q.strip()}%"))
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(
            stmt.order_by(Campaign.start_date.desc().nulls_last(), Campaign.name).limit(limit).offset(offset)
        )
        return list(rows), int(total or 0)

    async def add_members(self, campaign_id: uuid.UUID | str, data: CampaignMembersChange | dict[str, Any]) -> int:
        """Enroll contacts and leads (each read-checked); how many were new."""
        values = parse(CampaignMembersChange, data)
        campaign = await self.load(Campaign, campaign_id, field="campaign_id", lock=True)
        await self.check("campaigns", "write", campaign.owner_id)
        for field, model, ids in (("contact_ids", Contact, values.contact_ids), ("lead_ids", Lead, values.lead_ids)):
            for n, record_id in enumerate(ids):
                await self.referenced(model, record_id, field=field if len(ids) == 1 else f"{field}.{n}")
        added = 0
        for column, ids in (("contact_id", values.contact_ids), ("lead_id", values.lead_ids)):
            if ids:
                result = await self.session.execute(
                    insert(CampaignMember)
                    .values([{"id": uuid.uuid4(), "campaign_id": campaign.id, column: i} for i in dict.fromkeys(ids)])
                    .on_conflict_do_nothing(
                        index_elements=["campaign_id", column], index_where=getattr(CampaignMember, column).is_not(None)
                    )
                    .returning(CampaignMember.id)
                )
                added += len(result.all())
        return added

    async def members(
        self, campaign_id: uuid.UUID | str, *, status: MemberStatus | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Members the caller may read (contacts and leads), with their status."""
        campaign = await self.get(campaign_id)
        stmt = (
            select(CampaignMember, Contact, Lead)
            .outerjoin(Contact, Contact.id == CampaignMember.contact_id)
            .outerjoin(Lead, Lead.id == CampaignMember.lead_id)
            .where(
                CampaignMember.campaign_id == campaign.id,
                or_(
                    and_(CampaignMember.contact_id.is_not(None), owner_visible(self.actor, Contact.owner_id)),
                    and_(CampaignMember.lead_id.is_not(None), owner_visible(self.actor, Lead.assigned_to_id)),
                ),
            )
        )
        if status is not None:
            stmt = stmt.where(CampaignMember.status == status.value)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.order_by(CampaignMember.added_at, CampaignMember.id).limit(limit).offset(offset)
        )
        return [
            {
                "kind": "contact" if c else "lead",
                "id": str((c or lead).id),
                "name": (c or lead).name,
                "email": (c or lead).email,
                "status": m.status,
                "added_at": m.added_at.isoformat(),
            }
            for m, c, lead in rows
        ], int(total or 0)

    async def metrics(self, campaign_id: uuid.UUID | str) -> Metrics:
        campaign = await self.get(campaign_id)
        by_status = dict(
            (
                await self.session.execute(
                    select(CampaignMember.status, func.count())
                    .where(CampaignMember.campaign_id == campaign.id)
                    .group_by(CampaignMember.status)
                )
            ).all()
        )
        leads_created = (
            await self.session.scalar(
                select(func.count()).where(
                    CampaignMember.campaign_id == campaign.id, CampaignMember.lead_created.is_(True)
                )
            )
            or 0
        )
        member_before = exists().where(
            CampaignMember.campaign_id == campaign.id,
            CampaignMember.added_at < Deal.created_at,
            or_(
                CampaignMember.contact_id == Deal.primary_contact_id,
                CampaignMember.lead_id.in_(select(Lead.id).where(Lead.converted_deal_id == Deal.id)),
            ),
        )
        count, pipeline, won = (
            await self.session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(case((Deal.stage.in_(OPEN_STAGES), Deal.amount), else_=0)), 0),
                    func.coalesce(func.sum(case((Deal.stage == DealStage.closed_won, Deal.amount), else_=0)), 0),
                ).where(member_before)
            )
        ).one()
        cost = campaign.actual_cost
        return Metrics(
            members=sum(by_status.values()),
            by_status=by_status,
            leads_created=int(leads_created),
            influenced_deals=int(count),
            influenced_pipeline=Decimal(pipeline),
            won_revenue=Decimal(won),
            budget=campaign.budget,
            actual_cost=cost,
            cost_per_lead=(cost / leads_created).quantize(Decimal("0.01"))
            if cost is not None and leads_created
            else None,
            roi=round(float((Decimal(won) - cost) / cost), 4) if cost else None,
        )

    async def roi(self, *, limit: int = 10) -> list[tuple[Campaign, Metrics]]:
        """The latest `limit` campaigns the caller may read (as `search` orders them), each with its metrics."""
        campaigns, _ = await self.search(limit=limit)
        return [(campaign, await self.metrics(campaign.id)) for campaign in campaigns]

    async def _name_free(self, name: str) -> None:
        if await self.session.scalar(select(Campaign.id).where(func.lower(Campaign.name) == name.lower())):
            raise Conflict("name", f"a campaign named '{name}' already exists")
