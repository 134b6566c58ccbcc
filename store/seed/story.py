"""The business spec's story: John, Mike, Maria, Sam; Sarah Johnson at Acme Corp and her $50K deal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, CallerRole
from store.clock import utcnow
from store.models import Campaign, ContactList, ContactListMember, Product, User
from store.models.enums import CampaignStatus, CampaignType, Channel, Role, Seniority
from store.services import (
    AccountService,
    ContactService,
    DealService,
    EmailService,
    EngagementService,
    LeadService,
    TaskService,
    TicketService,
)
from store.services.segments import ENTERPRISE_PROSPECTS

USERS = [
    ("Admin", "admin@nexa.test", Role.admin, Seniority.senior, "Administrator", None),
    ("Maria Garcia", "maria@nexa.test", Role.manager, Seniority.senior, "Sales Manager", "Enterprise"),
    ("John Miller", "john@nexa.test", Role.rep, Seniority.senior, "Senior Sales Rep", "Enterprise"),
    ("Mike Brown", "mike@nexa.test", Role.rep, Seniority.standard, "Account Executive", "Enterprise"),
    ("Sam Lee", "sam@nexa.test", Role.support, Seniority.standard, "Support Agent", "Support"),
    ("Priya Shah", "priya@nexa.test", Role.manager, Seniority.senior, "Sales Manager", "Mid-Market"),
    ("Carlos Diaz", "carlos@nexa.test", Role.rep, Seniority.senior, "Senior Sales Rep", "Mid-Market"),
    ("Emma Wilson", "emma@nexa.test", Role.rep, Seniority.junior, "Sales Rep", "Mid-Market"),
    ("Noah Kim", "noah@nexa.test", Role.support, Seniority.senior, "Support Lead", "Support"),
]
PRODUCTS = [
    ("Enterprise Plan", "ENT-ANNUAL", "50000"),
    ("Professional Plan", "PRO-ANNUAL", "12000"),
    ("Starter Plan", "STARTER-ANNUAL", "3000"),
    ("Onboarding Package", "ONBOARD", "5000"),
    ("Premium Support", "SUPPORT-PREM", "8000"),
]


def as_user(user: User) -> Actor:
    return Actor(
        role=CallerRole(user.role.value),
        user_id=user.id,
        name=user.name,
        email=user.email,
        team=user.team,
        channel=Channel.system,
    )


async def load_story(session: AsyncSession) -> dict[str, User]:
    """Insert the spec's people, companies, lead, deal and their history. Returns users by first name."""
    users = {}
    for name, email, role, seniority, title, team in USERS:
        user = User(name=name, email=email, role=role, seniority=seniority, title=title, team=team)
        session.add(user)
        users[name.split()[0].lower()] = user
    for name, sku, price in PRODUCTS:
        session.add(Product(name=name, sku=sku, unit_price=Decimal(price)))
    await session.flush()
    maria, john, mike, sam = users["maria"], users["john"], users["mike"], users["sam"]
    for user in (john, mike, users["maria"]):
        user.manager_id = maria.id if user is not maria else None
    for user in (users["carlos"], users["emma"]):
        user.manager_id = users["priya"].id

    j, m, support = as_user(john), as_user(mike), as_user(sam)
    accounts = AccountService(session, m)
    acme = await accounts.create(
        {
            "account_name": "Acme Corp",
            "industry": "Manufacturing",
            "tier": "enterprise",
            "employees": 5200,
            "annual_revenue": "10000000",
            "website": "https://acme.test",
            "account_owner_id": mike.id,
            "billing_address": {"street": "1 Acme Way", "city": "Springfield", "country": "US"},
        }
    )
    for child, employees in (("Acme USA", 2400), ("Acme UK", 900), ("Acme APAC", 700)):
        await accounts.create(
            {
                "account_name": child,
                "industry": "Manufacturing",
                "tier": "enterprise",
                "employees": employees,
                "parent_account_id": acme.id,
                "account_owner_id": mike.id,
            }
        )
    globex = await AccountService(session, j).create(
        {
            "account_name": "Globex",
            "industry": "Software",
            "tier": "mid-market",
            "employees": 450,
            "account_owner_id": john.id,
        }
    )

    leads = LeadService(session, j)
    sarah_lead = await leads.create(
        {
            "first_name": "Sarah",
            "last_name": "Johnson",
            "email": "sarah.johnson@acme.test",
            "phone": "+1 415 555 0100",
            "company": "Acme Corp",
            "title": "VP Operations",
            "industry": "Manufacturing",
            "company_size": "5000+",
            "source": "referral",
            "assigned_to_id": john.id,
        }
    )  # scored 85: enterprise company, came from referral
    engagements = EngagementService(session, j)
    await engagements.log_call(
        {
            "lead_id": sarah_lead.id,
            "direction": "outbound",
            "duration": 900,
            "notes": "Intro call: replaced spreadsheets, wants a demo",
            "call_at": utcnow() - timedelta(days=6),
        }
    )
    await EmailService(session, j).receive(
        {
            "lead_id": sarah_lead.id,
            "subject": "Re: Nexa for Acme Corp",
            "body": "Thanks John, this looks promising. Could we see a demo next week?",
        }
    )  # -> 90
    await leads.set_status(
        sarah_lead.id,
        "qualified",
        bant={
            "budget": "$50K approved",
            "authority": "Sarah is the decision-maker",
            "need": "current system inadequate",
            "timeline": "solution by Q1",
        },
    )
    conversion = await leads.convert(
        sarah_lead.id, {"deal_name": "Acme Corp - Enterprise Plan", "amount": "50000", "account_id": acme.id}
    )
    sarah, deal = conversion.contact, conversion.deal
    assert deal is not None

    contacts = ContactService(session, m)
    tom = await contacts.create(
        {
            "first_name": "Tom",
            "last_name": "Smith",
            "email": "tom.smith@acme.test",
            "title": "Procurement Director",
            "department": "Procurement",
            "account_id": acme.id,
            "owner_id": mike.id,
            "phone": "+1 415 555 0111",
        }
    )
    lisa = await contacts.create(
        {
            "first_name": "Lisa",
            "last_name": "Chen",
            "email": "lisa.chen@acme.test",
            "title": "IT Manager",
            "department": "IT",
            "account_id": acme.id,
            "owner_id": mike.id,
            "reporting_to_id": tom.id,
        }
    )
    connor = await ContactService(session, j).create(
        {
            "first_name": "Sarah",
            "last_name": "Connor",
            "email": "sarah.connor@globex.test",
            "title": "CTO",
            "account_id": globex.id,
            "owner_id": john.id,
        }
    )
    await engagements.schedule_meeting(
        {
            "title": "Discovery call",
            "start_at": utcnow() - timedelta(days=3),
            "contact_ids": [sarah.id],
            "related_type": "deal",
            "related_id": deal.id,
        }
    )
    today = (
        utcnow().date()
    )  # due in two days, but always this week ("what are my tasks this week?" finds it on any day)
    await TaskService(session, j).create(
        {
            "title": "Send technical specs to Lisa Chen",
            "due_date": today + timedelta(days=min(2, 6 - today.weekday())),
            "related_type": "contact",
            "related_id": lisa.id,
        }
    )
    await engagements.add_note(
        {
            "body": "Tom asked for volume pricing before procurement review.",
            "related_type": "account",
            "related_id": acme.id,
        }
    )
    await DealService(session, j).create(
        {
            "deal_name": "Globex - Platform Upgrade",
            "amount": "28000",
            "stage": "proposal",
            "account_id": globex.id,
            "owner_id": john.id,
            "close_date": (utcnow() + timedelta(days=20)).date(),
        }
    )
    await TicketService(session, support).create(
        {
            "subject": "Cannot export pipeline report to CSV",
            "priority": "high",
            "requester_contact_id": sarah.id,
            "assignee_id": sam.id,
            "description": "The export button spins and then shows error EXP-504.",
            "product": "Reports",
        }
    )

    for team in (
        "Finance",
        "Sales",
        "Support",
        "Marketing",
        "Ops",
        "Legal",
    ):  # today's spike: "anything unusual?" finds it
        await TicketService(session, support).create(
            {
                "subject": f"Calendar sync fails for the {team} team",
                "priority": "high",
                "requester_contact_id": connor.id,
                "description": "Calendar sync stopped with error SYNC-502 after the Outlook update.",
                "product": "Calendar Sync",
            }
        )

    vip = ContactList(name="VIP", description="Executive sponsors")
    enterprise = ContactList(
        name="Enterprise Prospects", description="Contacts at enterprise-tier accounts", criteria=ENTERPRISE_PROSPECTS
    )
    session.add_all(
        [
            vip,
            enterprise,
            Campaign(name="Q4 Promo", type=CampaignType.email, status=CampaignStatus.active, owner_id=maria.id),
            Campaign(name="Nurture", type=CampaignType.nurture, status=CampaignStatus.active, owner_id=maria.id),
        ]
    )
    await session.flush()
    session.add(ContactListMember(list_id=vip.id, contact_id=sarah.id))
    await session.flush()
    return users


async def story_loaded(session: AsyncSession) -> bool:
    """True once the story's users exist."""
    return await session.scalar(select(User.id).where(User.email == "john@nexa.test")) is not None
