"""Lead automation on creation (every path), qualification with BANT, conversion with a recorded override."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from store.auth import actor_for
from store.errors import InvalidInput, InvalidTransition
from store.imports import Importer, ImportOptions
from store.models import CampaignMember, EmailMessage, Lead, Notification, Task, User
from store.models.enums import EmailStatus, LeadStatus, Priority, RecordType, Role, Seniority
from store.services import LeadService
from store.services.business_hours import add_business_days, add_business_hours
from store.services.notifications import NotificationService
from store.services.timeline import timeline
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.fake_slack import FakeSlack, running
from tests.support.job_tasks import drain
from tools import TOOLSET, ToolContext

HOURS = (9, 17)
BANT = {
    "budget": "$50K approved",
    "authority": "Sarah is the decision-maker",
    "need": "current system inadequate",
    "timeline": "Q1",
}


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (datetime(2026, 6, 10, 9, 0, tzinfo=UTC), 4, datetime(2026, 6, 10, 13, 0, tzinfo=UTC)),  # Wednesday morning
        (
            datetime(2026, 6, 10, 15, 0, tzinfo=UTC),
            4,
            datetime(2026, 6, 11, 11, 0, tzinfo=UTC),
        ),  # 2 h today, 2 h tomorrow
        (datetime(2026, 6, 12, 16, 30, tzinfo=UTC), 4, datetime(2026, 6, 15, 12, 30, tzinfo=UTC)),  # Friday -> Monday
        (
            datetime(2026, 6, 13, 11, 0, tzinfo=UTC),
            4,
            datetime(2026, 6, 15, 13, 0, tzinfo=UTC),
        ),  # Saturday counts from Monday 9:00
        (datetime(2026, 6, 10, 20, 0, tzinfo=UTC), 1, datetime(2026, 6, 11, 10, 0, tzinfo=UTC)),  # after hours
    ],
)
def test_business_hours(start, hours, due):
    assert add_business_hours(start, hours, HOURS) == due


def test_business_days():
    assert add_business_days(datetime(2026, 6, 12, 10, 0, tzinfo=UTC), 1, HOURS) == datetime(
        2026, 6, 15, 17, 0, tzinfo=UTC
    )
    assert add_business_days(datetime(2026, 6, 10, 18, 0, tzinfo=UTC), 1, HOURS) == datetime(
        2026, 6, 12, 17, 0, tzinfo=UTC
    )


async def _team(s):
    john = await factories.user(
        s, name="John Senior", email="john@nexa.test", seniority=Seniority.senior, slack_user_id="U0JOHN"
    )
    mike = await factories.user(s, name="Mike Standard", email="mike@nexa.test")
    return john, mike


async def test_a_high_lead_gets_its_owner_notified_with_a_draft_and_a_call_task_within_4_business_hours(db, clock):
    async with db.session() as s:
        john, _ = await _team(s)
        lead = await LeadService(s, SYSTEM).create(
            {
                "first_name": "Sarah",
                "last_name": "Johnson",
                "email": "sarah@acme.test",
                "company": "Acme Corp",
                "title": "VP Operations",
                "source": "referral",
                "company_size": "1001-5000",
                "score": 85,
            }
        )
        assert lead.assigned_to_id == john.id
        (task,) = (await s.scalars(select(Task).where(Task.related_id == lead.id))).all()
        assert (task.title, task.priority, task.assignee_id) == (
            "Call Sarah Johnson (Acme Corp)",
            Priority.high,
            john.id,
        )
        assert task.due_at == datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # Wednesday 09:00 + 4 business hours
        (note,) = (await s.scalars(select(Notification).where(Notification.user_id == john.id))).all()
        assert "New high lead assigned to you: Sarah Johnson" in note.message and "draft email is ready" in note.message
        draft = await s.scalar(select(EmailMessage).where(EmailMessage.lead_id == lead.id))
        assert draft.status is EmailStatus.draft and draft.author_id == john.id  # referral: no welcome email by default
        entries = [e.subject for e in await timeline(s, RecordType.lead, lead.id)]
        assert any("follow-up task 'Call Sarah Johnson (Acme Corp)'" in e for e in entries)
        assert any("John Senior notified" in e for e in entries)


async def test_medium_gets_an_email_task_low_gets_nurture_and_website_leads_a_welcome_email(db, clock):
    async with db.session() as s:
        _, mike = await _team(s)
        medium = await LeadService(s, SYSTEM).create(
            {"first_name": "Med", "last_name": "Lead", "email": "med@x.test", "source": "website", "score": 60}
        )
        low = await LeadService(s, SYSTEM).create(
            {"first_name": "Low", "last_name": "Lead", "email": "low@x.test", "source": "social_media", "score": 20}
        )
        (task,) = (await s.scalars(select(Task).where(Task.related_id == medium.id))).all()
        assert task.title == "Email Med Lead" and task.assignee_id == mike.id
        assert task.due_at == datetime(2026, 6, 11, 17, 0, tzinfo=UTC)  # by the close of the next business day
        welcome = await s.scalar(
            select(EmailMessage).where(EmailMessage.lead_id == medium.id, EmailMessage.status == EmailStatus.queued)
        )
        assert welcome.to_addresses == ["med@x.test"] and "Mike Standard will be in touch" in welcome.body
        assert (await s.scalars(select(Task).where(Task.related_id == low.id))).all() == []
        assert await s.scalar(select(CampaignMember.lead_id).where(CampaignMember.lead_id == low.id)) == low.id
        assert any("enrolled in the Nurture campaign" in e.subject for e in await timeline(s, RecordType.lead, low.id))


async def test_rules_are_settings(db, clock):
    rules = replace(Settings(), followup_high_hours=2, welcome_sources=("referral",))
    async with db.session() as s:
        await _team(s)
        lead = await LeadService(s, SYSTEM, rules).create(
            {"first_name": "A", "last_name": "B", "email": "ab@x.test", "source": "referral", "score": 90}
        )
        task = await s.scalar(select(Task).where(Task.related_id == lead.id))
        assert task.due_at == datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
        assert await s.scalar(
            select(EmailMessage.id).where(EmailMessage.lead_id == lead.id, EmailMessage.status == EmailStatus.queued)
        )


async def test_a_rep_creating_their_own_lead_is_not_notified_of_it_but_gets_the_task(db, clock):
    async with db.session() as s:
        john, _ = await _team(s)
        lead = await LeadService(s, actor_for(john)).create(
            {"first_name": "Own", "last_name": "Lead", "email": "own@x.test", "source": "event", "score": 80}
        )
        assert (await s.scalars(select(Notification))).all() == []
        assert await s.scalar(select(Task.title).where(Task.related_id == lead.id)) == "Call Own Lead"


async def test_the_slack_dm_goes_through_a_job_and_the_console_reads_notifications(db, clock):
    fake = FakeSlack()
    with running(fake):
        async with db.session() as s:
            john, _ = await _team(s)
            await LeadService(s, SYSTEM).create(
                {"first_name": "Dana", "last_name": "W", "email": "dana@x.test", "source": "referral", "score": 88}
            )
        assert fake.find("chat.postMessage") == []  # nothing sent inside the write
        await drain(db, replace(Settings(), slack_bot_token="xoxb-test", slack_api_url=fake.api_url))
        (dm,) = fake.find("chat.postMessage")
        assert dm.params["channel"] == "U0JOHN" and "Dana W" in dm.params["text"]
    async with db.session() as s:
        notes, unread = await NotificationService(s, actor_for(john)).mine()
        assert unread == 1 and notes[0].slack_sent_at is not None
        assert await NotificationService(s, actor_for(john)).mark_read([notes[0].id]) == 1
        mike = await s.scalar(select(User).where(User.email == "mike@nexa.test"))
        with pytest.raises(InvalidInput):
            await NotificationService(s, actor_for(mike)).mark_read([notes[0].id])


async def test_qualifying_needs_all_four_bant_answers_unknown_allowed(db, clock):
    async with db.session() as s:
        lead = await factories.lead(s)
        leads = LeadService(s, SYSTEM)
        with pytest.raises(InvalidInput) as err:
            await leads.set_status(lead.id, "qualified", bant={"budget": "$50K"})
        assert err.value.field == "bant.authority"
    async with db.session() as s:
        await LeadService(s, SYSTEM).set_status(lead.id, "qualified", bant=BANT | {"timeline": "unknown"})
        assert (await s.get(Lead, lead.id)).bant_timeline == "unknown"


async def test_converting_an_unqualified_lead_needs_a_recorded_override(db, clock):
    async with db.session() as s:
        maria = await factories.user(s, role=Role.manager, name="Maria")
        lead = await factories.lead(s, assigned_to_id=maria.id)
        with pytest.raises(InvalidTransition) as err:
            await LeadService(s, actor_for(maria)).convert(lead.id, {"amount": 1000})
        assert err.value.field == "status" and "override_reason" in str(err.value)
    async with db.session() as s:
        done = await LeadService(s, actor_for(maria)).convert(
            lead.id, {"amount": 1000, "override_reason": "CEO intro, fast-track"}
        )
        assert done.lead.status is LeadStatus.converted
        assert (done.lead.conversion_override_by_id, done.lead.conversion_override_reason) == (
            maria.id,
            "CEO intro, fast-track",
        )
        entries = [e.subject for e in await timeline(s, RecordType.lead, lead.id)]
        assert any("not qualified) by" in e and "CEO intro, fast-track" in e for e in entries)


async def test_the_conversion_rule_is_a_setting(db, clock):
    async with db.session() as s:
        lead = await factories.lead(s)
        done = await LeadService(s, SYSTEM, replace(Settings(), convert_requires_qualified=False)).convert(lead.id)
        assert done.lead.status is LeadStatus.converted and done.lead.conversion_override_reason is None


async def test_imported_leads_get_the_same_automation(db, clock):
    async with db.session() as s:
        await _team(s)
    raw = io.BytesIO(b"first_name,last_name,email,source,company\nIvy,Import,ivy@x.test,website,Ivy Co\n")
    report = await Importer(db, SYSTEM, "leads", ImportOptions()).run(raw, filename="leads.csv")
    assert not report.errors
    async with db.session() as s:
        lead = await s.scalar(select(Lead).where(Lead.email == "ivy@x.test"))
        entries = [e.action for e in await timeline(s, RecordType.lead, lead.id)]
        assert "automation" in entries
        assert await s.scalar(
            select(EmailMessage.id).where(EmailMessage.lead_id == lead.id, EmailMessage.status == EmailStatus.queued)
        )


async def test_a_lead_created_in_chat_gets_the_same_automation(db, clock):
    async with db.session() as s:
        _, mike = await _team(s)
        result = await TOOLSET.get("create_lead").run(
            ToolContext(session=s, actor=actor_for(mike), settings=Settings()),
            {
                "first_name": "Chat",
                "last_name": "Lead",
                "email": "chat@x.test",
                "source": "website",
                "company": "Chat Co",
                "title": "VP Sales",
                "company_size": "201-1000",
            },
        )
        lead = await s.get(Lead, uuid.UUID(result.data["id"]))
        (task,) = (await s.scalars(select(Task).where(Task.related_id == lead.id))).all()
        assert (lead.score, task.title, task.assignee_id) == (
            56,
            "Email Chat Lead (Chat Co)",
            mike.id,
        )  # medium: email within a day
        assert await s.scalar(
            select(EmailMessage.id).where(EmailMessage.lead_id == lead.id, EmailMessage.status == EmailStatus.queued)
        )
        assert "automation" in [e.action for e in await timeline(s, RecordType.lead, lead.id)]
