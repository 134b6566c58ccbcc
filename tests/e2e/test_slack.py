"""The Slack bot through Slack's real protocol: signed requests to a running `nexa serve`, a fake Slack Web API.

Requests are signed like Slack signs them (HMAC-SHA256 of `v0:{timestamp}:{body}`) and posted to
/slack/events; the bot's Web API client points at a fake Slack on loopback (SLACK_API_URL) that
records chat.postMessage, chat.update, chat.postEphemeral, views.publish and users.info.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

import store.clock
from assistant.events import Pending, TurnResult
from bots.slack import blocks
from bots.slack.app import THINKING, plain_text, publish
from store.models import Conversation, ConversationMessage, Deal, DealStageChange, PendingAction, SlackEvent, User
from store.models.enums import DealStage, Role, Seniority
from store.services import TaskService
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.fake_slack import BOT_USER, TEAM, FakeSlack, running
from tests.support.live import live_server

SECRET = "test-signing-secret-5b1f"
PUBLIC = "https://nexa.example.test"
NEXA = Path(sys.executable).with_name("nexa")


@pytest.fixture(scope="module")
def base(database_url, slack_api):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "NEXA_PUBLIC_URL": PUBLIC,
    }
    with live_server(database_url, **env) as url:
        yield url


def slack_id(prefix: str = "U") -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


@pytest.fixture
async def john(db, slack_api) -> dict:
    """A rep with a deal, known to Slack under a fresh user id (so no cache of an earlier test applies)."""
    async with db.session() as s:
        user = await factories.user(
            s,
            name="John Rep",
            email=f"john.{uuid.uuid4().hex[:6]}@nexa.test",
            role=Role.rep,
            team="Enterprise",
            seniority=Seniority.senior,
        )
        deal = await factories.deal(s, deal_name="Acme Corp - Enterprise Plan", amount=50000, owner_id=user.id)
    slack_user = slack_id()
    slack_api.users[slack_user] = user.email
    return {"id": user.id, "email": user.email, "slack": slack_user, "deal": deal.id}


# -- signing and posting -----------------------------------------------------------------------------


def signed(body: str, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": f"v0={digest}"}


def post(base: str, body: str, content_type: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        f"{base}/slack/events",
        content=body.encode(),
        timeout=10,
        headers={"Content-Type": content_type} | signed(body) | (headers or {}),
    )


def event_body(event: dict, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0NEXA",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def send_event(base: str, event: dict, *, event_id: str | None = None, retry: int | None = None) -> httpx.Response:
    extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
    return post(base, event_body(event, event_id), "application/json", extra)


def mention(user: str, channel: str, text: str, *, thread_ts: str | None = None) -> dict:
    ts = f"{time.time():.6f}"
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM,
    } | ({"thread_ts": thread_ts} if thread_ts else {})


def slash(base: str, user: str, channel: str, text: str, response_url: str) -> httpx.Response:
    form = {
        "token": "legacy",
        "team_id": TEAM,
        "team_domain": "nexa",
        "channel_id": channel,
        "channel_name": "sales",
        "user_id": user,
        "user_name": "john",
        "command": "/nexa",
        "text": text,
        "api_app_id": "A0NEXA",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }
    return post(base, urlencode(form), "application/x-www-form-urlencoded")


def click(base: str, user: str, channel: str, message: dict, action: dict, response_url: str) -> httpx.Response:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0NEXA",
        "token": "legacy",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False},
        "trigger_id": "1.2.3",
        "team": {"id": TEAM, "domain": "nexa"},
        "channel": {"id": channel, "name": "sales"},
        "message": message,
        "response_url": response_url,
        "actions": [action | {"action_ts": f"{time.time():.6f}"}],
    }
    return post(base, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def in_channel(channel: str):
    return lambda call: call.params.get("channel") == channel


async def count(db, stmt) -> int:
    async with db.session() as s:
        return await s.scalar(stmt)


# -- the protocol -------------------------------------------------------------------------------------


def test_url_verification_and_rejected_requests(base):
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    answer = post(base, body, "application/json")
    assert answer.status_code == 200 and answer.json() == {
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    }
    unsigned = httpx.post(f"{base}/slack/events", content=body, headers={"Content-Type": "application/json"})
    forged = httpx.post(
        f"{base}/slack/events",
        content=body,
        headers={"Content-Type": "application/json"} | signed(body, secret="guess"),
    )
    stale = httpx.post(
        f"{base}/slack/events",
        content=body,
        headers={"Content-Type": "application/json"} | signed(body, at=int(time.time()) - 6 * 60),
    )
    tampered = httpx.post(
        f"{base}/slack/events",
        content=body.replace("url_verification", "event_callback"),
        headers={"Content-Type": "application/json"} | signed(body),
    )
    assert [r.status_code for r in (unsigned, forged, stale, tampered)] == [401, 401, 401, 401]
    garbage = "{not json"
    assert (
        httpx.post(f"{base}/slack/events", content=garbage, headers=signed(garbage, secret="guess")).status_code == 401
    )


def test_malformed_payloads_and_unknown_actions_are_answered_without_a_crash(base, slack_api):
    assert post(base, "{not json", "application/json").status_code == 400
    assert post(base, "payload=%7Bnot-json", "application/x-www-form-urlencoded").status_code == 400
    assert post(base, urlencode({"payload": "[1, 2]"}), "application/x-www-form-urlencoded").status_code == 400
    unknown = {"action_id": "something_else", "block_id": "b1", "value": "x", "type": "button"}
    message = {"type": "message", "ts": "1.000001", "text": "hi", "blocks": []}
    assert click(base, slack_id(), "C0BAD", message, unknown, slack_api.response_url("bad")).status_code == 200
    broken = {"action_id": blocks.APPROVE, "block_id": "b1", "value": "not json", "type": "button"}
    clicker = slack_id()
    assert click(base, clicker, "C0BAD", message, broken, slack_api.response_url("bad")).status_code == 200
    note = slack_api.wait("chat.postEphemeral", lambda c: c.params.get("user") == clicker)[0]
    assert "cannot read that button" in note.text()
    assert send_event(base, {"type": "reaction_added", "user": "U1", "reaction": "tada"}).status_code == 200
    assert send_event(base, {"type": "app_mention"}).status_code == 200  # no user, channel or ts: nothing to answer
    for shape in (
        {"type": "event_callback", "event": "not an object"},
        {"type": "event_callback", "event": {"type": 5}},
        {"type": "block_actions", "actions": "x"},
        {"type": "block_actions", "user": "x", "actions": [{}]},
    ):
        assert post(base, json.dumps(shape), "application/json").status_code == 400, shape
    assert httpx.get(f"{base}/health").json() == {"status": "ok"}


# -- conversations ------------------------------------------------------------------------------------


async def test_a_mention_is_answered_in_its_thread_as_one_conversation(base, slack_api, db, john):
    channel = slack_id("C")
    first = mention(john["slack"], channel, "show me the Acme Corp - Enterprise Plan deal")
    started = time.perf_counter()
    assert send_event(base, first).status_code == 200
    assert time.perf_counter() - started < 3  # acked long before the turn ends
    thinking = slack_api.wait("chat.postMessage", in_channel(channel))[0]
    assert thinking.params["thread_ts"] == first["ts"] and thinking.params["text"] == THINKING
    update = slack_api.wait("chat.update", in_channel(channel))[0]
    assert update.params["ts"] == thinking.answer["ts"]
    assert f"<{PUBLIC}/api/v1/deals/{john['deal']}|Acme Corp - Enterprise Plan>" in update.text()
    assert "qualification" in update.text()
    follow_up = mention(john["slack"], channel, "what's my pipeline?", thread_ts=first["ts"])
    assert send_event(base, follow_up).status_code == 200
    slack_api.wait("chat.update", in_channel(channel), count=2)
    assert all(
        c.params.get("thread_ts") == first["ts"] for c in slack_api.find("chat.postMessage", in_channel(channel))
    )
    ref = f"slack:{TEAM}:{channel}:{first['ts']}"
    async with db.session() as s:
        conversation = await s.scalar(select(Conversation).where(Conversation.external_ref == ref))
        assert conversation is not None and conversation.channel.value == "slack" and conversation.user_id == john["id"]
        asked = list(
            await s.scalars(
                select(ConversationMessage.content)
                .where(ConversationMessage.conversation_id == conversation.id, ConversationMessage.role == "user")
                .order_by(ConversationMessage.created_at)
            )
        )
        assert asked == ["show me the Acme Corp - Enterprise Plan deal", "what's my pipeline?"]
        assert (await s.get(User, john["id"])).slack_user_id == john["slack"]  # the mapping persists
    assert len(slack_api.find("users.info", lambda c: c.params.get("user") == john["slack"])) == 1  # then cached


async def test_someone_else_in_the_thread_gets_a_conversation_of_their_own(base, slack_api, db, john):
    async with db.session() as s:
        mike = await factories.user(
            s, name="Mike Rep", email=f"mike.{uuid.uuid4().hex[:6]}@nexa.test", role=Role.rep, team="Enterprise"
        )
    mike_slack, channel = slack_id(), slack_id("C")
    slack_api.users[mike_slack] = mike.email
    first = mention(john["slack"], channel, "what's my pipeline?")
    assert send_event(base, first).status_code == 200
    slack_api.wait("chat.update", in_channel(channel))
    assert (
        send_event(base, mention(mike_slack, channel, "what's my pipeline?", thread_ts=first["ts"])).status_code == 200
    )
    slack_api.wait("chat.update", in_channel(channel), count=2)
    ref = f"slack:{TEAM}:{channel}:{first['ts']}"
    async with db.session() as s:
        owners = dict((await s.execute(select(Conversation.external_ref, Conversation.user_id))).all())
    assert owners == {ref: john["id"], f"{ref}:{mike_slack}": mike.id}


async def test_a_direct_message_is_answered_in_its_thread(base, slack_api, db, john):
    dm = slack_id("D")
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "channel_type": "im",
        "user": john["slack"],
        "text": "what's my pipeline?",
        "ts": ts,
        "channel": dm,
        "event_ts": ts,
    }
    assert send_event(base, event).status_code == 200
    assert slack_api.wait("chat.postMessage", in_channel(dm))[0].params["thread_ts"] == ts
    answer = slack_api.wait("chat.update", in_channel(dm))[0]
    assert "qualification" in answer.text().lower()
    edited = event | {"subtype": "message_changed", "ts": f"{time.time():.6f}"}
    from_a_bot = event | {"bot_id": "B0OTHER", "ts": f"{time.time():.6f}"}
    assert send_event(base, edited).status_code == 200 and send_event(base, from_a_bot).status_code == 200
    assert send_event(base, event | {"ts": (ts2 := f"{time.time():.6f}"), "text": "hi"}).status_code == 200
    slack_api.wait("chat.update", in_channel(dm), count=2)
    assert [c.params["thread_ts"] for c in slack_api.find("chat.postMessage", in_channel(dm))] == [ts, ts2]


async def test_the_nexa_slash_command(base, slack_api, db, john):
    channel = slack_id("C")
    started = time.perf_counter()
    answer = slash(base, john["slack"], channel, "what's my pipeline?", slack_api.response_url("cmd"))
    assert answer.status_code == 200 and time.perf_counter() - started < 3
    posted = slack_api.wait("chat.postMessage", in_channel(channel))[0]
    assert "thread_ts" not in posted.params
    update = slack_api.wait("chat.update", in_channel(channel))[0]
    assert update.params["ts"] == posted.answer["ts"] and "asked: _what's my pipeline?_" in update.text()
    assert "qualification" in update.text().lower()
    usage = slash(base, john["slack"], channel, "  ", slack_api.response_url("usage"))
    assert usage.status_code == 200 and "/nexa what's my pipeline?" in usage.text
    closed = slack_id("C")
    slack_api.closed.add(closed)
    assert slash(base, john["slack"], closed, "what's my pipeline?", slack_api.response_url(closed)).status_code == 200
    private = slack_api.wait("response_url", lambda c: c.params["response_url"].endswith(closed))[0]
    assert private.params["response_type"] == "ephemeral" and "qualification" in private.text().lower()


# -- writes: approvals and retries --------------------------------------------------------------------


async def test_a_write_approved_by_a_button_is_applied_once_although_the_click_arrives_twice(base, slack_api, db, john):
    channel = slack_id("C")
    ask = mention(john["slack"], channel, "move Acme Enterprise Plan to proposal")
    assert send_event(base, ask).status_code == 200
    proposal = slack_api.wait("chat.update", in_channel(channel))[0]
    buttons = next(b for b in proposal.params["blocks"] if b["type"] == "actions")
    approve = next(e for e in buttons["elements"] if e["action_id"] == blocks.APPROVE)
    assert [e["text"]["text"] for e in buttons["elements"]] == ["Approve", "Reject"]
    message = {
        "type": "message",
        "ts": proposal.params["ts"],
        "text": proposal.params["text"],
        "blocks": proposal.params["blocks"],
    }
    action = {
        "action_id": approve["action_id"],
        "block_id": buttons["block_id"],
        "value": approve["value"],
        "type": "button",
    }
    async with db.session() as s:
        assert (await s.get(Deal, john["deal"])).stage is DealStage.qualification
    with ThreadPoolExecutor(2) as pool:  # a double click: two payloads at once
        clicks = list(
            pool.map(
                lambda _: click(base, john["slack"], channel, message, action, slack_api.response_url(channel)),
                range(2),
            )
        )
    assert [c.status_code for c in clicks] == [200, 200]
    done = slack_api.wait("chat.update", lambda c: in_channel(channel)(c) and "Done" in c.text())[0]
    assert done.params["ts"] == proposal.params["ts"]
    assert (
        not any(b["type"] == "actions" for b in done.params["blocks"]) and ":hourglass:" not in done.text()
    )  # outcome, no buttons
    again = slack_api.wait("chat.postEphemeral", lambda c: in_channel(channel)(c) and "Already decided" in c.text())
    assert len(again) == 1
    async with db.session() as s:
        assert (await s.get(Deal, john["deal"])).stage is DealStage.proposal
        moves = await s.scalar(
            select(func.count())
            .select_from(DealStageChange)
            .where(DealStageChange.deal_id == john["deal"], DealStageChange.to_stage == DealStage.proposal)
        )
        assert moves == 1
        assert list(await s.scalars(select(PendingAction.status))) == ["applied"]


async def test_a_retried_event_delivered_three_times_writes_once(base, slack_api, db, john):
    channel = slack_id("C")
    event, event_id = (
        mention(john["slack"], channel, "move Acme Enterprise Plan to proposal"),
        f"Ev{uuid.uuid4().hex[:12]}",
    )
    assert send_event(base, event, event_id=event_id).status_code == 200
    with ThreadPoolExecutor(2) as pool:  # Slack's retries, racing each other
        retries = list(pool.map(lambda n: send_event(base, event, event_id=event_id, retry=n), (1, 2)))
    assert [r.status_code for r in retries] == [200, 200]
    slack_api.wait("chat.update", in_channel(channel))
    assert len(slack_api.find("chat.postMessage", in_channel(channel))) == 1
    assert await count(db, select(func.count()).select_from(Conversation)) == 1
    assert (
        await count(db, select(func.count()).select_from(ConversationMessage).where(ConversationMessage.role == "user"))
        == 1
    )
    assert await count(db, select(func.count()).select_from(PendingAction)) == 1
    assert await count(db, select(func.count()).select_from(SlackEvent).where(SlackEvent.event_id == event_id)) == 1


# -- identity and App Home ----------------------------------------------------------------------------


async def test_an_unmapped_slack_user_gets_a_clear_message_and_no_data(base, slack_api, db, john):
    stranger, no_email, channel = slack_id(), slack_id(), slack_id("C")
    slack_api.users[stranger] = "stranger@elsewhere.test"
    slack_api.users[no_email] = None
    assert send_event(base, mention(stranger, channel, "what's my pipeline?")).status_code == 200
    note = slack_api.wait("chat.postEphemeral", lambda c: c.params.get("user") == stranger)[0]
    assert "stranger@elsewhere.test" in note.text() and "can't show you any CRM data" in note.text()
    assert send_event(base, mention(no_email, channel, "what's my pipeline?")).status_code == 200
    assert (
        "shows no email" in slack_api.wait("chat.postEphemeral", lambda c: c.params.get("user") == no_email)[0].text()
    )
    assert (
        send_event(
            base,
            {
                "type": "app_home_opened",
                "user": stranger,
                "channel": slack_id("D"),
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
        ).status_code
        == 200
    )
    home = slack_api.wait("views.publish", lambda c: c.params.get("user_id") == stranger)[0]
    assert "stranger@elsewhere.test" in home.text() and "Acme" not in home.text()
    assert slack_api.find("chat.postMessage", in_channel(channel)) == []
    assert await count(db, select(func.count()).select_from(Conversation)) == 0


async def test_app_home_shows_pipeline_tasks_and_alerts(base, slack_api, db, john):
    async with db.session() as s:
        await TaskService(s, SYSTEM).create(
            {
                "title": "Send the Acme contract",
                "due_date": store.clock.today() + timedelta(days=3),
                "assignee_id": john["id"],
            }
        )
        await TaskService(s, SYSTEM).create(
            {"title": "Plan next year", "due_date": store.clock.today() + timedelta(days=30), "assignee_id": john["id"]}
        )
        support = await factories.user(
            s, name="Sam Support", email="sam.home@nexa.test", role=Role.support, team="Support"
        )
    sam = slack_id()
    slack_api.users[sam] = support.email
    for user in (john["slack"], sam):
        opened = {
            "type": "app_home_opened",
            "user": user,
            "channel": slack_id("D"),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        assert send_event(base, opened).status_code == 200
    view = slack_api.wait("views.publish", lambda c: c.params.get("user_id") == john["slack"])[0].params["view"]
    text = json.dumps(view)
    assert view["type"] == "home" and "Nexa for John Rep" in text
    assert (
        "qualification: 1 deal, $50K ($12.5K weighted)" in text and "prospecting" not in text
    )  # empty stages left out
    assert "Send the Acme contract" in text and "Plan next year" not in text and "Alerts" in text
    other = json.dumps(slack_api.wait("views.publish", lambda c: c.params.get("user_id") == sam)[0].params["view"])
    assert "Not available for your role" in other and "Nothing due." in other


# -- Socket Mode --------------------------------------------------------------------------------------


def test_nexa_slack_needs_the_app_token():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    run = subprocess.run([str(NEXA), "slack"], capture_output=True, text=True, env=env | {"COLUMNS": "200"}, timeout=60)
    assert run.returncode == 2 and "SLACK_APP_TOKEN" in run.stdout


async def test_nexa_slack_answers_over_socket_mode(database_url, db, john, tmp_path):
    with running(FakeSlack(users={john["slack"]: john["email"]})) as fake, (tmp_path / "slack.log").open("w") as log:
        env = os.environ | {
            "DATABASE_URL": database_url,
            "HF_HUB_OFFLINE": "1",
            "SLACK_APP_TOKEN": "xapp-test",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": fake.api_url,
        }
        process = subprocess.Popen([str(NEXA), "slack"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            fake.wait("apps.connections.open", timeout=60)
            channel = slack_id("C")
            payload = json.loads(event_body(mention(john["slack"], channel, "what's my pipeline?")))
            for attempt in (0, 1):  # the event, then Slack's retry of it
                fake.socket_outbox.put(
                    {
                        "envelope_id": f"env-{attempt}",
                        "type": "events_api",
                        "accepts_response_payload": False,
                        "retry_attempt": attempt,
                        "retry_reason": "timeout" if attempt else "",
                        "payload": payload,
                    }
                )
            answer = fake.wait("chat.update", in_channel(channel), timeout=60)[0]
            assert "qualification" in answer.text().lower()
            assert {"env-0", "env-1"} <= {a.get("envelope_id") for a in fake.socket_acks}  # both acknowledged
            assert len(fake.find("chat.postMessage", in_channel(channel))) == 1  # one answered
        finally:
            process.terminate()
            process.wait(timeout=10)


# -- rendering (no server) ----------------------------------------------------------------------------


def test_a_long_answer_is_split_under_slacks_limits_and_nothing_is_lost():
    paragraphs = [f"Paragraph {i}: " + " ".join(f"word{i}-{j}" for j in range(120)) for i in range(60)]
    text = "\n\n".join(paragraphs) + "\n\n```\n" + "\n".join(f"code line {i}" for i in range(400)) + "\n```"
    result = TurnResult(
        conversation_id="c1", answer=text, pending=[Pending(id="p1", tool="t", arguments={}, summary="Do it")]
    )
    messages = blocks.answer(result, PUBLIC)
    assert len(messages) > 1
    for message in messages:
        assert len(message.blocks) <= blocks.MESSAGE_BLOCKS and len(message.text) <= 300
        assert all(len(b["text"]["text"]) <= blocks.SECTION_CHARS for b in message.blocks if b["type"] == "section")
    sections = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    words = " ".join(sections).replace("```", " ").split()
    assert words == text.replace("```", " ").split()  # every word, in order
    assert messages[-1].blocks[-1]["type"] == "actions"  # the buttons come last
    assert json.loads(messages[-1].blocks[-1]["elements"][0]["value"]) == {"conversation_id": "c1", "action_id": "p1"}


async def test_a_long_answer_continues_in_the_thread(slack_api):
    text = "\n\n".join(f"Paragraph {i}: " + "lorem ipsum " * 200 for i in range(20))
    messages = blocks.answer(TurnResult(conversation_id="c", answer=text), None)
    channel = slack_id("C")
    await publish(
        AsyncWebClient(token="xoxb-test", base_url=slack_api.api_url), channel, "1.000100", "1.000001", messages
    )
    (update,) = slack_api.find("chat.update", in_channel(channel))
    rest = slack_api.find("chat.postMessage", in_channel(channel))
    assert len(rest) == len(messages) - 1 >= 3 and {c.params["thread_ts"] for c in rest} == {"1.000001"}
    shown = [b["text"]["text"] for c in [update, *rest] for b in c.params["blocks"]]
    assert " ".join(shown).split() == text.split()


def test_references_become_links_or_bold_names():
    refs = [
        {"type": "deal", "id": "d1", "name": "Acme Corp - Enterprise Plan"},
        {"type": "account", "id": "a1", "name": "Acme Corp"},
        {"type": "contact", "id": "c1", "name": "Tom Smith"},
    ]
    result = TurnResult(
        conversation_id="c", answer="**Acme Corp - Enterprise Plan** at Acme Corp & co <b>", references=refs
    )
    (linked,) = blocks.answer(result, PUBLIC)
    first = linked.blocks[0]["text"]["text"]
    assert first == (
        f"*<{PUBLIC}/api/v1/deals/d1|Acme Corp - Enterprise Plan>* at <{PUBLIC}/api/v1/accounts/a1|Acme Corp> "
        "&amp; co &lt;b&gt;"
    )
    assert linked.blocks[1]["elements"][0]["text"] == f"Records: <{PUBLIC}/api/v1/contacts/c1|Tom Smith>"
    (bold,) = blocks.answer(result, None)
    assert bold.blocks[0]["text"]["text"] == "*Acme Corp - Enterprise Plan* at Acme Corp &amp; co &lt;b&gt;"
    assert bold.blocks[1]["elements"][0]["text"] == "Records: *Tom Smith*"


def test_numbered_steps_stay_one_per_line():
    answer = "To reset it:\n1. On the sign-in page choose **Forgot password**.\n2. Enter your work email.\n10. Sign in again. [1]"
    (message,) = blocks.answer(TurnResult(conversation_id="c", answer=answer), None)
    assert message.blocks[0]["text"]["text"].splitlines() == [
        "To reset it:",
        "1. On the sign-in page choose *Forgot password*.",
        "2. Enter your work email.",
        "10. Sign in again. [1]",
    ]


def test_slack_markup_in_questions_is_undone():
    assert (
        plain_text(f"<@{BOT_USER}> new lead: Dana, <mailto:dana@bw.io|dana@bw.io>, R&amp;D &lt;3", BOT_USER)
        == "new lead: Dana, dana@bw.io, R&D <3"
    )


def test_the_manifest_asks_for_what_the_app_uses():
    manifest = yaml.safe_load((Path(blocks.__file__).parent / "manifest.yml").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "im:read",
        "im:write",
        "users:read",
        "users:read.email",
    }
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "app_home_opened",
    }
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/nexa"]
    urls = [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        manifest["features"]["slash_commands"][0]["url"],
    ]
    assert urls == ["https://YOUR-HOST/slack/events"] * 3 and manifest["settings"]["interactivity"]["is_enabled"]
