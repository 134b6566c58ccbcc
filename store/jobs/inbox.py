"""Shared-inbox jobs: sending a reply (one job per reply, queued with it), refreshing a thread's summary after new
mail (at most one waiting per thread), a Slack DM for an @mention, and polling the IMAP mailboxes no IDLE watcher reads."""

from __future__ import annotations

import logging
import uuid

from procrastinate import JobContext
from slack_sdk.web.async_client import AsyncWebClient

from store.access import Actor
from store.inbox.assist import summarize as summarize_thread
from store.inbox.imap import poll_inbox, polled_inboxes, reader_lock
from store.inbox.outbound import deliver
from store.inbox.service import mention_text
from store.jobs.queue import RETRY, app
from store.jobs.worker import deps

log = logging.getLogger(__name__)


@app.task(name="inbox.send", pass_context=True, retry=RETRY)
async def send(context: JobContext, message_id: str) -> None:
    """Hand one queued reply to the SMTP server, at most once (see `store.inbox.outbound`)."""
    nexa = deps(context)
    await deliver(nexa.db, message_id, nexa.settings, last_attempt=context.job.attempts >= (RETRY.max_attempts or 0))


@app.task(name="inbox.summarize", pass_context=True, retry=RETRY)
async def summarize(context: JobContext, conversation_id: str) -> None:
    """Refresh a thread's stored summary, intent and sentiment (queued by every message that arrives)."""
    nexa = deps(context)
    async with nexa.db.session() as session:
        await summarize_thread(session, Actor.system(), uuid.UUID(conversation_id), nexa.embedder)


@app.task(name="inbox.mention", pass_context=True, retry=RETRY)
async def mention(context: JobContext, note_id: str, user_id: str) -> None:
    """DM a user mentioned in an internal note on Slack (needs SLACK_BOT_TOKEN and the user's Slack id)."""
    nexa = deps(context)
    if not nexa.settings.slack_bot_token:
        return
    async with nexa.db.session() as session:
        found = await mention_text(session, uuid.UUID(note_id), uuid.UUID(user_id))
    if found is None:
        return
    channel, text = found
    await AsyncWebClient(token=nexa.settings.slack_bot_token, base_url=nexa.settings.slack_api_url).chat_postMessage(
        channel=channel, text=text
    )


@app.periodic(cron="* * * * *", periodic_id="inbox.poll")
@app.task(name="inbox.poll", queueing_lock="inbox.poll", lock="inbox.poll", pass_context=True, retry=RETRY)
async def poll(context: JobContext, timestamp: int) -> None:
    """Every minute: read new mail of every inbox that has an IMAP mailbox and that no IDLE watcher is reading
    (`store.inbox.imap.watch_inboxes`): servers without IDLE, or no worker watching."""
    nexa = deps(context)
    for name in await polled_inboxes(nexa.db):
        try:
            async with reader_lock(nexa.db, name) as free:
                if not free:
                    continue  # a watcher reads it as mail arrives
                result = await poll_inbox(nexa.db, name, nexa.settings)
        except Exception:  # one unreachable mailbox must not stop the others; the next minute tries again
            log.exception("polling inbox %s failed", name)
            continue
        if result.fetched:
            log.info("inbox %s: %d new message(s) %s", name, result.fetched, result.outcomes)
