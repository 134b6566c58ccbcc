"""The dashboards' data as JSON, straight from the services (errors are the API's problem+json)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import get

from bots.http.state import Caller, Nexa
from store.clock import today
from store.intelligence.forecasts import pipeline_forecast, ticket_volume_forecast
from store.serialize import plain
from store.services import PipelineService
from store.services.campaigns import CampaignService


@get("/pipeline.json", name="console_data_pipeline")
async def pipeline_data(nexa: Nexa, user: Caller) -> dict[str, Any]:
    """Open pipeline by stage (count, amount, weighted value) and closed-won apart."""
    async with nexa.db.session() as session:
        summary = await PipelineService(session, user).summary()
    return plain(asdict(summary))


@get("/forecast.json", name="console_data_forecast")
async def forecast_data(nexa: Nexa, user: Caller) -> dict[str, Any]:
    """This and next quarter: closed-won, weighted and expected bookings with the 80% interval."""
    async with nexa.db.session() as session:
        quarters = await pipeline_forecast(session, user, today=today())
    return {"quarters": [q.to_dict() for q in quarters]}


@get("/win-rate.json", name="console_data_win_rate")
async def win_rate_data(nexa: Nexa, user: Caller) -> dict[str, Any]:
    """Deals won and lost per month over the last twelve months, and the win rate."""
    async with nexa.db.session() as session:
        months = await PipelineService(session, user).win_rate_trend(months=12)
    return {"months": [asdict(m) for m in months]}


@get("/tickets.json", name="console_data_tickets")
async def tickets_data(nexa: Nexa, user: Caller) -> dict[str, Any]:
    """New tickets per day for the next two weeks, with the 80% interval."""
    async with nexa.db.session() as session:
        forecast = await ticket_volume_forecast(session, user, today=today())
    return forecast.to_dict()


@get("/campaigns.json", name="console_data_campaigns")
async def campaigns_data(nexa: Nexa, user: Caller) -> dict[str, Any]:
    """Per campaign (the latest ten the user may read): actual cost, won revenue, ROI and the rest of its attribution."""
    async with nexa.db.session() as session:
        rows = await CampaignService(session, user).roi(limit=10)
    return {"campaigns": [{"id": str(c.id), "name": c.name} | m.to_dict() for c, m in rows]}


DATA = [pipeline_data, forecast_data, win_rate_data, tickets_data, campaigns_data]
