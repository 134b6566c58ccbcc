"""The offline assistant over the areas around the records: contact lists and campaigns, commissions, the catalog,
orders, an account's health and the shared inbox (they used to be refused as "outside what Nexa does"), and a rep's
"list my deals". Real agent, real database, the demo CRM seeded at the test's clock."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from sqlalchemy import select

from assistant.agent import Agent
from store.inbox.ingest import ingest as receive_mail
from store.inbox.service import InboxService
from store.models import Contact, ContactList, ContactListMember, Deal, InboxConversation, MassEmail, Product, Quote
from store.settings import get_settings
from tests.support.inbox_mail import mail
from tests.support.smtp import smtp_server


@pytest.fixture
def smtp(demo_chat):
    """A real SMTP server the demo agent may send through (a proposal checks that mail can go out)."""
    agent, _ = demo_chat
    with smtp_server() as (inbox, url):
        agent.settings = replace(agent.settings, smtp_url=url, mail_postal_address="1 Demo Street, Springfield")
        yield inbox


async def test_a_list_s_members_are_read_and_adding_someone_waits_for_yes(db, demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    members = await agent.run(john, "who's on the VIP list?")
    assert members.tool_calls[-1]["name"] == "list_members" and "Sarah Johnson" in members.answer
    proposed = await agent.run(john, "add lisa chen to the vip list")
    assert [p.tool for p in proposed.pending] == ["add_to_list"], proposed.answer
    async with db.session() as s:
        lisa = await s.scalar(select(Contact).where(Contact.email == "lisa.chen@acme.test"))
        assert proposed.pending[0].arguments == {"list_name": "VIP", "contact_ids": [str(lisa.id)]}
    await agent.run(john, "yes", proposed.conversation_id)
    async with db.session() as s:
        vip = await s.scalar(select(ContactList).where(ContactList.name == "VIP"))
        on_it = await s.scalars(select(ContactListMember.contact_id).where(ContactListMember.list_id == vip.id))
        assert lisa.id in set(on_it)


async def test_campaigns_and_a_campaign_s_results_are_answered_not_refused(demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    running = await agent.run(maria, "which campaigns are running?")
    assert "Q4 Promo" in running.answer and "Nurture" in running.answer, running.answer
    did = await agent.run(maria, "how did the q4 promo do")
    assert did.tool_calls[-1]["name"] == "campaign_metrics" and did.answer.startswith("**Q4 Promo**")
    assert "outside what Nexa does" not in did.answer


async def test_commissions_are_the_caller_s_and_a_teammate_s_only_for_their_manager(demo_chat):
    agent, as_ = demo_chat
    john, maria = await as_("john@nexa.test"), await as_("maria@nexa.test")
    own = await agent.run(john, "what's my commission this quarter?")
    assert own.tool_calls[-1]["arguments"] == {"period": "this_quarter"} and "John Miller" in own.answer, own.answer
    other = await agent.run(john, "what's mike's commission?")
    assert "couldn't" in other.answer and "Mike" not in other.answer.split("(")[0], other.answer
    managed = await agent.run(maria, "show me john's commissions last quarter")
    assert managed.tool_calls[-1]["arguments"] == {"period": "last_quarter", "rep": "john"}, managed.tool_calls
    assert "John Miller" in managed.answer, managed.answer


async def test_prices_orders_and_health_are_read_from_their_tools(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    price = await agent.run(john, "what does the professional plan cost?")
    assert price.answer == "Professional Plan (PRO-ANNUAL) lists at $12,000 per month.", price.answer
    orders = await agent.run(john, "any orders from acme?")
    assert orders.tool_calls[-1]["name"] == "list_orders" and "Acme Corp" in orders.answer, orders.answer
    health = await agent.run(john, "how healthy is acme?")
    assert health.answer.startswith("Acme Corp's health score is "), health.answer


async def test_a_how_to_the_help_center_lacks_and_bulk_requests_change_nothing(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    howto = await agent.run(john, "how do I add contacts to a list?")
    assert not howto.pending and "help center" in howto.answer, howto.answer
    bulk = await agent.run(john, "email all my customers about the price change")
    assert not bulk.pending and "campaign email" in bulk.answer, bulk.answer


async def test_a_rep_s_list_my_deals_lists_the_deals(demo_chat):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    listed = await agent.run(john, "list my deals")
    assert listed.tool_calls[-1]["arguments"] == {"mine": True, "open_only": True, "limit": 20}, listed.tool_calls
    assert listed.answer.startswith("Your open deals ("), listed.answer


async def test_the_shared_inbox_what_waits_on_an_agent_and_a_thread_s_summary(db, demo_chat, offline):
    _, as_ = demo_chat
    agent = Agent(db, offline, embedder=offline.classifier.embedder)  # the summary is written with the embedder
    sam, admin = await as_("sam@nexa.test"), await as_("admin@nexa.test")
    async with db.session() as s:
        inbox, _ = await InboxService(s, admin).create_inbox(
            name="support", address="support@nexa.test", team="Support"
        )
        got = await receive_mail(s, inbox, mail(message_id="<sso@globex.test>"), get_settings())
        await InboxService(s, admin).assign(got.conversation.id, sam.user_id)
    waiting = await agent.run(sam, "what's waiting on me in the inbox?")
    assert "SSO login fails" in waiting.answer and "jane@globex.test" in waiting.answer, waiting.answer
    summary = await agent.run(sam, "summarize the SSO thread")
    assert summary.tool_calls[-1]["name"] == "summarize_inbox_thread" and "**SSO login fails**" in summary.answer
    assert "No summary yet" not in summary.answer, summary.answer
    async with db.session() as s:
        assert (await s.get(InboxConversation, got.conversation.id)).summary, "the summary is saved on the thread"


async def test_a_campaign_email_is_saved_as_a_draft_with_the_subject_and_words_said(db, demo_chat):
    agent, as_ = demo_chat
    maria = await as_("maria@nexa.test")
    drafted = await agent.run(
        maria, "draft a nurture email for the VIP list, subject: spring check-in, say we'd love to hear how it went"
    )
    assert not drafted.pending and drafted.answer.startswith('Saved a draft of the Nurture email "spring check-in"')
    async with db.session() as s:
        email = await s.scalar(select(MassEmail).where(MassEmail.subject == "spring check-in"))
        assert email.status.value == "draft" and "we'd love to hear how it went" in email.body, email.body


async def test_a_product_is_proposed_to_a_manager_and_refused_to_a_rep(demo_chat):
    agent, as_ = demo_chat
    maria, john = await as_("maria@nexa.test"), await as_("john@nexa.test")
    proposed = await agent.run(maria, "add a product: Data Migration, sku MIGRATE, 7500 one time")
    assert [(p.tool, p.arguments) for p in proposed.pending] == [
        (
            "create_product",
            {
                "name": "Data Migration",
                "sku": "MIGRATE",
                "unit_price": "7500",
                "billing": "one_time",
                "currency": "USD",
            },
        )
    ], proposed.answer
    refused = await agent.run(john, "add a new product 'Training Day' sku TRAIN-1 at 2000")
    assert not refused.pending and "cannot" in refused.answer, refused.answer


async def test_a_quote_is_drafted_with_the_products_said_and_send_it_or_an_address_proposes_sending_it(
    db, demo_chat, smtp
):
    agent, as_ = demo_chat
    john = await as_("john@nexa.test")
    asked = await agent.run(john, "make a quote for the acme deal")
    assert not asked.pending and "Which products" in asked.answer, asked.answer
    proposed = await agent.run(john, "10 professional plan seats and the onboarding package", asked.conversation_id)
    assert [p.tool for p in proposed.pending] == ["draft_quote"], proposed.answer
    async with db.session() as s:
        deal = await s.scalar(select(Deal).where(Deal.deal_name == "Acme Corp - Enterprise Plan"))
        skus = {p.id: p.sku for p in await s.scalars(select(Product))}
    arguments = proposed.pending[0].arguments
    assert arguments["deal_id"] == str(deal.id)
    lines = [(skus[uuid.UUID(i["product_id"])], i["quantity"]) for i in arguments["tiers"][0]["line_items"]]
    assert lines == [("PRO-ANNUAL", 10), ("ONBOARD", 1)], lines
    await agent.run(john, "yes", proposed.conversation_id)
    async with db.session() as s:
        quote = await s.scalar(select(Quote).where(Quote.deal_id == deal.id))
    send_it = await agent.run(john, "send it", proposed.conversation_id)
    assert [(p.tool, p.arguments.get("quote_id")) for p in send_it.pending] == [("send_quote", str(quote.id))]
    listed = await agent.run(john, "what quotes does the acme deal have?")
    assert listed.tool_calls[-1]["name"] == "list_quotes" and "draft" in listed.answer, listed.answer
    send = await agent.run(john, "send the quote to buyer@acme.test", listed.conversation_id)
    assert [(p.tool, p.arguments) for p in send.pending] == [
        ("send_quote", {"quote_id": str(quote.id), "to": "buyer@acme.test"})
    ], send.answer


async def test_send_it_sends_a_campaign_email_draft_and_a_rep_is_told_who_sends_it(db, demo_chat, smtp):
    agent, as_ = demo_chat
    maria, john = await as_("maria@nexa.test"), await as_("john@nexa.test")
    drafted = await agent.run(
        maria, "draft a q4 promo email for the vip list, subject: Year-end offer, say 20% off till dec 31"
    )
    assert drafted.tool_calls[-1]["name"] == "draft_campaign_email", drafted.answer
    sent = await agent.run(maria, "send it", drafted.conversation_id)
    assert [p.tool for p in sent.pending] == ["send_campaign_email"], sent.answer
    async with db.session() as s:
        draft = await s.scalar(select(MassEmail).where(MassEmail.subject == "Year-end offer"))
    assert sent.pending[0].arguments["email_id"] == str(draft.id)
    named = await agent.run(maria, "send the q4 promo email to the vip list")
    assert [(p.tool, p.arguments.get("list_name")) for p in named.pending] == [("send_campaign_email", "VIP")]
    refused = await agent.run(john, "send the q4 promo email to the vip list")
    assert not refused.pending and "manager" in refused.answer, refused.answer
