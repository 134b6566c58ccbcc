"""Lead scoring, routing, next best action and the email assistant on real PostgreSQL (SMTP: a local aiosmtpd)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assistant.agent import Agent
from assistant.writer import writer_for
from store.auth import actor_for
from store.clock import utcnow
from store.errors import InvalidInput, PermissionDenied
from store.intelligence.next_action import next_actions
from store.intelligence.scoring import explain_lead, rescore_open_leads, train
from store.models import Campaign, CampaignMember, EmailMessage, Lead, ScoringModel
from store.models.enums import DealStage, EmailStatus, RecordType, Role, Seniority
from store.seed import seed
from store.seed.generated import generate
from store.services import DealService, EmailService, EngagementService, LeadService
from store.services.timeline import timeline
from store.settings import Settings
from tests.support import factories
from tests.support.clock import EACH_DAY_OF_A_WEEK
from tests.support.factories import SYSTEM
from tests.support.job_tasks import drain
from tests.support.scripted_models import FailingModel, ScriptedModel, call, say
from tests.support.smtp import smtp_server

SARAH = {
    "first_name": "Sarah",
    "last_name": "Johnson",
    "email": "sarah@acme.test",
    "company": "Acme Corp",
    "title": "VP Operations",
    "industry": "Manufacturing",
    "company_size": "5000+",
    "source": "referral",
}
COLD = {
    "first_name": "Cal",
    "last_name": "Cold",
    "email": "cal@tiny.test",
    "company": "Tiny",
    "title": "Engineer",
    "industry": "Retail",
    "company_size": "1-10",
    "source": "cold_call",
}


async def _team(s):
    john = await factories.user(s, name="John", seniority=Seniority.senior)
    ann = await factories.user(s, name="Ann", seniority=Seniority.senior)
    rita = await factories.user(s, name="Rita", seniority=Seniority.standard)
    return john, ann, rita


async def test_the_specs_story_scores_85_then_90_when_sarah_replies(db):
    async with db.session() as s:
        john, *_ = await _team(s)
        lead = await LeadService(s, SYSTEM).create(SARAH)
        assert lead.score == 85
        why = await explain_lead(s, lead.id)
        top = [f.factor for f in why.factors[1:3]]
        assert why.band == "High" and top == ["source", "company size"] and sum(f.points for f in why.factors) == 85
        await EmailService(s, actor_for(john)).receive(
            {"lead_id": lead.id, "subject": "Re: demo", "body": "Yes, let's talk next week."}
        )
        assert lead.score == 90
        changes = [a.subject for a in await timeline(s, RecordType.lead, lead.id) if a.action == "score_changed"]
        assert changes == ["Lead Sarah Johnson score 85 -> 90 (High): Sarah replied"]


async def test_referral_enterprise_scores_above_cold_call_startup(db):
    async with db.session() as s:
        hot = await LeadService(s, SYSTEM).create(SARAH)
        cold = await LeadService(s, SYSTEM).create(COLD)
        assert hot.score >= 75 > 50 > cold.score


async def test_routing_high_to_the_least_loaded_senior_rep_in_turn_medium_to_a_rep_low_to_nurture(db):
    async with db.session() as s:
        john, ann, rita = await _team(s)
        leads = LeadService(s, SYSTEM)
        first = await leads.create(SARAH)
        second = await leads.create(SARAH | {"email": "s2@acme.test"})
        third = await leads.create(SARAH | {"email": "s3@acme.test"})
        assert first.assigned_to_id in (john.id, ann.id) and {first.assigned_to_id, second.assigned_to_id} == {
            john.id,
            ann.id,
        }
        assert third.assigned_to_id in (john.id, ann.id)
        medium = await leads.create(SARAH | {"email": "m@acme.test", "source": "website", "company_size": "51-200"})
        assert 50 <= medium.score < 75 and medium.assigned_to_id == rita.id
        low = await leads.create(COLD)
        assert low.assigned_to_id is None
        campaign = await s.scalar(select(Campaign).where(Campaign.name == "Nurture"))
        assert await s.scalar(select(CampaignMember.lead_id).where(CampaignMember.campaign_id == campaign.id)) == low.id
        created = (await timeline(s, RecordType.lead, first.id))[-1].subject
        assert "routed" in created and "senior rep" in created


async def test_a_rep_creating_a_lead_keeps_it_and_routing_is_configurable(db):
    async with db.session() as s:
        john, ann, rita = await _team(s)
        mine = await LeadService(s, actor_for(rita)).create(SARAH)
        assert mine.assigned_to_id == rita.id
    from store.intelligence.routing import route_lead

    async with db.session() as s:
        lead = await s.get(Lead, mine.id)
        route = await route_lead(s, lead, Settings(route_high=95, route_medium=80))
        assert route.band == "Medium" and lead.assigned_to_id in (rita.id,)


async def test_training_on_seeded_history_beats_the_floor_and_ranks_sanely(db, database_url):
    """AUC floor 0.70: the generator's own true probabilities reach 0.84 (the ceiling; bench/intelligence.py) and
    the model reaches 0.83 on 1,200 outcomes; with ~450 here the estimate is noisier, so the floor leaves room
    while still failing a model that learned nothing (0.5) or only the source."""
    async with db.session() as s:
        reps = [await factories.user(s, name=f"Rep {i}") for i in range(3)]
    generate(database_url.replace("+psycopg", ""), reps=[r.id for r in reps], support=[reps[0].id], scale=8, seed=11)
    async with db.session() as s:
        with pytest.raises(InvalidInput):
            await train(s, min_outcomes=100_000)
        result = await train(s)
        assert result.outcomes >= 400 and result.auc >= 0.70 and 0 < result.brier < 0.25
        changed = await rescore_open_leads(s)
        assert changed > 0
        hot = await LeadService(s, SYSTEM).create(SARAH)
        cold = await LeadService(s, SYSTEM).create(COLD)
        assert hot.score > cold.score
        why = await explain_lead(s, hot.id)
        assert why.scorer == "logistic_regression" and abs(sum(f.points for f in why.factors) - why.score) <= 1
        assert await s.scalar(select(func.count()).select_from(ScoringModel).where(ScoringModel.active)) == 1


@EACH_DAY_OF_A_WEEK
async def test_next_best_action_covers_the_specs_cases(clock, db):
    now = utcnow()
    async with db.session() as s:
        john, *_ = await _team(s)
        rep = actor_for(john)
        contact = await factories.contact(s, first_name="Sarah", last_name="Johnson", owner_id=john.id)
        stuck = await factories.deal(
            s,
            deal_name="Stuck",
            owner_id=john.id,
            primary_contact_id=contact.id,
            stage="negotiation",
            close_date=clock.date() + timedelta(days=40),
        )
        stuck.stage_changed_at = now - timedelta(days=15)
        proposal = await factories.deal(
            s,
            deal_name="Fresh proposal",
            owner_id=john.id,
            primary_contact_id=contact.id,
            close_date=clock.date() + timedelta(days=40),
        )
        await DealService(s, rep).move_stage(proposal.id, DealStage.proposal)
        lead = await LeadService(s, rep).create(SARAH)
        await EngagementService(s, rep).log_call(
            {"lead_id": lead.id, "direction": "inbound", "notes": "Sarah called back, interested"}
        )
        await s.flush()
        first = (await next_actions(s, RecordType.deal, stuck, now))[0]
        assert first.action.startswith("Schedule an executive call") and "15 days" in first.reason
        top = (await next_actions(s, RecordType.deal, proposal, now))[0]
        assert top.action == "Send the proposal to Sarah Johnson within 24 hours"
        demo = (await next_actions(s, RecordType.lead, lead, now))[0]
        assert demo.action == "Schedule a demo call with Sarah" and "replied 0 days ago" in demo.reason


async def test_a_draft_names_the_right_people_and_facts_and_nothing_else(db):
    async with db.session() as s:
        john, *_ = await _team(s)
        rep = actor_for(john)
        acme = await factories.account(s, account_name="Acme Corp")
        sarah = await factories.contact(
            s, first_name="Sarah", last_name="Johnson", account_id=acme.id, owner_id=john.id
        )
        other = await factories.contact(s, first_name="Tom", last_name="Other", owner_id=john.id)
        deal = await factories.deal(
            s,
            deal_name="Acme Corp - Enterprise Plan",
            amount=50000,
            owner_id=john.id,
            primary_contact_id=sarah.id,
            account_id=acme.id,
            close_date=date(2027, 3, 31),
        )
        await factories.deal(
            s, deal_name="Other Co Renewal", amount=7000, owner_id=john.id, primary_contact_id=other.id
        )
        await EngagementService(s, rep).log_call({"contact_id": other.id, "notes": "Tom wants a discount"})
        email, draft = await EmailService(s, rep).draft(deal_id=deal.id, purpose="follow_up", tone="formal")
        text = email.subject + email.body
        assert email.status is EmailStatus.draft and email.to_addresses == [sarah.email] and draft.method == "template"
        assert (
            "Dear Sarah Johnson" in text
            and "Acme Corp - Enterprise Plan" in text
            and "March 31" in text
            and "John" in text
        )
        assert "Tom" not in text and "Other Co" not in text and "discount" not in text
        brief, _ = await EmailService(s, rep).draft(contact_id=sarah.id, purpose="check_in", tone="brief")
        assert brief.body.startswith("Hi Sarah,") and len(brief.body) < len(email.body)
        with pytest.raises(InvalidInput) as err:
            await EmailService(s, rep).draft(contact_id=sarah.id, tone="sarcastic")
        assert err.value.field == "tone"


async def test_the_llm_writes_the_draft_online_and_the_template_stands_in_when_it_fails(db):
    async with db.session() as s:
        john, *_ = await _team(s)
        sarah = await factories.contact(s, first_name="Sarah", last_name="Johnson", owner_id=john.id)
        online = ScriptedModel(say("Subject: Demo next week\n\nHi Sarah, shall we book the demo? John"))
        email, draft = await EmailService(s, actor_for(john)).draft(
            contact_id=sarah.id, purpose="demo", writer=writer_for(online)
        )
        assert (email.subject, draft.method) == ("Demo next week", "llm")
        assert "Sarah Johnson" in online.requests[0][0].content and "never invent" in online.requests[0][0].content
        _, fallback = await EmailService(s, actor_for(john)).draft(
            contact_id=sarah.id, purpose="demo", writer=writer_for(FailingModel())
        )
        assert fallback.method == "template"


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


async def test_the_smtp_server_receives_the_email_only_after_approval(db, smtp):
    inbox, url = smtp
    async with db.session() as s:
        john, *_ = await _team(s)
        sarah = await factories.contact(
            s, first_name="Sarah", last_name="Johnson", owner_id=john.id, email="sarah@acme.test"
        )
    settings = Settings(smtp_url=url)
    model = ScriptedModel(
        call("draft_email", {"contact_id": str(sarah.id), "purpose": "demo"}),
        lambda msgs: call("send_email", {"email_id": _last_result(msgs)["data"]["email_id"]}),
    )
    agent = Agent(db, model, settings=settings)
    first = await agent.run(actor_for(john), "email Sarah about a demo and send it")
    assert len(first.pending) == 1 and first.pending[0].summary.startswith("Send the email 'Demo of Nexa")
    assert inbox.messages == []
    done = await agent.run(actor_for(john), "yes", first.conversation_id)
    assert done.answer.startswith("Done")
    assert inbox.messages == []  # approved and queued: the worker sends it
    await drain(db, settings)
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["sarah@acme.test"] and b"Subject: Demo of Nexa" in envelope.content
    async with db.session() as s:
        email = await s.scalar(select(EmailMessage))
        assert email.status is EmailStatus.sent and email.sent_at is not None
        assert any(a.action == "sent" for a in await timeline(s, RecordType.contact, sarah.id))


async def test_without_an_smtp_server_the_draft_stays_and_the_error_names_the_setting(db):
    async with db.session() as s:
        john, *_ = await _team(s)
        sarah = await factories.contact(s, owner_id=john.id)
        email, _ = await EmailService(s, actor_for(john)).draft(contact_id=sarah.id)
    with pytest.raises(InvalidInput) as err:
        async with db.session() as s:
            await EmailService(s, actor_for(john)).send(email.id, Settings(smtp_url=None))
    assert err.value.field == "NEXA_SMTP_URL" and "no SMTP server" in str(err.value)
    async with db.session() as s:
        assert (await s.get(EmailMessage, email.id)).status is EmailStatus.draft


async def test_drafts_respect_record_rights_and_authorship(db):
    async with db.session() as s:
        john, *_ = await _team(s)
        carl = await factories.user(s, name="Carl", team="Mid-Market")
        sam = await factories.user(s, name="Sam", role=Role.support, team="Support")
        lead = await factories.lead(s, assigned_to_id=john.id)
        with pytest.raises(PermissionDenied):
            await EmailService(s, actor_for(carl)).draft(lead_id=lead.id)
        email, _ = await EmailService(s, actor_for(john)).draft(lead_id=lead.id)
        with pytest.raises(PermissionDenied) as err:
            await EmailService(s, actor_for(sam)).get(email.id)
        assert err.value.field == "emails"


def _last_result(messages) -> dict:
    import json

    return json.loads([m for m in messages if m.role == "tool"][-1].content)


async def test_the_demo_seed_has_sarah_at_90(db):
    await seed(db)
    async with db.session() as s:
        sarah = await s.scalar(select(Lead).where(Lead.email == "sarah.johnson@acme.test"))
        assert sarah.score == 90
