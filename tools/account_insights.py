"""Account insight tools: health with its factors, consolidated totals over a hierarchy, the customer-success handoff list."""

from __future__ import annotations

import uuid

from store.serialize import plain
from store.services.account_insights import AccountInsightService
from store.services.accounts import AccountService
from tools.context import ToolContext
from tools.registry import ToolResult, tool


@tool(area="accounts")
async def account_health(ctx: ToolContext, account_id: uuid.UUID) -> ToolResult:
    """An account's health score (0-100) computed now, churn risk band and lifetime value, with the factors behind the
    score (support load and sentiment, engagement recency, orders, open risks), and the score on the account's record
    (`recorded_score`: the last nightly pass's, or an import's).

    Args:
        account_id: the account's id (from search_crm)
    """
    health = await AccountInsightService(ctx.session, ctx.actor).health(account_id)
    recorded = (await AccountService(ctx.session, ctx.actor).get(account_id)).health_score
    return ToolResult(data=health.to_dict() | {"recorded_score": recorded})


@tool(area="accounts")
async def consolidated_account(ctx: ToolContext, account_id: uuid.UUID) -> ToolResult:
    """Totals of an account with all its subsidiaries: annual revenue, lifetime value, deal value and closed-won.

    Args:
        account_id: the parent account's id
    """
    return ToolResult(data=plain(await AccountInsightService(ctx.session, ctx.actor).consolidated(account_id)))


@tool(area="accounts", untrusted=("notes",))
async def customer_success_handoffs(ctx: ToolContext, status: str | None = "pending") -> ToolResult:
    """Won deals handed to customer success (the handoff list), newest first.

    Args:
        status: pending, accepted or withdrawn (none: all)
    """
    return ToolResult(data={"handoffs": await AccountInsightService(ctx.session, ctx.actor).handoffs(status=status)})
