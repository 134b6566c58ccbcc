"""The marketing HTTP API and the public links of campaign emails, through the whole app in-process (Litestar's test
client, real middleware) over real PostgreSQL and a real SMTP server; the queue is drained in-process."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.models import Activity, ActivityLink, MassEmailSend, Suppression
from store.models.enums import Role
from tests.support import factories
from tests.support.job_tasks import drain
from tests.support.marketing import BODY, html_of, settings_for
from tests.support.scripted_models import ScriptedModel, say
from tests.support.smtp import smtp_server


@dataclass
class Api:
    """A base path and headers over the test client."""

    http: Any
    prefix: str
    headers: dict[str, str]

    async def get(self, path: str) -> Any:
        return await self.http.get(self.prefix + path, headers=self.headers, follow_redirects=False)

    async def post(self, path: str, **kw: Any) -> Any:
        return await self.http.post(self.prefix + path, headers=self.headers | kw.pop("headers", {}), **kw)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def test_api_send_then_open_click_and_one_click_unsubscribe_are_recorded(db):
    async with db.session() as s:
        boss = await factories.user(s, role=Role.manager, team="East", name="Maria")
        rep = await factories.user(s, role=Role.rep, team="East", name="John")
        tokens = {"boss": await issue_token(s, boss), "rep": await issue_token(s, rep)}
        big = await factories.account(s, account_name="Big Co", tier="enterprise")
        ann = await factories.contact(s, first_name="Ann", account_id=big.id, email="ann@big.test", owner_id=boss.id)
        await factories.contact(s, first_name="Dee", account_id=big.id, email="dee@big.test", owner_id=boss.id)
    with smtp_server() as (inbox, url):
        settings = settings_for(url)
        app = create_app(db, settings=settings, agent=Agent(db, ScriptedModel(say("ok")), settings=settings))
        async with AsyncTestClient(app) as http:
            api = Api(http, "/api/v1", {"Authorization": f"Bearer {tokens['boss']}"})
            as_rep = Api(http, "/api/v1", {"Authorization": f"Bearer {tokens['rep']}"})
            public = Api(http, "", {})
            bad = await api.post(
                "/lists/preview", json={"criteria": {"field": "contact.shoe", "op": "eq", "value": "9"}}
            )
            assert bad.status_code == 400 and bad.json()["field"] == "criteria.field"
            preview = (
                await api.post(
                    "/lists/preview", json={"criteria": {"field": "account.tier", "op": "eq", "value": "enterprise"}}
                )
            ).json()
            assert preview["count"] == 2
            made = await api.post(
                "/lists",
                json={"name": "Enterprise", "criteria": {"field": "account.tier", "op": "eq", "value": "enterprise"}},
            )
            assert made.status_code == 201 and made.json()["kind"] == "dynamic" and made.json()["members"] == 2
            assert (await api.get(f"/lists/{made.json()['id']}/members")).json()["total"] == 2
            campaign = (
                await api.post("/campaigns", json={"name": "Q4 Promo", "type": "email", "actual_cost": "100"})
            ).json()
            unknown = await api.post(
                f"/campaigns/{campaign['id']}/emails", json={"subject": "Hi", "body": "{{ contact.shoe }}"}
            )
            assert (
                unknown.status_code == 400
                and unknown.json()["field"] == "body"
                and "contact.shoe" in unknown.json()["detail"]
            )
            mass = (
                await api.post(
                    f"/campaigns/{campaign['id']}/emails",
                    json={"subject": "Hi {{ contact.first_name }}", "body": BODY, "list_id": made.json()["id"]},
                )
            ).json()
            path = f"/campaigns/{campaign['id']}/emails/{mass['id']}"
            shown = (await api.post(f"{path}/preview", json={"contact_id": str(ann.id)})).json()
            assert shown["subject"] == "Hi Ann" and shown["audience"] == {"recipients": 2, "suppressed": 0}
            assert (await as_rep.post(f"{path}/send", json={})).status_code == 403  # reps may not send campaign email
            sent = await api.post(f"{path}/send", json={})
            assert sent.status_code == 202 and sent.json()["recipients"] == 2
            again = await api.post(f"{path}/send", json={})
            assert again.status_code == 409 and again.json()["field"] == "status"
            await drain(db, settings)
            assert len(inbox.messages) == 2
            message = email.message_from_bytes(
                next(m for m in inbox.messages if m.rcpt_tos == ["ann@big.test"]).content
            )
            body = html_of(message)
            pixel = re.search(r'<img src="([^"]+)"', body).group(1)
            click = re.search(r'href="(http://nexa\.test/t/c/[^"]+)"', body).group(1)
            unsubscribe = message["List-Unsubscribe"].strip("<>")
            assert (await public.get(_path(pixel))).headers["content-type"] == "image/gif"
            hop = await public.get(_path(click))
            assert hop.status_code == 302 and hop.headers["location"] == "https://nexa.test/offer"
            forged = _path(click)[:-3] + "AAA"
            assert (await public.get(forged)).status_code == 404
            assert (
                await public.get(_path(click).replace("-0-", "-1-"))
            ).status_code == 404  # another index: not signed, never a redirect
            assert (await public.get(_path(unsubscribe))).status_code == 200  # the page; a GET changes nothing
            async with db.session() as s:
                assert await s.get(Suppression, "ann@big.test") is None
            for _ in range(2):  # RFC 8058 one-click POST, idempotent
                done = await public.post(
                    _path(unsubscribe),
                    content="List-Unsubscribe=One-Click",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                assert done.status_code == 200
            metrics = (await api.get(f"/campaigns/{campaign['id']}")).json()["metrics"]
            assert metrics["by_status"] == {"unsubscribed": 1, "sent": 1}
    async with db.session() as s:
        row = await s.scalar(select(MassEmailSend).where(MassEmailSend.address == "ann@big.test"))
        assert row.opened_at is not None and row.clicked_at is not None
        assert (await s.get(Suppression, "ann@big.test")).reason == "unsubscribed"
        actions = list(
            await s.scalars(
                select(Activity.action)
                .join(ActivityLink)
                .where(ActivityLink.record_id == ann.id)
                .where(Activity.action.in_(["opened", "clicked", "unsubscribed"]))
                .order_by(Activity.occurred_at)
            )
        )
        assert sorted(actions) == ["clicked", "opened", "unsubscribed"]
