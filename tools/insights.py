"""Insight tools: what is unusual lately, and what the pipeline and the ticket queue will look like."""

from __future__ import annotations

from store.intelligence.anomalies import find_alerts
from store.intelligence.forecasts import pipeline_forecast, ticket_volume_forecast
from tools.context import ToolContext
from tools.registry import ToolResult, tool


@tool(area="insights")
async def find_anomalies(ctx: ToolContext, days: int = 7) -> ToolResult:
    """Unusual things lately: ticket spikes per account or product, deals slipping past their close date,
    pipeline drops, a rep's activity falling off. Each alert states its evidence (observed vs typical).

    Args:
        days: look at the last this many days (1-31)
    """
    alerts = await find_alerts(ctx.session, ctx.actor, today=ctx.now.date(), window_days=max(1, min(days, 31)))
    return ToolResult(
        data={"days": days, "alerts": [a.to_dict() for a in alerts[:15]]},
        refs=[a.record for a in alerts[:15] if a.record],
    )


@tool(area="pipeline")
async def forecast_pipeline(ctx: ToolContext, quarters: int = 2) -> ToolResult:
    """What will close this quarter and next: closed-won so far, the weighted open pipeline, and the expected
    value from historical win rates by stage with an 80% interval (only deals the user may see).

    Args:
        quarters: how many quarters from this one (1-4)
    """
    forecasts = await pipeline_forecast(ctx.session, ctx.actor, today=ctx.now.date(), quarters=max(1, min(quarters, 4)))
    return ToolResult(data={"quarters": [f.to_dict() for f in forecasts]})


@tool(area="tickets")
async def forecast_tickets(ctx: ToolContext, days: int = 14) -> ToolResult:
    """Expected new tickets per day for the coming days, with an 80% interval and the method used.

    Args:
        days: how many days ahead (1-60)
    """
    forecast = await ticket_volume_forecast(
        ctx.session, ctx.actor, today=ctx.now.date(), horizon_days=max(1, min(days, 60))
    )
    return ToolResult(data=forecast.to_dict())
