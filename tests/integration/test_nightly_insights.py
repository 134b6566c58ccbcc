"""The nightly insight pass is set-based: the same values as the per-record refreshes run on each deal change,
from a number of statements that does not grow with the records; a contact's engagement score also moves as they
engage. Real PostgreSQL (the seeded demo CRM)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import event, select, text, update

from store.intelligence.account_health import refresh_account
from store.intelligence.deal_insights import fit_win_model, refresh_deal
from store.intelligence.engagement import engagement, refresh_contact
from store.intelligence.nightly import refresh_all
from store.models import Account, Contact, Deal
from store.models.enums import OPEN_STAGES
from store.seed import seed
from store.services import DealService, EmailService, EngagementService
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM

SNAPSHOT = {
    "deals": "SELECT id, win_probability, win_probability_basis, risk_factors, next_best_action, insights_refreshed_at FROM deals ORDER BY id",
    "accounts": "SELECT id, health_score, churn_risk, lifetime_value, health_factors FROM accounts ORDER BY id",
    "contacts": "SELECT id, engagement_score FROM contacts ORDER BY id",
    "stuck": "SELECT user_id, record_id, message, dedupe_key FROM notifications WHERE kind = 'deal_stuck' ORDER BY dedupe_key",
}
CLEAR = [
    "UPDATE deals SET win_probability = NULL, win_probability_basis = NULL, risk_factors = '{}', next_best_action = NULL, "
    "insights_refreshed_at = NULL",
    "UPDATE accounts SET health_score = NULL, churn_risk = NULL, lifetime_value = NULL, health_factors = NULL",
    "UPDATE contacts SET engagement_score = NULL",
    "DELETE FROM notifications",
]


async def _snapshot(db) -> dict[str, list[tuple]]:
    async with db.session() as s:
        return {name: [tuple(row) for row in await s.execute(text(sql))] for name, sql in SNAPSHOT.items()}


async def _clear(db) -> None:
    async with db.session() as s:
        for sql in CLEAR:
            await s.execute(text(sql))


async def test_the_batched_nightly_pass_writes_what_the_per_record_refreshes_write(db, clock):
    await seed(db)
    async with db.session() as s:  # a competitor named in a note, on a deal at a multi-threaded stage
        proposal = await s.scalar(select(Deal).where(Deal.stage == "proposal").order_by(Deal.id).limit(1))
        await EngagementService(s, SYSTEM).add_note(
            {"body": "Comparing vs HubSpot and against Zoho CRM", "related_type": "deal", "related_id": proposal.id}
        )
        won = await s.scalar(
            select(Deal).where(Deal.stage == "negotiation", Deal.account_id.is_not(None)).order_by(Deal.id).limit(1)
        )
        await DealService(s, SYSTEM).move_stage(won.id, "closed_won")  # an order: lifetime value
    settings = Settings()
    await _clear(db)
    statements: list[str] = []
    count = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.session() as s:
            counts = await refresh_all(s, settings, batch=64)  # several batches of each kind
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    batched = await _snapshot(db)

    await _clear(db)
    async with db.session() as s:  # the per-record path, as the `deals.refresh` job runs it
        model = await fit_win_model(s)
        for deal in list(await s.scalars(select(Deal).where(Deal.stage.in_(OPEN_STAGES)).order_by(Deal.id))):
            await refresh_deal(s, deal, clock, model=model, settings=settings)
        for account in list(await s.scalars(select(Account).order_by(Account.id))):
            await refresh_account(s, account, clock)
        for contact in list(await s.scalars(select(Contact).order_by(Contact.id))):
            await refresh_contact(s, contact, clock)
    per_record = await _snapshot(db)

    assert counts == {
        "deals": sum(1 for d in batched["deals"] if d[1] is not None),
        "accounts": len(batched["accounts"]),
        "contacts": len(batched["contacts"]),
    }
    for name in SNAPSHOT:
        assert batched[name] == per_record[name], name
    # The data exercised the rules: risks, a competitor, varied health, engagement, stuck notices.
    risks = [r for d in batched["deals"] for r in d[3]]
    assert any(r.startswith("stuck") for r in risks) and "competitor named: HubSpot, Zoho CRM" in risks
    assert any(r.startswith("single-threaded") for r in risks)
    assert len({a[1] for a in batched["accounts"]}) > 3 and any(a[3] > Decimal(0) for a in batched["accounts"])
    assert any(c[1] and c[1] > 0 for c in batched["contacts"]) and batched["stuck"]
    # Per batch a fixed number of statements (not one per record): 64 records a batch, about 20 statements each.
    batches = sum(-(-n // 64) for n in counts.values())
    assert len(statements) <= 20 * batches + 10, len(statements)
    assert len(statements) < sum(counts.values()) / 2


async def test_the_nightly_pass_keeps_records_already_loaded_in_the_session_current(db, clock):
    await seed(db)
    async with db.session() as s:
        deal = await s.scalar(select(Deal).where(Deal.stage.in_(OPEN_STAGES)).order_by(Deal.id).limit(1))
        contact = await s.scalar(select(Contact).order_by(Contact.id).limit(1))
        await s.execute(update(Contact).where(Contact.id == contact.id).values(engagement_score=None))
        await refresh_all(s)
        stored = (
            await s.execute(
                text(
                    "SELECT win_probability, engagement_score FROM deals, contacts WHERE deals.id = :d AND contacts.id = :c"
                ),
                {"d": deal.id, "c": contact.id},
            )
        ).one()
        assert (deal.win_probability, contact.engagement_score) == tuple(stored) and stored[0] is not None


async def test_a_contacts_engagement_score_moves_when_they_engage_not_only_at_night(db, clock):
    async with db.session() as s:
        contact = await factories.contact(s)
        assert contact.engagement_score is None
        await EngagementService(s, SYSTEM).log_call(
            {"contact_id": contact.id, "direction": "outbound", "call_at": clock - timedelta(days=40)}
        )
        assert contact.engagement_score == 2  # a call from us, 40 days ago: no recency points
        await EmailService(s, SYSTEM).receive(
            {"contact_id": contact.id, "subject": "Re: pricing", "body": "Can we talk on Friday?"}
        )
        assert contact.engagement_score == 2 + 12 + 20  # and a reply today: recent
        stored, factors = (
            await s.scalar(select(Contact.engagement_score).where(Contact.id == contact.id)),
            await engagement(s, contact, clock),
        )
        assert stored == factors[0] and [f.factor for f in factors[1]] == [
            "replies (emails and inbound calls)",
            "calls and emails from us",
            "days since last activity",
        ]
