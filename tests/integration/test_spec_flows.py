"""The spec's three "Real-World Flow Example"s (Leads, Accounts, Deals), step by step, day by day, against real
PostgreSQL, the real job queue and a real SMTP server; the clock is pinned to each day of the story."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from store.auth import actor_for
from store.clock import pinned
from store.intelligence.anomalies import find_alerts
from store.intelligence.next_action import next_actions
from store.intelligence.scoring import explain_lead
from store.models import (
    Account,
    Contact,
    CustomerSuccessHandoff,
    Deal,
    EmailMessage,
    Lead,
    Notification,
    Order,
    Task,
)
from store.models.enums import (
    AccountType,
    DealStage,
    EmailStatus,
    LeadStatus,
    LifecycleStage,
    RecordType,
    Role,
    Seniority,
)
from store.services import (
    AccountService,
    ContactService,
    DealService,
    EmailService,
    EngagementService,
    LeadService,
    PipelineService,
)
from store.services.account_insights import AccountInsightService
from store.services.commissions import CommissionService
from store.services.reports import ReportService
from store.services.tasks import TaskService
from store.services.tickets import TicketService
from store.services.timeline import timeline
from store.settings import Settings
from tests.support import factories
from tests.support.job_tasks import drain
from tests.support.smtp import smtp_server

DAY_1 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # a Monday
SARAH = {
    "first_name": "Sarah",
    "last_name": "Johnson",
    "email": "sarah@acme.test",
    "company": "Acme Corp",
    "title": "VP Operations",
    "industry": "Software",
    "company_size": "1001-5000",
    "source": "referral",
}
BANT = {
    "budget": "$50K approved",
    "authority": "Sarah is the decision-maker",
    "need": "current system inadequate",
    "timeline": "need a solution by Q1",
}


def day(n: int, hour: int = 10) -> datetime:
    return DAY_1 + timedelta(days=n - 1, hours=hour - 10)


def week(n: int, weekday: int = 0) -> datetime:
    return DAY_1 + timedelta(weeks=n - 1, days=weekday)


async def _people(db):
    async with db.session() as s:
        form = await factories.user(s, role=Role.service, name="Website forms", email="forms@nexa.test", team=None)
        john = await factories.user(s, name="John", email="john@nexa.test", seniority=Seniority.senior, team="East")
        mike = await factories.user(s, name="Mike", email="mike@nexa.test", title="Account Executive", team="East")
        return actor_for(form), actor_for(john), actor_for(mike)


async def _sarah_qualified_and_converted(db, form, john, settings: Settings) -> tuple:
    """Leads flow days 1-7 in brief (the Accounts and Deals flows start from its conversion)."""
    with pinned(day(1)):
        async with db.session() as s:
            lead = await LeadService(s, form, settings).create(SARAH)
    with pinned(day(7)):
        async with db.session() as s:
            await LeadService(s, john).set_status(lead.id, "qualified", bant=BANT)
            done = await LeadService(s, john).convert(
                lead.id, {"amount": 50000, "deal_name": "Acme Corp - Enterprise Plan"}
            )
            return lead.id, done.contact.id, done.account.id, done.deal.id


async def test_leads_flow(db):
    """Leads > Real-World Flow Example: Day 1, Day 3, Day 7."""
    form, john, mike = await _people(db)
    with smtp_server() as (inbox, url):
        settings = replace(
            Settings(), smtp_url=url, welcome_sources=("referral",)
        )  # the demo-request form asks for a welcome email

        # Day 1. 1-2: Sarah fills out the "Request Demo" form; the lead is created in the CRM.
        with pinned(day(1)):
            async with db.session() as s:
                lead = await LeadService(s, form, settings).create(SARAH)
                lead_id = lead.id
                # 3: AI scores the lead high, because enterprise company and referral.
                why = await explain_lead(s, lead_id)
                assert why.band == "High" and lead.score >= 75
                assert {"source", "company size"} <= {f.factor for f in why.factors if f.points > 0}
                # 4: auto-assigned to the senior rep John.
                assert lead.assigned_to_id == john.user_id
                # 5: John receives a notification and an AI email draft suggestion; his follow-up call is due in 4 business hours.
                (note,) = (await s.scalars(select(Notification).where(Notification.user_id == john.user_id))).all()
                assert "Sarah Johnson" in note.message and "draft email is ready" in note.message
                draft = await s.scalar(
                    select(EmailMessage).where(
                        EmailMessage.lead_id == lead_id, EmailMessage.status == EmailStatus.draft
                    )
                )
                assert draft.author_id == john.user_id and "Acme Corp" in draft.subject
                task = await s.scalar(select(Task).where(Task.related_id == lead_id))
                assert task.title.startswith("Call Sarah Johnson") and task.due_at == day(1, hour=14)
            # 6: John sends the personalized email (the welcome email went out too).
            async with db.session() as s:
                await EmailService(s, john).send(draft.id, settings)
            await drain(db, settings)
            assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["sarah@acme.test", "sarah@acme.test"]
            async with db.session() as s:
                assert (await s.get(EmailMessage, draft.id)).status is EmailStatus.sent
        day1_score = lead.score

        # Day 3. 7: Sarah responds (engagement tracked); 8: her score goes up (responsive = buying signal).
        with pinned(day(3)):
            async with db.session() as s:
                await EmailService(s, john).receive(
                    {
                        "lead_id": lead_id,
                        "subject": "Re: Nexa for Acme Corp",
                        "body": "Thanks John, a demo next week would be great.",
                    }
                )
                lead = await s.get(Lead, lead_id)
                assert lead.score > day1_score
                assert any(e.action == "received" for e in await timeline(s, RecordType.lead, lead_id))
                # 9: AI suggests "Schedule demo call".
                (first, *_) = await next_actions(s, RecordType.lead, lead, day(3))
                assert first.action == "Schedule a demo call with Sarah"
                # 10: John books the meeting.
                await EngagementService(s, john).schedule_meeting(
                    {"title": "Nexa demo", "start_at": day(7, hour=15), "related_type": "lead", "related_id": lead_id}
                )

        # Day 7. 11: demo completed, Sarah qualified (has budget, timeline).
        with pinned(day(7, hour=16)):
            async with db.session() as s:
                lead = await LeadService(s, john).set_status(lead_id, "qualified", bant=BANT)
                assert (lead.bant_budget, lead.bant_timeline) == ("$50K approved", "need a solution by Q1")
                # 12-13: John clicks "Convert Lead": contact Sarah, account Acme Corp, a $50K deal.
                done = await LeadService(s, john).convert(lead_id, {"amount": 50000})
                assert (done.contact.name, done.account.account_name, done.deal.amount) == (
                    "Sarah Johnson",
                    "Acme Corp",
                    Decimal("50000.00"),
                )
                # 14: the lead is archived as converted.
                assert done.lead.status is LeadStatus.converted and done.lead.converted_deal_id == done.deal.id


async def test_accounts_flow(db):
    """Accounts > Real-World Flow Example: 1 creation, 2 contacts, 3 deal, 4 post-sale, 5 expansion."""
    form, john, mike = await _people(db)
    settings = Settings()
    # 1. Account creation: the Acme Corp lead converts, the system creates account Acme Corp, assigned to AE Mike.
    lead_id, sarah_id, acme_id, deal_id = await _sarah_qualified_and_converted(db, form, john, settings)
    with pinned(week(2)):
        async with db.session() as s:
            acme = await AccountService(s, john).update(
                acme_id, {"account_owner_id": mike.user_id, "annual_revenue": 8_000_000}
            )
            assert (acme.account_name, acme.industry, acme.type) == ("Acme Corp", "Software", AccountType.prospect)
            await AccountInsightService(s, mike).set_member(acme_id, john.user_id, "sales_engineer")
            assert [(m["name"], m["role"]) for m in await AccountInsightService(s, mike).team(acme_id)] == [
                ("Mike", "account_owner"),
                ("John", "sales_engineer"),
            ]

        # 2. Multi-contact relationship: Sarah is the primary contact; Mike adds Tom Smith and Lisa Chen, all on Acme.
        async with db.session() as s:
            assert (await s.get(Account, acme_id)).primary_contact_id == sarah_id
            tom = await ContactService(s, mike).create(
                {
                    "first_name": "Tom",
                    "last_name": "Smith",
                    "email": "tom@acme.test",
                    "title": "Procurement Director",
                    "account_id": acme_id,
                }
            )
            lisa = await ContactService(s, mike).create(
                {
                    "first_name": "Lisa",
                    "last_name": "Chen",
                    "email": "lisa@acme.test",
                    "title": "IT Manager",
                    "account_id": acme_id,
                }
            )
            assert set(await s.scalars(select(Contact.email).where(Contact.account_id == acme_id))) == {
                "sarah@acme.test",
                "tom@acme.test",
                "lisa@acme.test",
            }

    # 3. Deal creation: Sarah requests a proposal (the $50K deal); Tom negotiates pricing; Lisa needs technical specs.
    with pinned(week(3)):
        async with db.session() as s:
            deal = await s.get(Deal, deal_id)
            assert (deal.amount, deal.account_id) == (Decimal("50000.00"), acme_id)
            await DealService(s, john).update(deal_id, {"amount": 47000})
            await EngagementService(s, mike).log_call(
                {"contact_id": tom.id, "deal_id": deal_id, "notes": "Tom negotiates pricing"}
            )
            await TaskService(s, mike).create(
                {
                    "title": "Send technical specs to Lisa",
                    "related_type": "contact",
                    "related_id": lisa.id,
                    "due_date": (week(3) + timedelta(days=2)).date(),
                }
            )
            subjects = [e.subject for e in await timeline(s, RecordType.account, acme_id, limit=100)]
            assert any("amount" in x for x in subjects) and any(
                "Tom" in x for x in subjects
            )  # all tracked under Acme Corp

    # 4. Post-sale: the deal closes: Acme becomes a customer, onboarding tasks, tickets come in, a health score is calculated.
    with pinned(week(6)):
        async with db.session() as s:
            await DealService(s, john).move_stage(deal_id, "closed_won")
            assert (await s.get(Account, acme_id)).type is AccountType.customer
            onboarding = list(await s.scalars(select(Task.title).where(Task.related_id == deal_id)))
            assert "Kick-off call with Acme Corp" in onboarding
    with pinned(week(7)):
        async with db.session() as s:
            for subject in ("Cannot export reports", "SSO login fails, very frustrated"):
                await TicketService(s, john).create(
                    {"subject": subject, "account_id": acme_id, "requester_contact_id": lisa.id}
                )
        await drain(db, settings)  # the deal-change job refreshed Acme's health; the nightly pass does every account
        async with db.session() as s:
            acme = await s.get(Account, acme_id)
            health = await AccountInsightService(s, mike).health(acme_id)
            factors = {f.factor: f.points for f in health.factors}
            assert factors["orders"] > 0 and factors["support load"] < 0  # usage of support + payments (orders)
            assert 0 <= health.score <= 100 and health.churn_risk in ("low", "medium", "high")
            assert health.lifetime_value == Decimal("47000.00")

        # 5. Expansion: Acme acquires a UK subsidiary: child account Acme UK under Acme Corp; consolidated revenue $10M.
        async with db.session() as s:
            await AccountService(s, mike).create(
                {"account_name": "Acme UK", "parent_account_id": acme_id, "annual_revenue": 2_000_000}
            )
            total = await AccountInsightService(s, mike).consolidated(acme_id)
            assert total["annual_revenue"] == Decimal("10000000.00")
            assert [a["account_name"] for a in total["accounts"]] == ["Acme Corp", "Acme UK"]
            assert total["total_closed_won"] == Decimal("47000.00") and total["lifetime_value"] == Decimal("47000.00")


async def test_deals_flow(db):
    """Deals > Real-World Flow Example: Week 1 creation ... Week 8 close, and post-close."""
    form, john, mike = await _people(db)
    settings = Settings()
    async with db.session() as s:
        admin = actor_for(await factories.user(s, role=Role.admin, name="Ada", team=None))
        await CommissionService(s, admin).create_plan({"name": "East AE 10%", "team": "East", "rate": "0.10"})

    # Week 1. 1-2: Sarah qualifies -> the deal is created: Acme Corp - Enterprise Plan, $50K, 90 days out, qualification, 25%, $12,500.
    lead_id, sarah_id, acme_id, deal_id = await _sarah_qualified_and_converted(db, form, john, settings)
    with pinned(day(7)):
        await drain(db, settings)
    async with db.session() as s:
        deal = await s.get(Deal, deal_id)
        assert (deal.deal_name, deal.amount, deal.stage, deal.probability) == (
            "Acme Corp - Enterprise Plan",
            Decimal("50000.00"),
            DealStage.qualification,
            25,
        )
        assert deal.close_date == day(7).date() + timedelta(days=90) and deal.weighted_value == Decimal("12500.00")
        assert deal.win_probability == 0.25 and "stage probability" in deal.win_probability_basis

    # Week 2. 3: discovery call with Sarah (a meeting); 4: BANT confirmed; 5: move to Proposal; 6: 50%; 7: "Send proposal within 24 hours".
    with pinned(week(2)):
        async with db.session() as s:
            await EngagementService(s, john).schedule_meeting(
                {
                    "title": "Discovery call",
                    "start_at": week(2) - timedelta(hours=2),
                    "contact_ids": [sarah_id],
                    "related_type": "deal",
                    "related_id": deal_id,
                }
            )
            lead = await s.get(Lead, lead_id)
            assert all([lead.bant_budget, lead.bant_authority, lead.bant_need, lead.bant_timeline])
            deal = await DealService(s, john).move_stage(deal_id, "proposal")
            assert deal.probability == 50
        await drain(db, settings)
        async with db.session() as s:
            assert (await s.get(Deal, deal_id)).next_best_action.startswith(
                "Send the proposal to Sarah Johnson within 24 hours"
            )

    # Week 4. 8-9: the proposal is emailed (tracked); 10: Sarah's reply is logged; 11: a follow-up call is scheduled (task).
    with smtp_server() as (inbox, url), pinned(week(4)):
        mail = replace(settings, smtp_url=url)
        async with db.session() as s:
            proposal, _ = await EmailService(s, john).draft(deal_id=deal_id, purpose="proposal")
            await EmailService(s, john).send(proposal.id, mail)
        await drain(db, mail)
        assert [m.rcpt_tos for m in inbox.messages] == [["sarah@acme.test"]]
        async with db.session() as s:
            await EmailService(s, john).receive(
                {"contact_id": sarah_id, "deal_id": deal_id, "subject": "Re: proposal", "body": "Reading it now."}
            )
            await TaskService(s, john).create(
                {
                    "title": "Follow-up call with Sarah",
                    "related_type": "deal",
                    "related_id": deal_id,
                    "due_date": (week(4) + timedelta(days=3)).date(),
                }
            )

    # Week 6. 12-13: Sarah asks for a discount: $45,000; 14: competitor note; 15-16: Negotiation, 75%.
    with pinned(week(6)):
        async with db.session() as s:
            await DealService(s, john).update(deal_id, {"amount": 45000})
            await EngagementService(s, john).add_note(
                {"body": "Comparing vs HubSpot", "related_type": "deal", "related_id": deal_id}
            )
            deal = await DealService(s, john).move_stage(deal_id, "negotiation")
            assert (deal.amount, deal.probability, deal.weighted_value) == (
                Decimal("45000.00"),
                75,
                Decimal("33750.00"),
            )
    # 17: two weeks later nothing has moved: "Deal stuck 14 days, risk of stalling" reaches John; 18: "Schedule executive call to close".
    stuck_day = week(6) + timedelta(days=14)
    with pinned(stuck_day):
        async with db.session() as s:
            from store.intelligence.nightly import refresh_all  # noqa: PLC0415 - the nightly job's body

            await refresh_all(s, settings)
        async with db.session() as s:
            deal = await s.get(Deal, deal_id)
            assert deal.risk_factors[0] == "stuck in negotiation for 14 days (>= 14): risk of stalling"
            assert "competitor named: HubSpot" in deal.risk_factors
            assert deal.next_best_action.startswith("Schedule an executive call")
            warning = await s.scalar(select(Notification).where(Notification.kind == "deal_stuck"))
            assert warning.user_id == john.user_id and "stuck in negotiation for 14 days" in warning.message
            (alert,) = [a for a in await find_alerts(s, john, today=stuck_day.date()) if a.kind == "stuck_deal"]
            assert alert.subject == "Acme Corp - Enterprise Plan" and "Schedule an executive call" in alert.message

    # Week 8. 19: CEO call; 20-21: terms agreed, Closed Won; 22: customer, onboarding, order, handoff, forecast, commission.
    with pinned(week(8)):
        async with db.session() as s:
            await EngagementService(s, john).schedule_meeting(
                {
                    "title": "CEO call",
                    "start_at": week(8) - timedelta(hours=3),
                    "contact_ids": [sarah_id],
                    "related_type": "deal",
                    "related_id": deal_id,
                }
            )
            await DealService(s, john).move_stage(deal_id, "closed_won")
        await drain(db, settings)
        async with db.session() as s:
            assert (await s.get(Account, acme_id)).type is AccountType.customer
            assert (await s.get(Contact, sarah_id)).lifecycle_stage is LifecycleStage.customer
            assert await s.scalar(
                select(Task.id).where(Task.related_id == deal_id, Task.title == "Kick-off call with Acme Corp")
            )
            assert (await s.scalar(select(Order).where(Order.deal_id == deal_id))).amount == Decimal("45000.00")
            handoff = await s.scalar(select(CustomerSuccessHandoff).where(CustomerSuccessHandoff.deal_id == deal_id))
            assert handoff.status == "pending" and "Sarah Johnson" in handoff.notes
            assert [h["deal"] for h in await AccountInsightService(s, john).handoffs()] == [
                "Acme Corp - Enterprise Plan"
            ]
            pipeline = await PipelineService(s, john).summary()
            assert (pipeline.won_count, pipeline.won_amount) == (1, Decimal("45000.00"))
            deal = await s.get(Deal, deal_id)
            assert deal.risk_factors == [] and deal.next_best_action is None

    # Post-close. 23: the deal feeds the sales performance reports and the commission calculation.
    with pinned(week(8, weekday=1)):
        async with db.session() as s:
            year = (date(2026, 1, 1), date(2026, 12, 31))
            win = await ReportService(s, john).run("win_rate", start=year[0], end=year[1], group_by="source")
            assert [(r["key"], r["won"], r["win_rate"]) for r in win.rows] == [
                ("referral", 1, 1.0)
            ] and "won / (won + lost)" in win.method
            size = await ReportService(s, john).run("avg_deal_size", start=year[0], end=year[1])
            assert size.total["avg_deal_size"] == Decimal("45000.00")
            cycle = await ReportService(s, john).run("sales_cycle", start=year[0], end=year[1])
            assert cycle.rows[0]["avg_days"] == 43.0  # created on day 7 (June 7), won in week 8 (July 20)
            statement = await CommissionService(s, john).statement(start=year[0], end=year[1])
            assert (
                statement.total == Decimal("4500.00")
                and "45,000.00 x 10.00% = 4,500.00" in statement.lines[0]["explanation"]
            )
