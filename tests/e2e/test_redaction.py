"""What a reader may not see stays out of every output path: timelines, 360 views, summaries, tool results, templates.

Support (sam) may read deals but not their economics; a rep of another team (carlos) may not read the deal at all,
even when it is linked to a contact he owns.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

import assistant.offline.plan.core as plan_core
from assistant.agent import Agent
from assistant.offline_model import OfflineModel
from bots.http.auth import issue_token
from prompts import render
from prompts.money import money_short
from store.access import Actor, redact
from store.auth import actor_for_email
from store.clock import utcnow
from store.embeddings import default_embedder
from store.inbox.ingest import ingest as receive_mail
from store.inbox.service import InboxService
from store.models import Account, Contact, Deal, User
from store.models.enums import RecordType
from store.seed import seed
from store.services import ContactService, DealService, LeadService, TicketService
from store.services.engagements import EngagementService
from store.services.timeline import TimelineService
from store.services.views import ViewService
from store.settings import get_settings
from tests.support.factories import SYSTEM
from tests.support.inbox_mail import mail
from tests.support.paths import ROOT
from tools import registry

pytestmark = pytest.mark.server("plain")

OFFLINE_TEMPLATES = sorted(f"offline/{p.name}" for p in (ROOT / "prompts" / "offline").glob("*.md"))


@pytest.fixture(scope="module")
def embedder():
    return default_embedder()


@pytest.fixture(scope="module")
def offline(embedder) -> OfflineModel:
    model = OfflineModel(embedder)
    model.warm_up()
    return model


@pytest.fixture
async def demo(db, offline, embedder):
    await seed(db, embedder=embedder)  # with the demo help center
    async with db.session() as s:
        john = await actor_for_email(s, "john@nexa.test")
        acme = await s.scalar(select(Account).where(Account.account_name == "Acme Corp"))
        await LeadService(s, john).create(
            {
                "first_name": "Quentin",
                "last_name": "Zabriskie",
                "email": "qz@zabriskie.test",
                "company": "Zabriskie Labs",
                "source": "event",
            }
        )
        await DealService(s, john).create({"deal_name": "Zephyr Rollout", "amount": 77_700, "account_id": acme.id})
        await s.commit()
    return Agent(db, offline, embedder=embedder)


async def _as(db, email: str) -> Actor:
    async with db.session() as s:
        return await actor_for_email(s, email)


async def _amounts(db) -> list[str]:
    """Every deal amount as text could show it: 50,000.00, 50000.00, $50K."""
    async with db.session() as s:
        amounts = [a for a in await s.scalars(select(Deal.amount)) if a >= 1000]
    return sorted({text for a in amounts for text in (f"{a:,.2f}", f"{a:.2f}", money_short(a))})


def _leaks(text: str, amounts: list[str]) -> list[str]:
    return [a for a in amounts if a in text]


async def test_support_sees_no_amounts_in_sarahs_timeline_or_view(db, demo):
    sam, john = await _as(db, "sam@nexa.test"), await _as(db, "john@nexa.test")
    amounts = await _amounts(db)
    async with db.session() as s:
        sarah = await s.scalar(select(Contact).where(Contact.email == "sarah.johnson@acme.test"))
        for_sam = await TimelineService(s, sam).entries(RecordType.contact, sarah.id)
        for_john = await TimelineService(s, john).entries(RecordType.contact, sarah.id)
        view = await ViewService(s, sam).contact_360(sarah.id)
    created = [e for e in for_sam if e["type"] == "deal" and e["action"] == "created"]
    assert created and all("restricted" in e["subject"] for e in created)
    assert not _leaks(json.dumps(for_sam), amounts) and not _leaks(json.dumps(view, default=str), amounts)
    assert _leaks(json.dumps(for_john), amounts)  # the owner's team sees them: the check can fail


async def test_support_chats_render_without_amounts_and_without_crashing(db, demo, monkeypatch):
    """The issue's three crashing chats and more, as sam, through the real agent, offline model and tools."""
    sam = await _as(db, "sam@nexa.test")
    amounts = await _amounts(db)
    results = []
    real_run = registry.Tool.run

    async def spy(self, ctx, arguments):
        result = await real_run(self, ctx, arguments)
        results.append((self.name, json.dumps(result.data, default=str)))
        return result

    monkeypatch.setattr(registry.Tool, "run", spy)
    for text in (
        "show me Sarah Johnson",
        "what do we know about Acme?",
        "show me Tom Smith",
        "summarize Acme Corp",
        "what do we know about Acme Corp?",
        "show me Zephyr Rollout",
        "open tickets for Acme",
        "draft a follow-up to Acme",
        "summarize ticket 1001",
    ):
        answer = (await demo.run(sam, text)).answer
        assert "went wrong" not in answer and not _leaks(answer, amounts), (text, answer)
    assert {name for name, _ in results} >= {"get_contact", "get_account", "summarize_account_status", "draft_email"}
    for name, data in results:
        assert not _leaks(data, amounts), name
        assert '"amount"' not in data and '"weighted_value"' not in data, name


async def test_every_offline_template_renders_for_support(db, demo, monkeypatch):
    """Each offline template, fed what an admin's chat fed it, renders once sam's restricted fields are removed."""
    admin, sam = await _as(db, "admin@nexa.test"), await _as(db, "sam@nexa.test")
    async with db.session() as s:  # a ticket the help center has nothing on: its suggested reply says so
        odd = await TicketService(s, admin).create({"subject": "The quantum flux capacitor hums at night"})
        inbox, _ = await InboxService(s, admin).create_inbox(
            name="support", address="support@nexa.test", team="Support"
        )
        await receive_mail(s, inbox, mail(message_id="<sso@globex.test>"), get_settings())  # a thread to summarize
        await s.commit()
    seen: dict[str, list[dict]] = {}

    def spy(template: str, **values):
        seen.setdefault(template, []).append(values)
        return render(template, **values)

    monkeypatch.setattr(plan_core, "render", spy)
    chats = [
        (admin, t)
        for t in (
            "what's my pipeline?",
            "which deals are stuck?",
            "what are my tasks this week?",
            "show me Sarah Johnson",
            "what do we know about Acme?",
            "show me the Acme Corp account",
            "open tickets for Acme",
            "summarize Acme Corp",
            "draft a follow-up to Acme",
            "what should I do next on the Acme Enterprise Plan deal?",
            "show me Zephyr Rollout",
            "show me Quentin Zabriskie",
            "why does Quentin Zabriskie have that score?",
            "what can you do?",
            "how do I reset my password?",
            "have we seen this before: export to CSV fails",
            "create a ticket for Sarah",
            "show me Sarah",
            "anything unusual this week?",
            "what will we close this quarter?",
            "forecast ticket volume",
            "why does Zorblax Quuxington have that score?",
            "we won the Acme deal",
            "book me a flight to Paris",
            "what's Sarah Johnson's phone number?",
            "list my open leads",
            "open leads by rep",
            "what meetings do I have this week?",
            "good morning!",
            "show me ticket 1001",
            "what's our win rate by source this year?",
            f"suggest a reply to ticket {odd.number}",
            "add a note to Sarah Johnson: get her in as a contact under acme corp",
            "what lists do we have?",
            "who's on the VIP list?",
            "which campaigns are running?",
            "how did the Q4 Promo do?",
            "draft a nurture email for the VIP list, subject: hello",
            "what's my commission this quarter?",
            "what products do we sell?",
            "any orders from acme?",
            "how healthy is acme?",
            "give me the rolled up view of acme corp, subs included",
            "any unassigned threads in the inbox?",
            "summarize the SSO thread",
            "what quotes does the acme deal have?",
            "summarize this thread",
            "log a call w john re pricing",  # a look-alike found by letters alone: named, not offered
            "has anyone logged a call with Sarah Johnson?",
            "how many calls did i make this week?",
        )
    ] + [
        (Actor.customer("redaction-test"), text)
        for text in ("how do I reset my password?", "how do I configure the quantum flux capacitor?")
    ]
    chats.append((sam, "we won the Acme deal"))
    answers = []
    for actor, text in chats:
        answers.append(f"{text!r} -> {(await demo.run(actor, text)).answer[:100]!r}")
    listed = await demo.run(admin, "which deals are stuck?")
    answers.append(f"-> {(await demo.run(admin, 'which of those is the biggest?', listed.conversation_id)).answer!r}")
    # a template with no values has nothing to redact ("I got stuck": only a plan's bug reaches it)
    valued = [t for t in OFFLINE_TEMPLATES if re.search(r"\{[{%]", (ROOT / "prompts" / t).read_text())]
    missing = sorted(set(valued) - set(seen))
    assert not missing, f"no chat reached {missing}; the chats answered:\n" + "\n".join(answers)
    for template, calls in seen.items():
        for values in calls:
            text = render(template, **redact(sam, values))
            assert text.strip(), template


async def test_carlos_sees_nothing_of_a_deal_he_cannot_read_on_his_own_contact(db, demo):
    carlos, john = await _as(db, "carlos@nexa.test"), await _as(db, "john@nexa.test")
    async with db.session() as s:
        mine = await ContactService(s, carlos).create(
            {"first_name": "Mia", "last_name": "Own", "email": "mia@own.test"}
        )
        # another team's deal on carlos's contact (linked by someone who may: the system, e.g. an import)
        deal = await DealService(s, SYSTEM).create(
            {"deal_name": "Hidden Deal", "amount": 123_456, "owner_id": john.user_id, "primary_contact_id": mine.id}
        )
        await DealService(s, SYSTEM).update(deal.id, {"amount": 654_321})
        await EngagementService(s, SYSTEM).log_call(
            {"deal_id": deal.id, "contact_id": mine.id, "notes": "confidential: 30% discount"}
        )
        await EngagementService(s, SYSTEM).schedule_meeting(
            {
                "title": "Hidden negotiation",
                "start_at": utcnow() + timedelta(days=2),
                "contact_ids": [mine.id],
                "related_type": "deal",
                "related_id": deal.id,
            }
        )
        await EngagementService(s, carlos).log_call({"contact_id": mine.id, "notes": "intro call"})
        await s.commit()
    async with db.session() as s:
        entries = await TimelineService(s, carlos).entries(RecordType.contact, mine.id)
        view = await ViewService(s, carlos).contact_360(mine.id)
        admins = await TimelineService(s, await _as(db, "admin@nexa.test")).entries(RecordType.deal, deal.id)
    shown = json.dumps(entries) + json.dumps(view, default=str)
    for secret in ("Hidden Deal", "123,456", "654,321", "654321", "confidential", "Hidden negotiation"):
        assert secret not in shown, secret
    assert any("intro call" in e["subject"] for e in entries) and "intro call" in shown
    assert any("654321" in e["subject"] for e in admins)  # who may read everything sees it all: the check can fail


@pytest.fixture(scope="module")
def base(shared_server):
    return shared_server


async def test_the_http_timeline_and_write_responses_are_redacted_for_their_reader(db, demo, base):
    amounts = await _amounts(db)
    async with db.session() as s:
        sarah = await s.scalar(select(Contact).where(Contact.email == "sarah.johnson@acme.test"))
        tokens = {
            name: await issue_token(s, await s.scalar(select(User).where(User.email == f"{name}@nexa.test")))
            for name in ("sam", "john", "carlos")
        }
        await s.commit()

    def api(name: str) -> httpx.Client:
        return httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {tokens[name]}"}, timeout=60)

    with api("sam") as sam, api("john") as john, api("carlos") as carlos:
        for_sam = sam.get(f"/contacts/{sarah.id}/timeline")
        assert for_sam.status_code == 200 and for_sam.json()["items"]
        assert not _leaks(for_sam.text, amounts)
        assert _leaks(john.get(f"/contacts/{sarah.id}/timeline").text, amounts)  # the check can fail
        assert carlos.get(f"/contacts/{sarah.id}/timeline").status_code == 403
        deal = john.get("/deals", params={"q": "Zephyr"}).json()["items"][0]
        moved = sam.post(f"/deals/{deal['id']}/stage", json={"stage": "proposal"})
        if moved.status_code == 200:  # support may move stages: the answer still carries no economics
            assert "amount" not in moved.json() and not _leaks(moved.text, amounts)
        else:
            assert moved.status_code == 403
