"""Nurture drips through a real SMTP server: low-score leads enrolled by the routing rule get step 1, step 2 only after
its delay (the clock advanced), nothing once contacted or unsubscribed; bad steps refused naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.auth import actor_for
from store.clock import pinned
from store.errors import InvalidInput, PermissionDenied
from store.jobs.defer import defer
from store.models import MassEmailSend, User
from store.models.enums import MassEmailStatus, Role, SendStatus
from store.services import LeadService, mass_events
from store.services.campaigns import CampaignService
from store.services.drips import DripService
from store.services.mass_email import MassEmailService
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.job_tasks import drain
from tests.support.marketing import parsed, settings_for
from tests.support.scripted_models import ScriptedModel, say
from tests.support.smtp import Inbox, smtp_server

STEP1 = ("Welcome, {{ contact.first_name }}", "<p>Hello {{ contact.first_name }} at {{ account.name }}</p>")
STEP2 = ("Still thinking about it?", '<p>Case study: <a href="https://nexa.test/case">read it</a></p>')


async def _tick(db, settings) -> None:
    """What the `campaigns.drips` periodic job does every 5 minutes, then the send jobs it queues."""
    async with db.session() as s:
        await defer(s, "campaigns.drips", timestamp=0)
    await drain(db, settings)


@pytest.fixture
async def nurture(db, clock):
    async with db.session() as s:
        boss = await factories.user(s, role=Role.manager, name="Maria")
        rep = await factories.user(s, role=Role.rep, name="John")
        leads = {
            name: await LeadService(s, SYSTEM).create(
                {
                    "first_name": name.title(),
                    "last_name": "Low",
                    "email": f"{name}@x.test",
                    "company": f"{name.title()} Ltd",
                    "source": "social_media",
                    "score": 20,
                }
            )
            for name in ("lou", "sam", "uma")
        }
        (campaign,), _ = await CampaignService(s, SYSTEM).search(q="Nurture")
    return {"boss": actor_for(boss), "rep": actor_for(rep), "leads": leads, "campaign": campaign}


async def test_a_low_score_lead_gets_step_1_then_step_2_after_its_delay_and_nothing_once_contacted(db, clock, nurture):
    with smtp_server() as (inbox, url):
        settings = settings_for(url)
        async with db.session() as s:
            drips = DripService(s, nurture["boss"])
            first = await drips.add_step(
                nurture["campaign"].id, {"subject": STEP1[0], "body": STEP1[1], "delay_hours": 0}, settings
            )
            second = await drips.add_step(
                nurture["campaign"].id, {"subject": STEP2[0], "body": STEP2[1], "delay_hours": 48}, settings
            )
            assert [(st.drip_step, st.drip_delay) for st in await drips.steps(nurture["campaign"].id)] == [
                (1, timedelta(0)),
                (2, timedelta(hours=48)),
            ]
        await _tick(db, settings)
        assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["lou@x.test", "sam@x.test", "uma@x.test"]
        lou = parsed(next(m for m in inbox.messages if m.rcpt_tos == ["lou@x.test"]))
        assert lou["Subject"] == "Welcome, Lou" and lou["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert lou["Message-ID"].startswith(f"<{first.id}.")
        await _tick(db, settings)
        assert len(inbox.messages) == 3  # step 1 once each; step 2 not due yet

        async with db.session() as s:
            await LeadService(s, SYSTEM).set_status(nurture["leads"]["sam"].id, "contacted")
            uma = await s.scalar(select(MassEmailSend.id).where(MassEmailSend.lead_id == nurture["leads"]["uma"].id))
            await mass_events.unsubscribed(s, uma)
        with pinned(clock + timedelta(hours=47)):
            await _tick(db, settings)
        assert len(inbox.messages) == 3  # 47 h after step 1: step 2 (48 h) still waits
        with pinned(clock + timedelta(hours=48, minutes=5)):
            await _tick(db, settings)
            await _tick(db, settings)
        assert [m.rcpt_tos[0] for m in inbox.messages[3:]] == ["lou@x.test"]  # Sam was contacted, Uma unsubscribed
        assert parsed(inbox.messages[3])["Message-ID"].startswith(f"<{second.id}.")
        with pinned(clock + timedelta(days=30)):
            await _tick(db, settings)
        assert len(inbox.messages) == 4
        async with db.session() as s:
            progress = await MassEmailService(s, nurture["boss"]).progress(second.id)
            assert progress == {"sent": 1, "opened": 0, "clicked": 0}
            assert (await MassEmailService(s, nurture["boss"]).get(second.id)).status is MassEmailStatus.sent


async def test_a_lead_enrolled_later_starts_the_drip_from_its_own_enrolment_and_a_5xx_ends_it(db, clock, nurture):
    with smtp_server(Inbox(refuse={"max@x.test": "550 5.1.1 no such user"})) as (inbox, url):
        settings = settings_for(url)
        async with db.session() as s:
            drips = DripService(s, nurture["boss"])
            await drips.add_step(
                nurture["campaign"].id, {"subject": STEP1[0], "body": STEP1[1], "delay_hours": 24}, settings
            )
            await drips.add_step(
                nurture["campaign"].id, {"subject": STEP2[0], "body": STEP2[1], "delay_hours": 24}, settings
            )
        with pinned(clock + timedelta(hours=12)):
            async with db.session() as s:
                for name in ("max", "zoe"):
                    await LeadService(s, SYSTEM).create(
                        {
                            "first_name": name.title(),
                            "last_name": "Late",
                            "email": f"{name}@x.test",
                            "source": "social_media",
                            "score": 10,
                        }
                    )
        with pinned(clock + timedelta(hours=25)):
            await _tick(db, settings)
        assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["lou@x.test", "sam@x.test", "uma@x.test"]
        with pinned(clock + timedelta(hours=37)):
            await _tick(db, settings)
        assert sorted(m.rcpt_tos[0] for m in inbox.messages[3:]) == ["zoe@x.test"]  # Max's address bounced
        with pinned(clock + timedelta(hours=62)):
            await _tick(db, settings)
        assert sorted(m.rcpt_tos[0] for m in inbox.messages[4:]) == [
            "lou@x.test",
            "sam@x.test",
            "uma@x.test",
            "zoe@x.test",
        ]
        async with db.session() as s:
            statuses = sorted(
                (await s.scalars(select(MassEmailSend.status).where(MassEmailSend.address == "max@x.test"))).all()
            )
            assert statuses == [SendStatus.bounced]


async def test_bad_steps_are_refused_naming_the_field_and_reps_may_not_write_them(db, clock, nurture):
    settings = settings_for("smtp://127.0.0.1:2525")
    campaign = nurture["campaign"].id
    cases = [
        ({"subject": "Hi", "body": "<p>x</p>", "delay_hours": -1}, "delay_hours"),
        ({"subject": "Hi", "body": "<p>{{ contact.favourite_color }}</p>", "delay_hours": 1}, "body"),
        ({"subject": "Hi {{ lead.name }}", "body": "<p>x</p>", "delay_hours": 1}, "subject"),
        ({"subject": "Hi", "body": "<p>x</p>"}, "delay_hours"),
    ]
    for data, field in cases:
        async with db.session() as s:
            with pytest.raises(InvalidInput) as err:
                await DripService(s, nurture["boss"]).add_step(campaign, data, settings)
            assert err.value.field == field
    async with db.session() as s:
        other = await CampaignService(s, SYSTEM).create({"name": "Q4 Promo", "type": "email"})
        with pytest.raises(InvalidInput) as err:
            await DripService(s, nurture["boss"]).add_step(
                other.id, {"subject": "Hi", "body": "<p>x</p>", "delay_hours": 1}, settings
            )
        assert err.value.field == "campaign_id"
        with pytest.raises(PermissionDenied):
            await DripService(s, nurture["rep"]).add_step(
                campaign, {"subject": "Hi", "body": "<p>x</p>", "delay_hours": 1}, settings
            )
        assert await DripService(s, nurture["boss"]).steps(campaign) == []


async def test_api_defines_and_lists_steps_and_refuses_bad_ones_with_a_400_naming_the_field(db, clock, nurture):
    async with db.session() as s:
        token = await issue_token(s, await s.get(User, nurture["boss"].user_id))
    settings = settings_for("smtp://127.0.0.1:2525")
    app = create_app(db, settings=settings, agent=Agent(db, ScriptedModel(say("ok")), settings=settings))
    path = f"/api/v1/campaigns/{nurture['campaign'].id}/steps"
    async with AsyncTestClient(app) as http:
        headers = {"Authorization": f"Bearer {token}"}
        negative = await http.post(path, headers=headers, json={"subject": "Hi", "body": "<p>x</p>", "delay_hours": -2})
        assert negative.status_code == 400 and negative.json()["field"] == "delay_hours"
        unknown = await http.post(
            path, headers=headers, json={"subject": "Hi", "body": "{{ contact.shoe }}", "delay_hours": 2}
        )
        assert (
            unknown.status_code == 400
            and unknown.json()["field"] == "body"
            and "contact.shoe" in unknown.json()["detail"]
        )
        made = await http.post(path, headers=headers, json={"subject": STEP2[0], "body": STEP2[1], "delay_hours": 48})
        assert made.status_code == 201 and made.json()["drip_step"] == 1 and made.json()["drip_delay"] == 48
        listed = (await http.get(path, headers=headers)).json()["items"]
        assert [(st["drip_step"], st["subject"], st["status"]) for st in listed] == [(1, STEP2[0], "scheduled")]
