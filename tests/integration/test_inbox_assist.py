"""Thread summaries (stored, refreshed when mail arrives) and suggested replies grounded in the public help center and
similar resolved tickets, with citations; nothing is sent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store.auth import actor_for
from store.embeddings import default_embedder
from store.inbox.assist import suggest, summarize
from store.inbox.ingest import ingest
from store.inbox.service import InboxService
from store.knowledge import ingest as kb_ingest
from store.knowledge import read_paths
from store.models import InboxMessage, KbArticle
from store.models.enums import Role
from store.models.inbox import InboxKind
from store.services import TicketService
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.inbox_mail import mail
from tests.support.paths import ROOT

HELPCENTER = ROOT / "store" / "seed" / "helpcenter"


@pytest.fixture(scope="module")
def embedder():
    return default_embedder()


@pytest.fixture
async def world(db, clock, embedder):
    async with db.session() as s:
        await kb_ingest(
            s,
            read_paths(
                [
                    HELPCENTER / "sso-saml.md",
                    HELPCENTER / "sso-310-clock-skew.md",
                    HELPCENTER / "internal-sso-checklist.md",
                    HELPCENTER / "change-plan.md",
                ]
            ),
            embedder,
        )
        sam = await factories.user(s, role=Role.support, team="Support", name="Sam Agent")
        rep = await factories.user(s, role=Role.rep, team="Sales East", name="John Rep")
        support, _ = await InboxService(s, SYSTEM).create_inbox(
            name="support", address="support@nexa.test", team="Support"
        )
        sales, _ = await InboxService(s, SYSTEM).create_inbox(
            name="sales", address="sales@nexa.test", team="Sales East", kind=InboxKind.sales
        )
        old = await TicketService(s, SYSTEM).create(
            {"subject": "SAML login rejected"},
            first_message="Our SAML single sign-on login is rejected with SSO-310 clock skew.",
        )
        await TicketService(s, SYSTEM).update(old.id, {"status": "resolved"})
        got = await ingest(
            s,
            support,
            mail(
                message_id="<a1@g>",
                subject="SSO login rejected",
                body="Hi, our SAML SSO login is rejected with error SSO-310. What should we do?",
            ),
            Settings(),
        )
        pitch = await ingest(
            s,
            sales,
            mail(
                to="sales@nexa.test",
                sender="cto@initech.test",
                name="Ina Tech",
                message_id="<p1@i>",
                subject="Pricing for 50 seats",
                body="Could you send pricing for 50 seats? We are keen.",
            ),
            Settings(),
        )
    return {
        "sam": actor_for(sam),
        "rep": actor_for(rep),
        "thread": got.conversation.id,
        "sales": pitch.conversation.id,
        "old_ticket": old.number,
    }


async def test_the_summary_is_stored_and_refreshed_when_mail_arrives(db, world, embedder):
    async with db.session() as s:
        conversation = await summarize(s, SYSTEM, world["thread"], embedder)
        first = conversation.summary
        assert first and "SSO-310" in first and conversation.intent and conversation.sentiment
        support = await InboxService(s, SYSTEM).inbox("support")
        await ingest(
            s,
            support,
            mail(
                message_id="<a2@g>",
                subject="Re: SSO login rejected",
                in_reply_to="<a1@g>",
                body="Update: it also fails for every admin. This is urgent, we are blocked!",
            ),
            Settings(),
        )
        assert (await suggest(s, world["sam"], world["thread"], embedder)).summary != first  # stale: refreshed first
        sales = await summarize(s, SYSTEM, world["sales"], embedder)
        assert "Pricing for 50 seats" in sales.summary and "Open question" in sales.summary


async def test_the_suggested_reply_cites_public_articles_and_similar_resolved_tickets(db, world, embedder):
    async with db.session() as s:
        suggestion = await suggest(s, world["sam"], world["thread"], embedder)
        internal = {a.id for a in await s.scalars(select(KbArticle).where(KbArticle.visibility == "internal"))}
        sent = await s.scalar(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.direction == "outbound")
        )
    assert suggestion.grounded and suggestion.reply.startswith("Hi Jane,") and "[1]" in suggestion.reply
    assert suggestion.citations and all(c["article_id"] not in {str(i) for i in internal} for c in suggestion.citations)
    assert any("SSO" in c["title"] or "SAML" in c["title"] for c in suggestion.citations)
    assert [t["number"] for t in suggestion.similar_tickets] == [world["old_ticket"]]
    assert sent == 0  # a suggestion sends nothing


async def test_a_suggestion_is_only_for_the_inbox_team(db, world, embedder):
    from store.errors import NotFound

    async with db.session() as s:
        with pytest.raises(NotFound):
            await suggest(s, world["rep"], world["thread"], embedder)
