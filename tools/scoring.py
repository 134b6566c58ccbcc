"""Scoring and next-best-action tools: why a lead scores what it does, and what to do next on a record."""

from __future__ import annotations

import uuid
from typing import Literal

from store.intelligence.next_action import next_actions
from store.intelligence.scoring import explain_lead
from store.models.enums import RecordType
from store.serialize import ref
from store.services import ContactService, DealService, LeadService
from tools.context import ToolContext
from tools.registry import ToolResult, tool


@tool(area="leads")
async def explain_score(ctx: ToolContext, lead_id: uuid.UUID) -> ToolResult:
    """A lead's score (0-100), its band (High >= 75, Medium 50-74, Low < 50) and the factors behind it with their points.

    Args:
        lead_id: the lead's id (from search_crm or search_leads)
    """
    lead = await LeadService(ctx.session, ctx.actor).get(lead_id)
    explanation = await explain_lead(ctx.session, lead.id, now=ctx.now)
    return ToolResult(data=explanation.to_dict() | {"lead": lead.name, "stored_score": lead.score}, refs=[ref(lead)])


@tool(area="insights", untrusted=True)
async def next_best_action(
    ctx: ToolContext, record_type: Literal["deal", "lead", "contact"], record_id: uuid.UUID
) -> ToolResult:
    """Recommended next steps for a deal, lead or contact, most urgent first, each with its reason and due date.

    Args:
        record_type: deal, lead or contact
        record_id: the record's id
    """
    services = {"deal": DealService, "lead": LeadService, "contact": ContactService}
    record = await services[record_type](ctx.session, ctx.actor).get(record_id)
    actions = await next_actions(ctx.session, RecordType(record_type), record, ctx.now)
    return ToolResult(data={"record": record.name, "actions": [a.to_dict() for a in actions[:5]]}, refs=[ref(record)])
