"""Notification jobs: the Slack DM of a notification, for users mapped to Slack (`users.slack_user_id`)."""

from __future__ import annotations

import uuid

from procrastinate import JobContext
from slack_sdk.web.async_client import AsyncWebClient

from store.clock import utcnow
from store.jobs.queue import RETRY, app
from store.jobs.worker import deps
from store.models import Notification, User


@app.task(name="notifications.slack", pass_context=True, retry=RETRY)
async def slack_dm(context: JobContext, notification_id: str) -> None:
    """DM the notification to its user once; without SLACK_BOT_TOKEN there is nowhere to send it (the console still has it)."""
    nexa = deps(context)
    if not nexa.settings.slack_bot_token:
        return
    async with nexa.db.session() as session:
        note = await session.get(Notification, uuid.UUID(notification_id))
        user = await session.get(User, note.user_id) if note else None
        if note is None or note.slack_sent_at is not None or user is None or not user.slack_user_id:
            return
        channel, text = user.slack_user_id, note.message
    client = AsyncWebClient(token=nexa.settings.slack_bot_token, base_url=nexa.settings.slack_api_url)
    await client.chat_postMessage(channel=channel, text=text)
    async with nexa.db.session() as session:
        note = await session.get(Notification, uuid.UUID(notification_id), with_for_update=True)
        note.slack_sent_at = utcnow()  # type: ignore[union-attr]
