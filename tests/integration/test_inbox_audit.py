"""Inbox writes land in the audit log under the channel they came from: the console's as `console:inbox.*` on the
`console` channel, the API's as `api:inbox.*` on `api`; a refused write leaves no entry. In-process app (Litestar's
async test client) over real PostgreSQL, signed in with a real console session and its CSRF token."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from bots.web.session import SESSION_COOKIE, csrf_for
from store.inbox.ingest import ingest
from store.inbox.service import InboxService
from store.models import AuditEntry
from store.models.enums import Channel, Role
from store.settings import Settings
from store.signin import set_password, sign_in
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.inbox_mail import mail
from tests.support.scripted_models import ScriptedModel, say

SETTINGS = replace(Settings(), secret_key="inbox-audit-test-key")
PASSWORD = "correct horse battery"


@pytest.fixture
async def world(db, clock):
    async with db.session() as s:
        sam = await factories.user(s, role=Role.support, team="Support", name="Sam Agent", email="sam@nexa.test")
        sue = await factories.user(s, role=Role.support, team="Support", name="Sue Agent", email="sue@nexa.test")
        for email in ("sam@nexa.test", "sue@nexa.test"):
            await set_password(s, email, PASSWORD)
        inbox, _ = await InboxService(s, SYSTEM).create_inbox(
            name="support", address="support@nexa.test", team="Support"
        )
        got = await ingest(s, inbox, mail(message_id="<audit1@g>"), SETTINGS)
        consoles = {u.email: (await sign_in(s, u.email, PASSWORD, client_ip="10.0.0.1")).token for u in (sam, sue)}
        sue_token = await issue_token(s, sue)
    async with AsyncTestClient(create_app(db, settings=SETTINGS, agent=Agent(db, ScriptedModel(say("hi"))))) as client:
        yield {
            "client": client,
            "cid": str(got.conversation.id),
            "sam": sam,
            "sue": sue,
            "consoles": consoles,
            "sue_token": sue_token,
        }


async def _console_post(world, who: str, path: str, form: dict[str, str]):
    token = world["consoles"][who]
    return await world["client"].post(
        f"/console{path}",
        data=form | {"_csrf": csrf_for(SETTINGS.signing_key(), token)},
        headers={"Cookie": f"{SESSION_COOKIE}={token}"},
        follow_redirects=False,
    )


async def _entries(db) -> list[AuditEntry]:
    async with db.session() as s:
        return list(
            await s.scalars(
                select(AuditEntry).where(AuditEntry.action.like("%inbox.%")).order_by(AuditEntry.at, AuditEntry.action)
            )
        )


async def test_console_and_api_inbox_writes_are_audited_under_their_own_channel(db, world):
    cid, sam, sue = world["cid"], world["sam"], world["sue"]
    assert (await _console_post(world, "sam@nexa.test", f"/inbox/{cid}/claim", {})).status_code == 303
    assert (
        await _console_post(world, "sam@nexa.test", f"/inbox/{cid}/notes", {"body": "@Sue can you check SSO?"})
    ).status_code == 303
    assert (
        await _console_post(world, "sam@nexa.test", f"/inbox/{cid}/status", {"status": "pending", "priority": "high"})
    ).status_code == 303
    refused = await _console_post(world, "sue@nexa.test", f"/inbox/{cid}/claim", {})  # Sam has it
    assert refused.status_code == 409
    answer = await world["client"].post(
        f"/api/v1/inbox/conversations/{cid}/assign",
        json={"assignee_id": str(sue.id)},
        headers={"Authorization": f"Bearer {world['sue_token']}"},
    )
    assert answer.status_code == 200, answer.text

    entries = await _entries(db)
    console = [(e.action, e.actor_id, e.status) for e in entries if e.channel is Channel.console]
    assert sorted(console) == sorted(
        [
            ("console:inbox.claim", sam.id, "ok"),
            ("console:inbox.note", sam.id, "ok"),
            ("console:inbox.status", sam.id, "ok"),
        ]
    )  # Sue's refused claim wrote nothing
    note = next(e for e in entries if e.action == "console:inbox.note")
    assert note.arguments == {"mentioned": [str(sue.id)]} and note.record_ids[0] == cid
    status = next(e for e in entries if e.action == "console:inbox.status")
    assert status.arguments["status"] == "pending" and status.arguments["priority"] == "high"
    api = [(e.action, e.actor_id, e.arguments) for e in entries if e.channel is Channel.api]
    assert api == [("api:inbox.assign", sue.id, {"assignee_id": str(sue.id)})]
    assert all(str(cid) in e.record_ids for e in entries)
