"""The Slack app: mentions, DMs, `/nexa`, approval buttons and the App Home tab, over the one agent.

Every listener acks at once and does its work in a lazy listener (Slack wants an answer within
three seconds); nothing on the ack path waits for the database or the Web API. A Slack thread is a
conversation (`external_ref` = slack:<team>:<channel>:<thread_ts>); while a turn runs, a "thinking"
message stands in the thread and is then updated in place. The lazy jobs share the server's event
loop, so they are bounded (half the connection pool) and the offline model thinks on a thread of its own.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from assistant.agent import Agent
from assistant.events import Outcome, TurnResult
from assistant.messages import Message as ModelMessage
from assistant.messages import ModelResponse, TextDelta
from assistant.model import ChatModel, ModelError
from assistant.offline_model import OfflineModel
from bots.slack import blocks
from bots.slack.blocks import APPROVE, REJECT, Message
from bots.slack.dedupe import Deduplicator
from bots.slack.identity import Directory
from store import clock
from store.access import Actor
from store.db import Database
from store.errors import DomainError, NotFound, PermissionDenied
from store.intelligence.anomalies import find_alerts
from store.services import PipelineService, TaskService
from store.settings import Settings
from tools.spec import ToolSpec

log = logging.getLogger("nexa.slack")
THINKING = ":hourglass_flowing_sand: _Thinking…_"
USAGE = "Ask me about your CRM, e.g. `/nexa what's my pipeline?` or `/nexa show me Acme`."
_SLACK_MARKUP = re.compile(r"<(?:mailto:)?([^<>|]+)(?:\|([^<>]*))?>")


def unmapped(email: str | None) -> str:
    """What a Slack user who is not a Nexa user is told (and nothing else)."""
    who = f"your Slack email ({email})" if email else "your Slack profile (it shows no email)"
    return (
        f":no_entry: I can't find a Nexa user for {who}, so I can't show you any CRM data. "
        "Ask your Nexa admin to add you with the email you use in Slack."
    )


def plain_text(text: str, bot_user_id: str | None) -> str:
    """A Slack message as the user typed it: without the bot's mention, links and entities undone."""
    if bot_user_id:
        text = text.replace(f"<@{bot_user_id}>", " ")
    text = _SLACK_MARKUP.sub(lambda m: m.group(2) or m.group(1), text)
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split())


class SlackBot:
    """The listeners, sharing one agent, one identity directory and one de-duplicator."""

    def __init__(self, agent: Agent, db: Database, *, public_url: str | None, jobs: int) -> None:
        self.agent, self.db, self.public_url = agent, db, public_url
        self.directory = Directory(db)
        self.dedupe = Deduplicator(db)
        self.jobs = asyncio.Semaphore(jobs)  # lazy jobs at once (a turn holds a connection); the rest queue
        # an offline turn is CPU work (on the loop too: schemas, ORM, templates); one at a time leaves the loop to acks
        self.turns = asyncio.Semaphore(jobs if agent.settings.llm_configured else 1)

    def register(self, app: AsyncApp) -> None:
        app.error(_on_error)
        app.event("app_mention")(ack=_ack, lazy=[self.mention])
        app.event({"type": "message", "subtype": None}, matchers=[_person_in_dm])(ack=_ack, lazy=[self.direct_message])
        app.command("/nexa")(ack=_ack_command, lazy=[self.command])
        app.action(re.compile(f"^({APPROVE}|{REJECT})$"))(ack=_ack, lazy=[self.decide])
        app.event("app_home_opened")(ack=_ack, lazy=[self.home])
        app.action(re.compile(".*"))(_ack)  # buttons Nexa does not know: acknowledged, nothing done
        app.event(re.compile(".*"))(_ack)  # other events (edits, bot messages...): acknowledged, dropped

    # -- conversations ---------------------------------------------------------------------------

    async def mention(
        self,
        body: dict[str, Any],
        request: AsyncBoltRequest,
        event: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        """@Nexa in a channel: answered in the thread the mention is in (or starts)."""
        async with self.jobs:
            if await self.dedupe.claim(body, request):
                await self._converse(client, event, context)

    async def direct_message(
        self,
        body: dict[str, Any],
        request: AsyncBoltRequest,
        event: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        """A DM to Nexa: answered in its thread."""
        async with self.jobs:
            if await self.dedupe.claim(body, request):
                await self._converse(client, event, context)

    async def _converse(self, client: AsyncWebClient, event: dict[str, Any], context: AsyncBoltContext) -> None:
        channel, user, ts = event.get("channel"), event.get("user"), event.get("ts")
        if not (channel and user and ts):
            log.warning("ignored a Slack event without channel, user or ts: %s", event.get("type"))
            return
        thread = event.get("thread_ts") or ts
        identity = await self.directory.identify(client, user)
        if identity.actor is None:
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, text=unmapped(identity.email))
            return
        thinking = await client.chat_postMessage(channel=channel, thread_ts=thread, text=THINKING)
        ref = f"slack:{context.team_id or event.get('team')}:{channel}:{thread}"
        messages = await self._turn(identity.actor, plain_text(event.get("text") or "", context.bot_user_id), ref, user)
        await publish(client, channel, thinking["ts"], thread, messages)

    async def command(
        self, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        """`/nexa <question>`: the question and its answer in the channel (ephemeral where Nexa cannot post)."""
        text, channel, user = (
            plain_text(command.get("text") or "", None),
            command.get("channel_id"),
            command.get("user_id"),
        )
        if not (text and channel and user):
            return  # the ack showed the usage
        async with self.jobs:
            await self._command(client, respond, text, channel, user, context.team_id or command.get("team_id"))

    async def _command(
        self, client: AsyncWebClient, respond: AsyncRespond, text: str, channel: str, user: str, team: str | None
    ) -> None:
        identity = await self.directory.identify(client, user)
        if identity.actor is None:
            await respond(text=unmapped(identity.email), response_type="ephemeral")
            return
        asked = blocks.context([f"<@{user}> asked: _{blocks.escape(text)}_"])
        try:
            thinking = await client.chat_postMessage(channel=channel, text=THINKING)
        except SlackApiError as err:  # not in that channel (or a DM between people): answer privately
            log.info("cannot post in %s (%s); answering /nexa ephemerally", channel, err.response.get("error"))
            for message in await self._turn(identity.actor, text, None, user, lead=asked):
                await respond(
                    text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False
                )
            return
        ref = f"slack:{team}:{channel}:{thinking['ts']}"
        await publish(
            client,
            channel,
            thinking["ts"],
            thinking["ts"],
            await self._turn(identity.actor, text, ref, user, lead=asked),
        )

    async def _turn(
        self, actor: Actor, text: str, ref: str | None, slack_user: str, lead: list[blocks.Block] | None = None
    ) -> list[Message]:
        """Run one turn and render it; a refusal or failure becomes a message too."""
        lead = lead or []
        if not text:
            return blocks.plain(USAGE, lead=lead)
        try:  # the agent refuses an over-long message (a DomainError naming `message`)
            result = await self._run(actor, text, ref, slack_user)
        except DomainError as err:
            return blocks.plain(f":warning: {blocks.escape(str(err))}", lead=lead)
        except ModelError as err:
            return blocks.plain(f":warning: The language model is unavailable ({blocks.escape(str(err))}).", lead=lead)
        except Exception:  # the adapter's boundary: log it, tell the user, keep serving
            log.exception("a Slack turn failed")
            return blocks.plain(
                ":warning: Something went wrong on my side (it is logged). Please try again.", lead=lead
            )
        return blocks.answer(result, self.public_url, lead=lead)

    async def _run(self, actor: Actor, text: str, ref: str | None, slack_user: str) -> TurnResult:
        async with self.turns:
            try:
                return await self.agent.run(actor, text, external_ref=ref)
            except NotFound as err:
                if ref is None or err.field != "conversation_id":
                    raise
                # someone else's thread: this user gets a conversation of their own in it (theirs stays private)
                return await self.agent.run(actor, text, external_ref=f"{ref}:{slack_user}")

    # -- approvals ---------------------------------------------------------------------------------

    async def decide(self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        """Approve / Reject: apply at most once, then show the outcome in place of the buttons."""
        async with self.jobs:
            await self._decide(body, action, client)

    async def _decide(self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        user = (body.get("user") or {}).get("id")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if not (user and channel):
            log.warning("ignored an approval click without user or channel")
            return
        try:
            value = json.loads(action.get("value") or "")
            conversation_id, action_id = str(value["conversation_id"]), str(value["action_id"])
        except (ValueError, TypeError, KeyError):
            await client.chat_postEphemeral(
                channel=channel, user=user, text="I cannot read that button; nothing was changed."
            )
            return
        identity = await self.directory.identify(client, user)
        if identity.actor is None:
            await client.chat_postEphemeral(channel=channel, user=user, text=unmapped(identity.email))
            return
        try:
            result = await self.agent.decide(
                identity.actor, conversation_id, action_id, action.get("action_id") == APPROVE
            )
        except DomainError:  # another user's conversation, or an approval that does not exist
            await client.chat_postEphemeral(
                channel=channel,
                user=user,
                text="Only the person who asked can decide this "
                "approval, and only while it exists; nothing was changed.",
            )
            return
        if result.outcome is Outcome.already_decided:  # a second click: only the clicker hears it
            await client.chat_postEphemeral(channel=channel, user=user, text=blocks.mrkdwn(result.answer))
            return
        outcome = f"{blocks.mrkdwn(result.answer)} (<@{user}>)"
        message, ts = body.get("message"), (body.get("container") or {}).get("message_ts")
        if message and ts:
            await client.chat_update(
                channel=channel,
                ts=ts,
                text=outcome,
                blocks=blocks.decided(message.get("blocks") or [], action_id, outcome),
            )
        else:  # an ephemeral answer: it cannot be updated, so the outcome comes as its own note
            await client.chat_postEphemeral(channel=channel, user=user, text=outcome)

    # -- App Home ----------------------------------------------------------------------------------

    async def home(
        self, body: dict[str, Any], request: AsyncBoltRequest, event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """The Home tab: the user's open pipeline by stage, tasks due within 7 days, and alerts."""
        user = event.get("user")
        if not user or event.get("tab", "home") != "home":
            return
        async with self.jobs:
            if not await self.dedupe.claim(body, request):
                return
            identity = await self.directory.identify(client, user)
            if identity.actor is None:
                view = blocks.unmapped_home(unmapped(identity.email))
            else:
                view = await self._home_view(identity.actor)
            await client.views_publish(user_id=user, view=view)

    async def _home_view(self, actor: Actor) -> blocks.Block:
        today = clock.today()
        due_by = today + timedelta(days=7)
        async with self.db.session() as session:
            try:
                pipeline = await PipelineService(session, actor).summary(owner_id=actor.user_id)
            except PermissionDenied:
                pipeline = None
            assert actor.user_id is not None
            tasks = await TaskService(session, actor).for_user(actor.user_id, due_before=due_by)
            try:
                alerts = await find_alerts(session, actor, today=today)
            except PermissionDenied:
                alerts = []
        return blocks.home(
            actor.name,
            pipeline=pipeline,
            tasks=tasks,
            alerts=alerts,
            due_by=due_by,
            today=today,
            public_url=self.public_url,
        )


async def _on_error(error: Exception, response: BoltResponse | None, logger: logging.Logger) -> BoltResponse | None:
    """A signed payload Bolt cannot read (a field of the wrong type, a key missing) is a 400, not a 500."""
    if response is not None and isinstance(error, (TypeError, KeyError, AttributeError, ValueError)):
        logger.warning("malformed Slack payload: %r", error)
        return BoltResponse(status=400, body={"error": "malformed payload"})
    logger.error("a Slack request failed", exc_info=error)
    return None


async def _ack(ack: AsyncAck) -> None:
    await ack()


async def _ack_command(ack: AsyncAck, command: dict[str, Any]) -> None:
    """`/nexa` alone gets the usage (privately); a question gets an empty ack, its answer comes later."""
    if (command.get("text") or "").strip():
        await ack()
    else:
        await ack(text=USAGE)


async def _person_in_dm(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" and not event.get("bot_id")


async def publish(client: AsyncWebClient, channel: str, ts: str, thread: str, messages: list[Message]) -> None:
    """The first message replaces the "thinking" one; any further ones follow in the thread."""
    first, *rest = messages
    try:
        await client.chat_update(channel=channel, ts=ts, text=first.text, blocks=first.blocks)
    except SlackApiError as err:  # never leave "Thinking..." standing
        log.error("Slack refused an answer (%s)", err.response.get("error"))
        await client.chat_update(
            channel=channel, ts=ts, text=f":warning: Slack refused my answer ({err.response.get('error')})."
        )
        return
    for message in rest:
        await client.chat_postMessage(channel=channel, thread_ts=thread, text=message.text, blocks=message.blocks)


class OffLoop:
    """A model that never awaits (the offline model: embeddings and rules, all CPU), run on a worker thread.

    On the event loop its embeddings would hold up every other request, Slack's acks among them. One
    thread: more would only take turns on the CPU and the GIL, and the loop needs its share of both.
    """

    def __init__(self, model: ChatModel) -> None:
        self.model, self.name = model, model.name
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="nexa-offline-model")

    async def request(self, messages: Sequence[ModelMessage], tools: Sequence[ToolSpec]) -> ModelResponse:
        return await asyncio.get_running_loop().run_in_executor(
            self.thread, lambda: asyncio.run(self.model.request(messages, tools))
        )

    async def stream(
        self, messages: Sequence[ModelMessage], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelResponse]:
        response = await self.request(messages, tools)
        if response.message.content:
            yield TextDelta(response.message.content)
        yield response


def off_loop(agent: Agent) -> Agent:
    """The same agent, with its offline model (the main one or the fallback) thinking off the event loop."""
    slack = copy.copy(agent)
    slack.model = OffLoop(agent.model) if isinstance(agent.model, OfflineModel) else agent.model
    slack.fallback = OffLoop(agent.fallback) if isinstance(agent.fallback, OfflineModel) else agent.fallback
    return slack


def build_app(agent: Agent, db: Database, settings: Settings) -> AsyncApp:
    """The Bolt app over `agent`, calling the Web API at SLACK_API_URL with SLACK_BOT_TOKEN."""
    if not settings.slack_bot_token:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=base_url)
    app = AsyncApp(client=client, signing_secret=settings.slack_signing_secret or "", name="nexa", logger=log)
    # half the connection pool at most for Slack's jobs: the HTTP API keeps the other half
    SlackBot(off_loop(agent), db, public_url=settings.public_url, jobs=max(1, settings.pool_size // 2)).register(app)
    return app
