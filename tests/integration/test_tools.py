"""Every tool: its schema is pinned, and it runs on real PostgreSQL for an allowed caller and not for a forbidden one."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from store.access import Actor
from store.auth import actor_for
from store.embeddings import default_embedder
from store.errors import NotFound, PermissionDenied
from store.inbox.ingest import ingest as ingest_mail
from store.inbox.service import InboxService
from store.models import (
    Call,
    ContactList,
    Deal,
    EmailMessage,
    InboxConversation,
    Lead,
    MassEmailSend,
    Meeting,
    Note,
    Order,
    Product,
    Quote,
    Task,
    Ticket,
)
from store.models.enums import DealStage, EmailStatus, LeadStatus, QuoteStatus, Role, SendStatus
from store.services import (
    DealService,
    EmailService,
    EngagementService,
    ProductService,
    QuoteService,
    TaskService,
    TicketService,
)
from store.services.campaigns import CampaignService
from store.services.conversations import ConversationService
from store.services.lists import ListService
from store.services.mass_email import MassEmailService
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.inbox_mail import mail as inbox_mail
from tests.support.paths import DATA
from tests.support.smtp import smtp_server
from tools import TOOLSET, ToolContext

SNAPSHOT = DATA / "tool_schemas.json"


def test_tool_schemas_are_pinned():
    current = {
        name: {"description": t.spec.description, "parameters": t.spec.parameters, "area": t.area, "writes": t.writes}
        for name, t in sorted(TOOLSET.tools.items())
    }
    if not SNAPSHOT.exists() or os.environ.get("NEXA_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        pytest.fail(f"wrote {SNAPSHOT.name}: review the schema change and commit it")
    assert current == json.loads(SNAPSHOT.read_text()), (
        "a tool schema changed: rerun with NEXA_UPDATE_SNAPSHOTS=1 and review the diff"
    )


@pytest.mark.parametrize("name", sorted(TOOLSET.tools))
def test_every_tool_is_described_for_the_model(name):
    tool = TOOLSET.tools[name]
    params = tool.spec.parameters
    assert tool.spec.description and params["additionalProperties"] is False and "ctx" not in params["properties"]
    assert all(p.get("description") for p in params["properties"].values()), f"{name} has an undescribed parameter"
    assert (tool.summary is not None) == tool.writes


@dataclass
class World:
    john: Actor
    carl: Actor
    maria: Actor
    sam: Actor
    ids: dict[str, Any]


@pytest.fixture
async def world(db, clock) -> World:
    async with db.session() as s:
        john = await factories.user(s, name="John", team="Enterprise")
        carl = await factories.user(s, name="Carl", team="Mid-Market")
        maria = await factories.user(s, name="Maria", role=Role.manager, team="Enterprise")
        sam = await factories.user(s, role=Role.support, name="Sam", team="Support")
        account = await factories.account(s, account_name="Acme Corp", account_owner_id=john.id)
        contact = await factories.contact(
            s, first_name="Sarah", last_name="Johnson", account_id=account.id, owner_id=john.id
        )
        lead = await factories.lead(s, first_name="Dana", last_name="Whitfield", assigned_to_id=john.id)
        carl_lead = await factories.lead(s, first_name="Cora", last_name="Lane", assigned_to_id=carl.id)
        deal = await factories.deal(
            s,
            deal_name="Acme Corp - Enterprise Plan",
            amount=50000,
            owner_id=john.id,
            account_id=account.id,
            close_date=clock.date() + timedelta(days=10),
        )
        ticket = await TicketService(s, SYSTEM).create({"subject": "Export fails", "requester_contact_id": contact.id})
        task = await TaskService(s, actor_for(john)).create({"title": "Call Sarah", "due_date": clock.date()})
        email, _ = await EmailService(s, actor_for(john)).draft(contact_id=contact.id)
        call = await EngagementService(s, actor_for(john)).log_call(
            {"contact_id": contact.id, "notes": "Sarah wants a demo. Budget is approved."}
        )
        conversations = ConversationService(s, actor_for(john))
        conversation = await conversations.open(None)  # stored with its first message, as a turn stores it
        await conversations.append(conversation, [{"role": "user", "content": "what's my pipeline?"}])
        support, _ = await InboxService(s, SYSTEM).create_inbox(
            name="support", address="support@nexa.test", team="Support"
        )
        thread = await ingest_mail(
            s,
            support,
            inbox_mail(
                sender=contact.email, name="Sarah Johnson", subject="SSO login fails", message_id="<tools@acme.test>"
            ),
            Settings(),
        )
        thread.conversation.assignee_id = sam.id
        vip = await ListService(s, SYSTEM).create({"name": "VIP"})
        await ListService(s, SYSTEM).add(vip.id, {"contact_ids": [contact.id]})
        q4 = await CampaignService(s, SYSTEM).create({"name": "Q4 Promo", "type": "email", "owner_id": maria.id})
        mass = await MassEmailService(s, actor_for(maria)).create(
            q4.id, {"subject": "Hi {{ contact.first_name }}", "body": "<p>Q4</p>", "list_id": vip.id}
        )
        product = await ProductService(s, SYSTEM).create({"name": "Seat", "sku": "SEAT-M", "unit_price": 50})
        quote = await QuoteService(s, SYSTEM).create(
            deal.id, {"tiers": [{"name": "Good", "line_items": [{"product_id": product.id}]}]}
        )
        won = await factories.deal(
            s,
            deal_name="Acme Corp - Pilot",
            amount=0,
            owner_id=john.id,
            account_id=account.id,
            line_items=[{"product_id": product.id, "quantity": 3}],
        )
        await DealService(s, SYSTEM).move_stage(won.id, "closed_won")
        order = await s.scalar(select(Order).where(Order.deal_id == won.id))
        ids = {
            "mass_email": mass.id,
            "account": account.id,
            "contact": contact.id,
            "lead": lead.id,
            "carl_lead": carl_lead.id,
            "deal": deal.id,
            "ticket": ticket.number,
            "task": task.id,
            "sam_email": sam.email,
            "email": email.id,
            "call": call.id,
            "conversation": conversation.id,
            "product": product.id,
            "quote": quote.id,
            "order": order.id,
        }
        return World(*(actor_for(u) for u in (john, carl, maria, sam)), ids=ids)


Check = Callable[[Any, Any], Any]


@dataclass
class Row:
    args: Callable[[dict[str, Any]], dict[str, Any]]
    allowed: str  # a World attribute
    forbidden: str | None  # a second, role- or record-level forbidden caller (the customer is always tried)
    check: Check | None = None  # async (session, world) -> asserts the effect


async def _lead_status(s, w):
    assert (await s.get(Lead, w.ids["lead"])).status is LeadStatus.qualified


async def _stage(s, w):
    assert (await s.get(Deal, w.ids["deal"])).stage is DealStage.proposal


async def _owned_by_maria(s, w):
    assert (await s.get(Deal, w.ids["deal"])).owner_id == w.maria.user_id


async def _assigned_to_maria(s, w):
    assert (await s.get(Lead, w.ids["lead"])).assigned_to_id == w.maria.user_id


async def _ticket_closed(s, w):
    assert (await s.scalar(select(Ticket).where(Ticket.number == w.ids["ticket"]))).status.value == "closed"


async def _summarized(s, w):
    ticket = await s.scalar(select(Ticket).where(Ticket.number == w.ids["ticket"]))
    assert ticket.summary and ticket.intent


async def _thread_summarized(s, w):
    assert (await s.scalar(select(InboxConversation))).summary


async def _waiting(s, w):
    result = await TOOLSET.get("inbox_waiting_on_me").run(ToolContext(session=s, actor=w.sam, settings=Settings()), {})
    assert [t["subject"] for t in result.data["waiting"]] == ["SSO login fails"]


def _exists(model, **where) -> Check:
    async def check(s, w):
        assert await s.scalar(select(model).filter_by(**where)) is not None

    return check


ROWS: dict[str, Row] = {
    "search_crm": Row(lambda i: {"query": "Sarah Johnson"}, "john", None),
    "search_leads": Row(lambda i: {"query": "Dana"}, "john", "sam"),
    "get_lead": Row(lambda i: {"lead_id": i["lead"]}, "john", "carl"),
    "create_lead": Row(
        lambda i: {"first_name": "Eve", "last_name": "Ng", "email": "eve@ng.test", "source": "event"},
        "john",
        "sam",
        _exists(Lead, email="eve@ng.test"),
    ),
    "update_lead": Row(
        lambda i: {"lead_id": i["lead"], "changes": {"title": "CTO"}}, "john", "carl", _exists(Lead, title="CTO")
    ),
    "reassign_lead": Row(lambda i: {"lead_id": i["lead"], "owner": "Maria"}, "maria", "carl", _assigned_to_maria),
    "update_lead_status": Row(
        lambda i: {
            "lead_id": i["lead"],
            "status": "qualified",
            "budget": "35k",
            "authority": "CTO decides",
            "need": "unknown",
            "timeline": "Q3",
        },
        "john",
        "carl",
        _lead_status,
    ),
    "convert_lead": Row(
        lambda i: {"lead_id": i["lead"], "amount": 35000, "override_reason": "CEO referral, fast-tracked"},
        "john",
        "carl",
        _exists(Deal, amount=35000),
    ),
    "search_contacts": Row(lambda i: {"query": "Sarah"}, "john", None),
    "get_contact": Row(lambda i: {"contact_id": i["contact"]}, "sam", "carl"),
    "create_contact": Row(
        lambda i: {"first_name": "Tom", "last_name": "Smith", "email": "tom@acme.test"}, "john", "sam"
    ),
    "update_contact": Row(lambda i: {"contact_id": i["contact"], "changes": {"title": "VP"}}, "john", "carl"),
    "search_accounts": Row(lambda i: {"query": "Acme"}, "sam", None),
    "get_account": Row(lambda i: {"account_id": i["account"]}, "maria", "carl"),
    "create_account": Row(lambda i: {"account_name": "Globex"}, "john", "sam"),
    "update_account": Row(lambda i: {"account_id": i["account"], "changes": {"industry": "Retail"}}, "john", "carl"),
    "search_deals": Row(lambda i: {"query": "Acme"}, "john", None),
    "get_deal": Row(lambda i: {"deal_id": i["deal"]}, "maria", "carl"),
    "create_deal": Row(
        lambda i: {"deal_name": "Globex pilot", "amount": 1000}, "john", "sam", _exists(Deal, deal_name="Globex pilot")
    ),
    "update_deal": Row(
        lambda i: {"deal_id": i["deal"], "changes": {"amount": 45000}}, "john", "carl", _exists(Deal, amount=45000)
    ),
    "reassign_deal": Row(lambda i: {"deal_id": i["deal"], "owner": "Maria"}, "maria", "carl", _owned_by_maria),
    "move_deal_stage": Row(lambda i: {"deal_id": i["deal"], "stage": "proposal"}, "maria", "carl", _stage),
    "pipeline_summary": Row(lambda i: {"scope": "all"}, "maria", "sam"),
    "stuck_deals": Row(lambda i: {"min_days": 0, "scope": "all"}, "john", "sam"),
    "deals_closing": Row(lambda i: {"period": "this_quarter", "scope": "all"}, "john", "sam"),
    "search_tickets": Row(lambda i: {"open_only": True}, "sam", None),
    "find_tickets": Row(lambda i: {"description": "sarah export"}, "sam", None),
    "get_ticket": Row(lambda i: {"number": i["ticket"]}, "sam", None),
    "create_ticket": Row(
        lambda i: {"subject": "Login loop", "priority": "high"}, "sam", None, _exists(Ticket, subject="Login loop")
    ),
    "update_ticket": Row(
        lambda i: {"number": i["ticket"], "changes": {"status": "closed"}}, "sam", None, _ticket_closed
    ),
    "assign_ticket": Row(lambda i: {"number": i["ticket"], "assignee": i["sam_email"]}, "sam", None),
    "my_tasks": Row(lambda i: {}, "john", None),
    "team_tasks": Row(lambda i: {"person": i["sam_email"]}, "sam", "john"),
    "find_tasks": Row(lambda i: {"description": "follow up", "person": i["sam_email"]}, "sam", "john"),
    "create_task": Row(lambda i: {"title": "Send contract"}, "john", None, _exists(Task, title="Send contract")),
    "update_task": Row(lambda i: {"task_id": i["task"], "status": "done"}, "john", "carl"),
    "log_call": Row(
        lambda i: {"contact_id": i["contact"], "notes": "asked for a demo"},
        "john",
        "carl",
        _exists(Call, notes="asked for a demo"),
    ),
    "search_calls": Row(lambda i: {"contact_id": i["contact"]}, "john", "carl"),
    "schedule_meeting": Row(
        lambda i: {"title": "Demo", "start_at": "2030-01-02T10:00:00+00:00", "contact_ids": [i["contact"]]},
        "john",
        "carl",
        _exists(Meeting, title="Demo"),
    ),
    "my_meetings": Row(lambda i: {"period": "this_week"}, "john", None),
    "add_note": Row(
        lambda i: {"related_type": "deal", "related_id": i["deal"], "body": "renewal in Q3"},
        "john",
        "carl",
        _exists(Note, body="renewal in Q3"),
    ),
    "kb_search": Row(lambda i: {"query": "reset password"}, "john", None),
    "search_conversations": Row(lambda i: {"query": "export error"}, "sam", None),
    "explain_score": Row(lambda i: {"lead_id": i["lead"]}, "john", "carl"),
    "next_best_action": Row(lambda i: {"record_type": "deal", "record_id": i["deal"]}, "john", "carl"),
    "draft_email": Row(
        lambda i: {"lead_id": i["lead"], "purpose": "intro"},
        "john",
        "carl",
        _exists(EmailMessage, status=EmailStatus.draft),
    ),
    "send_email": Row(
        lambda i: {"email_id": i["email"]}, "john", "sam", _exists(EmailMessage, status=EmailStatus.queued)
    ),
    "log_email_received": Row(
        lambda i: {"lead_id": i["lead"], "subject": "Re: hi", "body": "Sounds good"},
        "john",
        "carl",
        _exists(EmailMessage, status=EmailStatus.received),
    ),
    "find_anomalies": Row(lambda i: {"days": 7}, "maria", None),
    "forecast_pipeline": Row(lambda i: {"quarters": 2}, "maria", "sam"),
    "forecast_tickets": Row(lambda i: {"days": 7}, "sam", None),
    "summarize_ticket": Row(lambda i: {"number": i["ticket"]}, "sam", None, _summarized),
    "summarize_call_notes": Row(lambda i: {"call_id": i["call"]}, "john", "carl"),
    "summarize_account_status": Row(lambda i: {"account_id": i["account"]}, "john", "carl"),
    "list_contact_lists": Row(lambda i: {}, "john", None),
    "list_members": Row(lambda i: {"list_name": "VIP"}, "john", None),
    "add_to_list": Row(lambda i: {"list_name": "VIP", "contact_ids": [i["contact"]]}, "john", "carl"),
    "create_dynamic_list": Row(
        lambda i: {"name": "CTOs", "criteria": {"field": "contact.title", "op": "contains", "value": "CTO"}},
        "john",
        "sam",
        _exists(ContactList, name="CTOs"),
    ),
    "list_campaigns": Row(lambda i: {}, "john", None),
    "campaign_metrics": Row(lambda i: {"campaign": "Q4 Promo"}, "maria", None),
    "draft_campaign_email": Row(
        lambda i: {"campaign": "Q4 Promo", "subject": "Hi", "body": "<p>Hi</p>"}, "maria", "john"
    ),
    "send_campaign_email": Row(
        lambda i: {"email_id": i["mass_email"]}, "maria", "john", _exists(MassEmailSend, status=SendStatus.pending)
    ),
    "summarize_my_conversation": Row(lambda i: {"conversation_id": i["conversation"]}, "john", "carl"),
    "inbox_waiting_on_me": Row(lambda i: {}, "sam", None, _waiting),
    "list_inbox_threads": Row(lambda i: {"view": "unassigned"}, "sam", None),
    "summarize_inbox_thread": Row(lambda i: {"thread": "Acme"}, "sam", "john", _thread_summarized),
    "assign_inbox_thread": Row(lambda i: {"thread": "SSO", "assignee": "Sam"}, "sam", "john"),
    "sales_report": Row(lambda i: {"metric": "win_rate", "group_by": "source"}, "maria", "sam"),
    "commission_statement": Row(lambda i: {}, "john", "sam"),
    "account_health": Row(lambda i: {"account_id": i["account"]}, "john", "carl"),
    "consolidated_account": Row(lambda i: {"account_id": i["account"]}, "maria", "carl"),
    "customer_success_handoffs": Row(lambda i: {}, "john", None),
    "search_products": Row(lambda i: {"query": "seat"}, "sam", None),
    "create_product": Row(
        lambda i: {"name": "Platform", "sku": "PLAT", "unit_price": 9000, "billing": "annual"},
        "maria",
        "john",
        _exists(Product, sku="PLAT"),
    ),
    "set_deal_line_items": Row(
        lambda i: {"deal_id": i["deal"], "line_items": [{"product_id": i["product"], "quantity": 4}]},
        "john",
        "carl",
        _exists(Deal, amount=200),
    ),
    "draft_quote": Row(
        lambda i: {
            "deal_id": i["deal"],
            "tiers": [{"name": "Best", "line_items": [{"product_id": i["product"], "quantity": 9}]}],
        },
        "john",
        "carl",
        _exists(Quote, status=QuoteStatus.draft),
    ),
    "get_quote": Row(lambda i: {"quote_id": i["quote"]}, "maria", "carl"),
    "list_quotes": Row(lambda i: {"deal_id": i["deal"]}, "john", "carl"),
    "send_quote": Row(
        lambda i: {"quote_id": i["quote"], "to": "buyer@acme.test"},
        "john",
        "sam",
        _exists(Quote, status=QuoteStatus.sent),
    ),
    "list_orders": Row(lambda i: {"account_id": i["account"]}, "john", "carl"),
    "get_order": Row(lambda i: {"order_id": i["order"]}, "sam", "carl"),
}


def test_every_tool_has_a_row():
    assert set(ROWS) == set(TOOLSET.tools)


@pytest.fixture(scope="module")
def embedder():
    return default_embedder()


@pytest.fixture(scope="module")
def settings():
    """Settings with a real local SMTP server, so that send_email really sends."""
    with smtp_server() as (_, url):
        yield Settings(smtp_url=url, mail_postal_address="Nexa Inc., 1 Main Street, Springfield")


@pytest.mark.parametrize("name", sorted(ROWS))
async def test_tool_runs_for_an_allowed_caller(db, world, settings, embedder, name):
    row, tool = ROWS[name], TOOLSET.tools[name]
    async with db.session() as s:
        result = await tool.run(
            ToolContext(session=s, actor=getattr(world, row.allowed), settings=settings, embedder=embedder),
            row.args(world.ids),
        )
        assert result.data is not None
        json.dumps(result.data, default=str)
    if row.check:
        async with db.session() as s:
            await row.check(s, world)


@pytest.mark.parametrize("name", sorted(ROWS))
async def test_tool_refuses_a_forbidden_caller(db, world, settings, embedder, name):
    row, tool = ROWS[name], TOOLSET.tools[name]
    callers = [Actor.customer("visitor")] if name != "kb_search" else []  # customers may search the public help center
    callers += [getattr(world, row.forbidden)] if row.forbidden else []
    for caller in callers:
        with pytest.raises(
            (PermissionDenied, NotFound)
        ) as err:  # NotFound: ids of records the caller cannot see stay hidden
            async with db.session() as s:
                await tool.run(
                    ToolContext(session=s, actor=caller, settings=settings, embedder=embedder), row.args(world.ids)
                )
        assert err.value.code in ("forbidden", "not_found")


async def test_support_gets_deals_without_their_economics(db, world, settings):
    async with db.session() as s:
        seen = await TOOLSET.get("get_deal").run(
            ToolContext(session=s, actor=world.sam, settings=settings), {"deal_id": world.ids["deal"]}
        )
        mine = await TOOLSET.get("get_deal").run(
            ToolContext(session=s, actor=world.john, settings=settings), {"deal_id": world.ids["deal"]}
        )
    assert (
        "amount" not in seen.data
        and "weighted_value" not in seen.data
        and seen.data["deal_name"] == "Acme Corp - Enterprise Plan"
    )
    assert mine.data["amount"] == "50000.00"
