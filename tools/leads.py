"""Lead tools: find, read, create, update, hand on, qualify or lose, convert."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from store.models import Lead
from store.models.enums import CompanySize, LeadSource, LeadStatus
from store.schemas import Day, LeadUpdate
from store.serialize import plain, ref, to_dict
from store.services import LeadService
from store.services.leads import BANT
from store.services.people import PeopleService
from tools.context import ToolContext
from tools.registry import ToolResult, tool


@tool(area="leads")
async def search_leads(
    ctx: ToolContext,
    query: str | None = None,
    status: LeadStatus | None = None,
    limit: int = 10,
    order: Literal["newest", "score"] = "newest",
    min_score: int | None = None,
    owner: str | None = None,
    open_only: bool = False,
    by_owner: bool = False,
) -> ToolResult:
    """List leads the user may see, by free text (name, email, company), status and whose they are (each with its
    owner's name when on the caller's team); looked up by text, each also says which BANT answers it still lacks
    (bant_missing: qualifying needs all four).

    Args:
        query: free text over name, email and company
        status: only leads in this status
        limit: at most this many leads
        order: newest first, or the highest score first ("my hottest leads")
        min_score: only leads scoring at least this (0-100; "leads scoring above 80": 81)
        owner: only this teammate's leads: email, full or first name (your team; admins: anyone)
        open_only: only leads still being worked (new, contacted or qualified; "my open leads")
        by_owner: also count the matching leads per owner ("leads by rep"): leads, qualified ones, top score
    """
    owner_id = None
    if owner:
        owner_id = (await PeopleService(ctx.session, ctx.actor).teammate(owner, field="owner", reading=True)).id
    leads, total = await LeadService(ctx.session, ctx.actor).search(
        q=query,
        status=status,
        limit=min(limit, 50),
        by_score=order == "score",
        min_score=min_score,
        assigned_to_id=owner_id,
        open_only=open_only,
    )
    owners = {user.id: user.name for user in await PeopleService(ctx.session, ctx.actor).teammates()}
    grouped: dict[str, object] = {}
    if by_owner:
        counts = await LeadService(ctx.session, ctx.actor).by_owner(status=status, open_only=open_only)
        grouped["by_owner"] = [
            {
                "owner": owners.get(who, "another team") if who else "No one",
                "leads": n,
                "qualified": q,
                "top_score": top,
            }
            for who, n, q, top in counts
        ]
    return ToolResult(
        data={
            "total": total,
            **grouped,
            "leads": [
                {
                    "id": str(lead.id),
                    "name": lead.name,
                    "company": lead.company,
                    "status": lead.status.value,
                    "score": lead.score,
                    "owner": owners.get(lead.assigned_to_id) if lead.assigned_to_id else None,
                }
                | (
                    {"bant_missing": [k for k in BANT if not (getattr(lead, f"bant_{k}") or "").strip()]}
                    if query
                    else {}
                )
                for lead in leads
            ],
        },
        refs=[ref(lead) for lead in leads],
    )


@tool(area="leads", untrusted=("lost_reason", "bant_budget", "bant_authority", "bant_need", "bant_timeline"))
async def get_lead(ctx: ToolContext, lead_id: uuid.UUID) -> ToolResult:
    """Everything about one lead (status, score, BANT, conversion links).

    Args:
        lead_id: the lead's id (from search_crm or search_leads)
    """
    lead = await LeadService(ctx.session, ctx.actor).get(lead_id)
    return ToolResult(data=to_dict(lead) | {"name": lead.name}, refs=[ref(lead)])


@tool(area="leads", writes=True, target=(Lead.record_type, "lead_id"), summary="Give lead {target} to {owner}")
async def reassign_lead(ctx: ToolContext, lead_id: uuid.UUID, owner: str) -> ToolResult:
    """Hand a lead to another owner, e.g. "give the Brightwave lead to Mike" (managers: within their team; admins: anyone).

    Args:
        lead_id: the lead's id
        owner: the new owner: a teammate's email, full or first name
    """
    new_owner = await PeopleService(ctx.session, ctx.actor).teammate(owner, field="owner")
    lead = await LeadService(ctx.session, ctx.actor).update(lead_id, {"assigned_to_id": new_owner.id})
    return ToolResult(data={"id": str(lead.id), "name": lead.name, "owner": new_owner.name}, refs=[ref(lead)])


@tool(
    area="leads",
    writes=True,
    summary="Create lead {first_name} {last_name} ({email}[, {title}][ at {company}], source {source})",
)
async def create_lead(
    ctx: ToolContext,
    first_name: str,
    last_name: str,
    email: str,
    source: LeadSource,
    *,
    company: str | None = None,
    title: str | None = None,
    phone: str | None = None,
    industry: str | None = None,
    company_size: CompanySize | None = None,
) -> ToolResult:
    """Create a new lead assigned to the user.

    Args:
        first_name: first name
        last_name: last name
        email: email address (unique among leads)
        source: where the lead came from: website, referral, event (webinars, conferences), cold_call or social_media
        company: company name
        title: job title
        phone: phone number
        industry: industry
        company_size: number of employees band
    """
    data = {k: v for k, v in locals().items() if k != "ctx" and v is not None}
    lead = await LeadService(ctx.session, ctx.actor).create(data)
    return ToolResult(data={"id": str(lead.id), "name": lead.name, "status": lead.status.value}, refs=[ref(lead)])


@tool(area="leads", writes=True, target=(Lead.record_type, "lead_id"), summary="Update lead {target}: {changes}")
async def update_lead(ctx: ToolContext, lead_id: uuid.UUID, changes: LeadUpdate) -> ToolResult:
    """Change some of a lead's fields (use update_lead_status for its status).

    Args:
        lead_id: the lead's id
        changes: only the fields to change, with their new values
    """
    lead = await LeadService(ctx.session, ctx.actor).update(lead_id, changes)
    return ToolResult(data=to_dict(lead), refs=[ref(lead)])


@tool(
    area="leads",
    writes=True,
    target=(Lead.record_type, "lead_id"),
    summary="Mark lead {target} as {status}[ (reason: {reason})]",
)
async def update_lead_status(
    ctx: ToolContext,
    lead_id: uuid.UUID,
    status: Literal["contacted", "qualified", "lost"],
    *,
    reason: str | None = None,
    budget: str | None = None,
    authority: str | None = None,
    need: str | None = None,
    timeline: str | None = None,
) -> ToolResult:
    """Move a lead along its lifecycle: contacted, qualified or lost (a reason is required).

    Qualifying needs all four BANT answers (budget, authority, need, timeline), from what the user said;
    pass "unknown" for one the user says is not known yet, and ask the user for any they did not mention.

    Args:
        lead_id: the lead's id
        status: the new status
        reason: why the lead was lost (required for lost)
        budget: BANT budget, when qualifying (e.g. "$50K approved", or "unknown")
        authority: BANT authority (who decides, e.g. "Sarah is the decision-maker", or "unknown")
        need: BANT need (the problem to solve, or "unknown")
        timeline: BANT timeline (when they need it, e.g. "by Q1", or "unknown")
    """
    bant = {
        k: v for k, v in {"budget": budget, "authority": authority, "need": need, "timeline": timeline}.items() if v
    }
    lead = await LeadService(ctx.session, ctx.actor).set_status(lead_id, status, reason=reason, bant=bant or None)
    return ToolResult(
        data={"id": str(lead.id), "name": lead.name, "status": lead.status.value, "lost_reason": lead.lost_reason},
        refs=[ref(lead)],
    )


@tool(
    area="leads",
    writes=True,
    target=(Lead.record_type, "lead_id"),
    summary="Convert lead {target} into a contact, an account and a deal[ of {amount}][ closing {close_date}]",
)
async def convert_lead(
    ctx: ToolContext,
    lead_id: uuid.UUID,
    *,
    amount: Decimal | None = None,
    close_date: Day | None = None,
    deal_name: str | None = None,
    create_deal: bool = True,
    override_reason: str | None = None,
) -> ToolResult:
    """Convert a qualified lead: creates (or links) the account and contact and, by default, a deal in qualification.

    A lead that is not qualified converts only with override_reason, when the user explicitly says why
    (it is recorded with who overrode); otherwise qualify it first with its BANT answers.

    Args:
        lead_id: the lead's id
        amount: the deal amount
        close_date: expected close date (default: 90 days from today)
        deal_name: the deal's name (default: "<company> - New Business")
        create_deal: false to convert without a deal
        override_reason: why a lead that is not qualified is converted anyway (only when the user gives a reason)
    """
    result = await LeadService(ctx.session, ctx.actor).convert(
        lead_id,
        {
            "amount": amount,
            "close_date": close_date,
            "deal_name": deal_name,
            "create_deal": create_deal,
            "override_reason": override_reason,
        },
    )
    records = [r for r in (result.contact, result.account, result.deal) if r is not None]
    return ToolResult(
        data={
            "lead": result.lead.name,
            "contact_id": str(result.contact.id),
            "account": result.account.account_name,
            "deal": result.deal
            and {
                "id": str(result.deal.id),
                "deal_name": result.deal.deal_name,
                "amount": plain(result.deal.amount),
                "close_date": plain(result.deal.close_date),
                "stage": result.deal.stage.value,
            },
        },
        refs=[ref(r) for r in records],
    )
