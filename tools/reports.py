"""Sales report tools: win rate, deal size, sales cycle, stage conversion, lead conversion and quota attainment."""

from __future__ import annotations

from datetime import date

from store.schemas import Day
from store.services.reports import GroupBy, Metric, ReportService
from tools.context import ToolContext
from tools.periods import Period, period_range
from tools.registry import ToolResult, tool


@tool(area="reports")
async def sales_report(
    ctx: ToolContext,
    metric: Metric,
    group_by: GroupBy = "none",
    period: Period | None = "this_year",
    *,
    start: Day | None = None,
    end: Day | None = None,
) -> ToolResult:
    """Sales performance numbers, with how they were computed (say the method when answering): e.g. "what's our win
    rate by source this year?" is metric win_rate, group_by source, period this_year. Only deals and leads the user may see.

    Args:
        metric: win_rate, avg_deal_size, sales_cycle (days created -> won), stage_conversion (and time in stage), lead_conversion or quota_attainment
        group_by: rep, team, source, period (by month) or none
        period: a named period; ignored when start and end are given
        start: first day of a custom period
        end: last day of a custom period
    """
    if start is None or end is None:
        first, last = period_range(period or "this_year", ctx.now.date())
        start, end = start or first or date(1900, 1, 1), end or last
    report = await ReportService(ctx.session, ctx.actor).run(metric, start=start, end=end, group_by=group_by)
    return ToolResult(data=report.to_dict())
