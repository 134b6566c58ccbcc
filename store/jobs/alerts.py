"""Anomaly jobs: a scan every 15 minutes that posts new alerts to Slack (NEXA_SLACK_ALERTS_CHANNEL, SLACK_BOT_TOKEN)."""

from __future__ import annotations

from procrastinate import JobContext
from slack_sdk.web.async_client import AsyncWebClient

from store.intelligence.alert_feed import post_new_alerts
from store.intelligence.anomalies import Alert
from store.jobs.queue import RETRY, app
from store.jobs.worker import deps


@app.periodic(cron="*/15 * * * *", periodic_id="alerts.scan")
@app.task(name="alerts.scan", queueing_lock="alerts.scan", pass_context=True, retry=RETRY)
async def scan(context: JobContext, timestamp: int) -> None:
    """Post the alerts not posted before; without a bot token and a channel there is nowhere to post: nothing runs."""
    nexa = deps(context)
    settings = nexa.settings
    if not (settings.slack_bot_token and settings.slack_alerts_channel):
        return
    channel = settings.slack_alerts_channel
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)

    async def post(alert: Alert) -> None:
        await client.chat_postMessage(channel=channel, text=f":rotating_light: {alert.message}")

    await post_new_alerts(nexa.db, post)
