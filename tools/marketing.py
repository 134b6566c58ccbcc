"""Marketing tools: contact lists (static and dynamic), campaigns and their metrics, campaign email (sent after approval)."""

from __future__ import annotations

import uuid
from typing import Any

from store.serialize import ref, to_dict
from store.services.campaigns import CampaignService
from store.services.lists import ListService
from store.services.mass_email import MassEmailService
from tools.context import ToolContext
from tools.registry import ToolResult, tool


def _contact(c: Any) -> dict[str, Any]:
    return {"id": str(c.id), "name": c.name, "email": c.email, "title": c.title}


@tool(area="lists")
async def list_contact_lists(ctx: ToolContext, query: str | None = None) -> ToolResult:
    """The contact lists (segments) with how many members the user can see; use for "what lists do we have?".

    Args:
        query: part of a list's name
    """
    rows, total = await ListService(ctx.session, ctx.actor).search(q=query, limit=50)
    return ToolResult(
        data={
            "total": total,
            "lists": [
                {
                    "id": str(r.id),
                    "name": r.name,
                    "kind": "dynamic" if r.dynamic else "static",
                    "members": n,
                    "description": r.description,
                }
                for r, n in rows
            ],
        },
        refs=[ref(r) for r, _ in rows],
    )


@tool(area="lists")
async def list_members(ctx: ToolContext, list_name: str, limit: int = 20) -> ToolResult:
    """Who is on a contact list ("who's on the VIP list?"); only contacts the user may see are shown and counted.

    Args:
        list_name: the list's name (or id)
        limit: at most this many members
    """
    service = ListService(ctx.session, ctx.actor)
    found = await service.find(list_name)
    rows, total = await service.members(found.id, limit=min(limit, 100))
    return ToolResult(
        data={
            "list": found.name,
            "kind": "dynamic" if found.dynamic else "static",
            "total": total,
            "members": [_contact(c) for c in rows],
        },
        refs=[ref(c) for c in rows],
    )


@tool(area="lists", writes=True, summary="Add {target} to the list '{list_name}'")
async def add_to_list(ctx: ToolContext, list_name: str, contact_ids: list[uuid.UUID]) -> ToolResult:
    """Add contacts to a static contact list ("add Lisa Chen to the VIP list"). Needs the user's approval.

    Args:
        list_name: the list's name (or id); dynamic lists take no hand-added members
        contact_ids: the contacts to add (ids from search_crm)
    """
    service = ListService(ctx.session, ctx.actor)
    found = await service.find(list_name)
    added = await service.add(found.id, {"contact_ids": contact_ids})
    return ToolResult(data={"list": found.name, "added": added}, refs=[ref(found)])


@tool(
    area="lists",
    writes=True,
    summary="Create the dynamic list '{name}' ({result_count} contacts match now: {result_sample})",
)
async def create_dynamic_list(
    ctx: ToolContext, name: str, criteria: dict[str, Any], description: str | None = None
) -> ToolResult:
    """Create a dynamic contact list from a filter ("make a list of CTOs at enterprise accounts"); its members follow the records.

    Needs the user's approval; the approval shows how many contacts match now.

    Args:
        name: the new list's name
        criteria: the filter as JSON data, a rule {"field": F, "op": OP, "value": V} or a group {"and": [...]} / {"or": [...]}.
            The fields are contact.title, contact.first_name, contact.last_name, contact.email, contact.department,
            account.name, account.industry, account.country, lead.industry with the text ops eq, ne, contains, not_contains,
            starts_with, in, not_in, is_empty, is_not_empty; contact.lifecycle_stage, contact.customer_status, account.type,
            account.tier (enterprise, mid-market, smb, startup), lead.source, lead.status with eq, ne, in, not_in;
            account.employees, account.annual_revenue, account.health_score, lead.score with eq, ne, gt, gte, lt, lte;
            contact.last_activity and contact.created_at with within_days or not_within_days and a number of days
            ("no activity in 90 days" is not_within_days 90); activity.campaign_email_opened with within_days
            ("opened any campaign email in 30 days")
        description: what the list is for
    """
    service = ListService(ctx.session, ctx.actor)
    made = await service.create({"name": name, "criteria": criteria, "description": description})
    count, sample = await service.preview(made.criteria or {}, limit=5)
    return ToolResult(
        data={
            "list_id": str(made.id),
            "name": made.name,
            "count": count,
            "sample": ", ".join(c.name for c in sample) or "nobody yet",
        },
        refs=[ref(made)],
    )


@tool(area="campaigns")
async def list_campaigns(ctx: ToolContext, query: str | None = None) -> ToolResult:
    """Marketing campaigns (name, type, status, dates, budget); use for "list all marketing campaigns".

    Args:
        query: part of a campaign's name
    """
    rows, total = await CampaignService(ctx.session, ctx.actor).search(q=query, limit=50)
    return ToolResult(
        data={
            "total": total,
            "campaigns": [
                {
                    "id": str(c.id),
                    "name": c.name,
                    "type": c.type.value,
                    "status": c.status.value,
                    "start_date": c.start_date,
                    "end_date": c.end_date,
                    "budget": c.budget,
                }
                for c in rows
            ],
        },
        refs=[ref(c) for c in rows],
    )


@tool(area="campaigns")
async def campaign_metrics(ctx: ToolContext, campaign: str) -> ToolResult:
    """How a campaign did ("how did the Q4 Promo do?"): members by status, leads created, influenced pipeline, won revenue,
    cost per lead, ROI, and its emails with their progress.

    Args:
        campaign: the campaign's name (or id)
    """
    service = CampaignService(ctx.session, ctx.actor)
    found = await service.find(campaign)
    data = to_dict(found) | {"metrics": (await service.metrics(found.id)).to_dict()}
    if ctx.actor.sees_everything or str(ctx.actor.role) == "manager":
        emails = MassEmailService(ctx.session, ctx.actor)
        data["emails"] = [
            {
                "email_id": str(e.id),
                "subject": e.subject,
                "status": e.status.value,
                "progress": await emails.progress(e.id),
            }
            for e in await emails.of_campaign(found.id)
        ]
    return ToolResult(data=data, refs=[ref(found)])


@tool(area="mass_email")
async def draft_campaign_email(
    ctx: ToolContext, campaign: str, subject: str, body: str, *, list_name: str | None = None
) -> ToolResult:
    """Save a campaign email (not sent): Jinja merge fields {{ contact.first_name }}, {{ contact.last_name }}, {{ contact.title }},
    {{ account.name }}, {{ campaign.name }}. Send it with send_campaign_email after the user approves.

    Args:
        campaign: the campaign's name (or id)
        subject: the subject line (may use merge fields)
        body: the HTML body (may use merge fields; links written as href="https://..." are tracked)
        list_name: the contact list to send to (else the campaign's members)
    """
    found = await CampaignService(ctx.session, ctx.actor).find(campaign)
    target = await ListService(ctx.session, ctx.actor).find(list_name) if list_name else None
    email = await MassEmailService(ctx.session, ctx.actor).create(
        found.id, {"subject": subject, "body": body, "list_id": target.id if target else None}
    )
    return ToolResult(
        data={
            "email_id": str(email.id),
            "campaign": found.name,
            "list": target.name if target else None,
            "status": email.status.value,
        },
        refs=[ref(found)],
    )


@tool(
    area="mass_email",
    writes=True,
    summary="Send the campaign email '{result_subject}' to {result_recipients} recipients on {result_audience} "
    "({result_suppressed} suppressed: unsubscribed or bounced). Preview for {result_preview_to}: {result_preview}",
)
async def send_campaign_email(ctx: ToolContext, email_id: uuid.UUID, *, list_name: str | None = None) -> ToolResult:
    """Send a campaign email to its list now ("send the Q4 promo email to the VIP list"). Needs approval; managers and admins only.

    The approval shows the number of recipients, how many are suppressed and a preview.

    Args:
        email_id: the campaign email (from campaign_metrics or draft_campaign_email)
        list_name: send to this contact list instead of the one the email names
    """
    service = MassEmailService(ctx.session, ctx.actor)
    if list_name:
        target = await ListService(ctx.session, ctx.actor).find(list_name)
        await service.update(email_id, {"list_id": target.id})
    email = await service.get(email_id)
    audience = await service.send(email_id, ctx.settings, deliver=not ctx.dry_run)
    shown = await service.preview(email_id, ctx.settings)
    listed = await ListService(ctx.session, ctx.actor).get(email.list_id) if email.list_id else None
    return ToolResult(
        data={
            "email_id": str(email.id),
            "subject": shown["subject"],
            "recipients": audience.recipients,
            "suppressed": audience.suppressed,
            "audience": f"list '{listed.name}'" if listed else "the campaign's members",
            "preview_to": shown["to"],
            "preview": " ".join(shown["text"].split())[:300],
            "status": "queued" if not ctx.dry_run else "proposed",
        }
    )
