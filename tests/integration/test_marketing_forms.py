"""Web-to-lead forms through the in-process app: form-encoded and JSON posts create a scored lead (source website,
campaign), consent is kept, a honeypot hit creates nothing, the welcome email goes out through the queue, the
follow-up task is created by score band, and posts are rate-limited per address."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from assistant.agent import Agent
from bots.http.app import create_app
from store.models import CampaignMember, Lead, Task
from store.models.enums import LeadSource, Seniority
from store.services.campaigns import CampaignService
from store.services.forms import FormService
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.job_tasks import drain
from tests.support.marketing import settings_for
from tests.support.scripted_models import ScriptedModel, say
from tests.support.smtp import smtp_server


@pytest.fixture
async def demo_form(db, clock):
    async with db.session() as s:
        await factories.user(s, name="John", seniority=Seniority.senior)
        campaign = await CampaignService(s, SYSTEM).create({"name": "Website Demo Requests", "type": "email"})
        await FormService(s, SYSTEM).create(
            {
                "slug": "request-demo",
                "name": "Request Demo",
                "campaign_id": campaign.id,
                "welcome_subject": "Thanks, {{ contact.first_name }}",
                "welcome_body": "Hi {{ contact.first_name }}, we will show you Nexa soon.",
            }
        )
    return campaign


async def test_a_form_post_creates_the_lead_with_consent_campaign_task_and_welcome_email(db, demo_form, monkeypatch):
    monkeypatch.setenv("NEXA_FORMS_PER_IP", "3")
    with smtp_server() as (inbox, url):
        settings = settings_for(url)
        app = create_app(db, settings=settings, agent=Agent(db, ScriptedModel(say("ok")), settings=settings))
        async with AsyncTestClient(app) as http:
            made = await http.post(
                "/forms/request-demo",
                data={
                    "first_name": "Sarah",
                    "last_name": "Johnson",
                    "email": "sarah@acme.test",
                    "company": "Acme Corp",
                    "title": "CTO",
                    "consent": "on",
                    "website": "",
                },
            )
            assert made.status_code == 201, made.text
            bot = await http.post(
                "/forms/request-demo",
                json={
                    "first_name": "B",
                    "last_name": "Ot",
                    "email": "bot@spam.test",
                    "consent": True,
                    "website": "http://spam.test",
                },
            )
            assert bot.status_code == 201 and bot.json()["lead_id"] is None
            no_consent = await http.post(
                "/forms/request-demo", json={"first_name": "N", "last_name": "C", "email": "nc@x.test"}
            )
            assert no_consent.status_code == 400 and no_consent.json()["field"] == "consent"
            limited = await http.post(
                "/forms/request-demo", json={"first_name": "L", "last_name": "M", "email": "lm@x.test", "consent": True}
            )
            assert limited.status_code == 429
            unknown = await http.post("/forms/nope", json={})
            assert unknown.status_code in (404, 429)
        await drain(db, settings)
    async with db.session() as s:
        lead = await s.scalar(select(Lead).where(Lead.email == "sarah@acme.test"))
        assert (
            lead.source is LeadSource.website
            and lead.custom_fields["consent"]["at"]
            and lead.custom_fields["form"] == "request-demo"
        )
        assert await s.scalar(select(func.count()).select_from(Lead)) == 1
        member = await s.scalar(
            select(CampaignMember).where(CampaignMember.lead_id == lead.id, CampaignMember.campaign_id == demo_form.id)
        )
        assert member.lead_created
        tasks = list(await s.scalars(select(Task).where(Task.related_id == lead.id)))
    (welcome,) = inbox.messages
    assert welcome.rcpt_tos == ["sarah@acme.test"] and b"Hi Sarah, we will show you Nexa soon." in welcome.content
    if lead.assigned_to_id:  # High or Medium: the owner has a follow-up task
        assert len(tasks) == 1 and tasks[0].assignee_id == lead.assigned_to_id and "Sarah Johnson" in tasks[0].title
