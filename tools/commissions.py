"""Commission tools: a rep's statement."""

from __future__ import annotations

from store.services.commissions import CommissionService
from store.services.people import PeopleService
from tools.context import ToolContext
from tools.periods import Period, period_range
from tools.registry import ToolResult, tool


@tool(area="commissions")
async def commission_statement(ctx: ToolContext, period: Period = "this_quarter", rep: str | None = None) -> ToolResult:
    """A rep's commission lines (earned on won deals, reversed when a deal is reopened) and their total, each line
    with how it was computed. Reps see their own; managers their team's.

    Args:
        period: which period's lines
        rep: the rep's email, full or first name (default: the user asking)
    """
    start, end = period_range(period, ctx.now.date())
    user_id = (await PeopleService(ctx.session, ctx.actor).teammate(rep, field="rep")).id if rep else None
    statement = await CommissionService(ctx.session, ctx.actor).statement(user_id=user_id, start=start or end, end=end)
    return ToolResult(
        data={
            "rep": statement.rep,
            "start": statement.start.isoformat(),
            "end": statement.end.isoformat(),
            "total": str(statement.total),
            "lines": statement.lines,
        }
    )
