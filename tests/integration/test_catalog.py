"""Products, deal line items, quotes (HTML, PDF, mailed, accepted by a signed link) and orders, through the services."""

from __future__ import annotations

import email as email_lib
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from store.auth import actor_for
from store.clock import utcnow
from store.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from store.models import Deal, DealStageChange, Quote
from store.models.enums import DealStage, QuoteStatus, Role
from store.services import DealService, OrderService, ProductService, QuoteService
from store.services.email_delivery import deliver
from store.services.quote_documents import html, pdf
from store.services.quotes import acceptance_token
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.paths import DATA
from tests.support.smtp import smtp_server


async def _catalog(s):
    products = ProductService(s, SYSTEM)
    return {
        "seat": await products.create({"name": "Seat", "sku": "SEAT-M", "unit_price": "50", "billing": "monthly"}),
        "platform": await products.create(
            {"name": "Platform", "sku": "PLAT-Y", "unit_price": "12000", "billing": "annual"}
        ),
        "setup": await products.create(
            {"name": "Onboarding", "sku": "SETUP", "unit_price": "2500", "billing": "one_time"}
        ),
    }


async def test_products_are_read_by_sellers_and_priced_by_managers(db):
    async with db.session() as s:
        rep = actor_for(await factories.user(s, role=Role.rep))
        manager = actor_for(await factories.user(s, role=Role.manager))
        seat = await ProductService(s, manager).create({"name": "Seat", "sku": "SEAT-M", "unit_price": "50"})
        with pytest.raises(PermissionDenied):
            await ProductService(s, rep).create({"name": "Other", "sku": "X-1", "unit_price": "1"})
        with pytest.raises(InvalidInput) as bad:
            await ProductService(s, manager).create(
                {"name": "Bad", "sku": "B-1", "unit_price": "1", "billing": "weekly"}
            )
        assert bad.value.field == "billing"
        with pytest.raises(Conflict) as dup:
            await ProductService(s, manager).create({"name": "Seat again", "sku": "SEAT-M", "unit_price": "2"})
        assert dup.value.field == "sku"
        await ProductService(s, manager).update(seat.id, {"active": False})
        found, total = await ProductService(s, rep).search(q="seat")
        assert total == 1 and found[0].active is False
        assert (await ProductService(s, rep).search(active_only=True))[1] == 0


async def test_line_items_drive_amount_mrr_and_term_unless_the_amount_is_overridden(db):
    async with db.session() as s:
        p = await _catalog(s)
        deals = DealService(s, SYSTEM)
        deal = await factories.deal(s, amount=0, line_items=[{"product_id": p["seat"].id, "quantity": 10}])
        assert (deal.amount, deal.total_mrr, deal.contract_term, deal.amount_override) == (
            Decimal("500.00"),
            Decimal("500.00"),
            12,
            False,
        )
        await deals.set_line_items(
            deal.id,
            [
                {"product_id": p["seat"].id, "quantity": 20, "discount_pct": 10},
                {"product_id": p["platform"].id},
                {"product_id": p["setup"].id},
            ],
        )
        assert deal.amount == Decimal("900.00") + Decimal("12000.00") + Decimal("2500.00")
        assert deal.total_mrr == Decimal("1900.00")  # 900 monthly + 12000 / 12
        with pytest.raises(InvalidInput) as term:
            await deals.update(deal.id, {"contract_term": 18})
        assert term.value.field == "contract_term"
        with pytest.raises(InvalidInput) as mrr:
            await deals.update(deal.id, {"total_mrr": 5})
        assert mrr.value.field == "total_mrr"
        await deals.update(deal.id, {"amount": 10000})
        assert deal.amount_override
        await deals.set_line_items(deal.id, [{"product_id": p["setup"].id}])
        assert (deal.amount, deal.total_mrr) == (Decimal("10000.00"), None)
        await deals.update(deal.id, {"amount": None})
        assert (deal.amount, deal.amount_override) == (Decimal("2500.00"), False)
        with pytest.raises(NotFound) as missing:
            await deals.set_line_items(deal.id, [{"product_id": p["setup"].id}, {"product_id": deal.id}])
        assert missing.value.field == "line_items.1.product_id"
        assert len(await deals.line_items(deal.id)) == 1  # the refused change wrote nothing
        await deals.move_stage(deal.id, "closed_won")
        with pytest.raises(InvalidTransition):
            await deals.set_line_items(deal.id, [])


async def _quoted(s, clock_now):
    p = await _catalog(s)
    owner = await factories.user(s, role=Role.rep, name="Jane Seller", email="jane@nexa.test")
    account = await factories.account(s, account_name="Acme Corp", account_owner_id=owner.id)
    buyer = await factories.contact(
        s, first_name="Sarah", last_name="Buyer", email="sarah@acme.test", account_id=account.id
    )
    deal = await factories.deal(
        s,
        deal_name="Acme - Platform",
        account_id=account.id,
        primary_contact_id=buyer.id,
        owner_id=owner.id,
        stage="proposal",
        amount=0,
    )
    tiers = [
        {"name": "Good", "line_items": [{"product_id": p["seat"].id, "quantity": 10}]},
        {"name": "Better", "line_items": [{"product_id": p["seat"].id, "quantity": 25}, {"product_id": p["setup"].id}]},
        {
            "name": "Best",
            "line_items": [{"product_id": p["platform"].id}, {"product_id": p["setup"].id, "discount_pct": 50}],
        },
    ]
    quote = await QuoteService(s, actor_for(owner)).create(deal.id, {"tiers": tiers})
    return quote, deal, owner


async def test_a_quote_has_three_numbered_tiers_and_renders_as_html_and_pdf(db, clock):
    async with db.session() as s:
        quote, deal, owner = await _quoted(s, clock)
        seat = quote.tiers[0]["lines"][0]["product_id"]
        second = await QuoteService(s, SYSTEM).create(
            deal.id, {"tiers": [{"name": "Only", "line_items": [{"product_id": seat}]}]}
        )
        assert quote.quote_number.startswith("Q-") and second.quote_number > quote.quote_number
        assert quote.valid_until == clock.date() + timedelta(days=30)
        assert [(t["name"], t["amount"], t["total_mrr"]) for t in quote.tiers] == [
            ("Good", "500.00", "500.00"),
            ("Better", "3750.00", "1250.00"),
            ("Best", "13250.00", "1000.00"),
        ]
        view = await QuoteService(s, actor_for(owner)).view(quote)
        page = html(view)
        assert "Acme Corp" in page and "Better" in page and "13250.00" in page and "<form" not in page
        document = pdf(view)
        assert document.startswith(b"%PDF-") and len(document) > 1000
        with pytest.raises(InvalidInput) as four:
            await QuoteService(s, SYSTEM).create(
                deal.id, {"tiers": [{"name": f"T{i}", "line_items": [{"product_id": seat}]} for i in range(4)]}
            )
        assert four.value.field == "tiers"
        with pytest.raises(InvalidInput) as none:
            await QuoteService(s, SYSTEM).create(deal.id, {})
        assert none.value.field == "tiers"


async def test_quotes_follow_the_deals_rights(db, clock):
    async with db.session() as s:
        quote, deal, owner = await _quoted(s, clock)
        outsider = actor_for(await factories.user(s, role=Role.rep, team="Sales West"))
        teammate = actor_for(await factories.user(s, role=Role.rep, team=owner.team))
        with pytest.raises(PermissionDenied):
            await QuoteService(s, outsider).get(quote.id)
        with pytest.raises(PermissionDenied):
            await QuoteService(s, outsider).create(deal.id, {})
        assert (await QuoteService(s, teammate).get(quote.id)).id == quote.id
        with pytest.raises(PermissionDenied):  # a teammate reads but does not quote another rep's deal
            await QuoteService(s, teammate).create(deal.id, {})


async def test_a_sent_quote_carries_its_pdf_and_its_link_moves_the_deal_to_negotiation(db, clock):
    with smtp_server() as (inbox, url):
        settings = Settings(smtp_url=url, secret_key="k" * 32)
        async with db.session() as s:
            quote, deal, owner = await _quoted(s, clock)
            email = await QuoteService(s, actor_for(owner)).send(quote.id, settings, base_url="http://crm.test")
            assert quote.status is QuoteStatus.sent
        await deliver(db, email.id, settings, last_attempt=True)
        (envelope,) = inbox.messages
        message = email_lib.message_from_bytes(envelope.content)
        assert envelope.rcpt_tos == ["sarah@acme.test"]
        (attachment,) = [part for part in message.walk() if part.get_filename()]
        assert attachment.get_filename() == f"{quote.quote_number}.pdf" and attachment.get_payload(
            decode=True
        ).startswith(b"%PDF-")
        body = (
            next(part for part in message.walk() if part.get_content_type() == "text/plain")
            .get_payload(decode=True)
            .decode()
        )
        token = body.split("/quotes/accept?token=")[1].split()[0]
        key = settings.signing_key()
        async with db.session() as s:
            with pytest.raises(InvalidInput) as forged:
                await QuoteService(s, SYSTEM).accept(token[:-3] + "AAA", "Best", key)
            assert forged.value.field == "token"
            with pytest.raises(InvalidInput) as tier:
                await QuoteService(s, SYSTEM).accept(token, "Platinum", key)
            assert tier.value.field == "tier"
        async with db.session() as s:
            accepted = await QuoteService(s, SYSTEM).accept(token, "best", key)
            assert (accepted.status, accepted.accepted_tier, accepted.accepted_by) == (
                QuoteStatus.accepted,
                "Best",
                "sarah@acme.test",
            )
        async with db.session() as s:
            moved = await s.get(Deal, deal.id)
            assert (moved.stage, moved.probability, moved.amount, moved.total_mrr) == (
                DealStage.negotiation,
                75,
                Decimal("13250.00"),
                Decimal("1000.00"),
            )
            history = list(await s.scalars(select(DealStageChange.to_stage).where(DealStageChange.deal_id == deal.id)))
            assert DealStage.negotiation in history
            with pytest.raises(Conflict):
                await QuoteService(s, SYSTEM).accept(token, "Good", key)


async def test_an_expired_quote_link_is_refused(db, clock):
    async with db.session() as s:
        quote, deal, owner = await _quoted(s, clock)
        key = b"k" * 32
        token = acceptance_token(key, quote, "sarah@acme.test")
        (await s.get(Quote, quote.id)).valid_until = clock.date() - timedelta(days=1)
        with pytest.raises(InvalidInput) as expired:
            await QuoteService(s, SYSTEM).accept(token, "Good", key)
        assert expired.value.field == "token"


async def test_orders_are_read_through_their_deal_and_rolled_up_per_account(db, clock):
    async with db.session() as s:
        p = await _catalog(s)
        owner = await factories.user(s, role=Role.rep, team="Sales East")
        outsider = actor_for(await factories.user(s, role=Role.rep, team="Sales West"))
        support = actor_for(await factories.user(s, role=Role.support, team=None))
        account = await factories.account(s, account_name="Globex", account_owner_id=owner.id)
        deals = DealService(s, SYSTEM)
        for n in range(2):
            deal = await factories.deal(
                s,
                account_id=account.id,
                owner_id=owner.id,
                amount=0,
                line_items=[{"product_id": p["seat"].id, "quantity": n + 1}],
            )
            await deals.move_stage(deal.id, "closed_won")
        mine = actor_for(owner)
        orders, total = await OrderService(s, mine).search(account_id=account.id)
        assert total == 2 and {o.amount for o in orders} == {Decimal("50.00"), Decimal("100.00")}
        assert len(await OrderService(s, mine).lines(orders[0].id)) == 1
        rollup = await OrderService(s, mine).rollup(account.id)
        assert (rollup.count, rollup.amount_by_currency, rollup.count_by_status) == (
            2,
            {"USD": Decimal("150.00")},
            {"pending": 2},
        )
        assert (await OrderService(s, outsider).search())[1] == 0
        with pytest.raises(PermissionDenied):
            await OrderService(s, outsider).get(orders[0].id)
        with pytest.raises(PermissionDenied) as account_refused:
            await OrderService(s, outsider).rollup(account.id)
        assert account_refused.value.field == "account_id"
        assert (await OrderService(s, support).get(orders[0].id)).id == orders[0].id
        assert utcnow() == clock


async def test_products_import_from_a_hubspot_export_by_sku(db):
    import io

    from store.imports import Importer, ImportOptions
    from store.models import Product

    raw = (DATA / "imports" / "hubspot_products.csv").read_bytes()
    async with db.session() as s:
        manager = actor_for(await factories.user(s, role=Role.manager))
        rep = actor_for(await factories.user(s, role=Role.rep))
    report = await Importer(db, manager, "products", ImportOptions(preset="hubspot")).run(
        io.BytesIO(raw), filename="p.csv"
    )
    assert (report.rows, report.created, report.failed) == (6, 3, 3)
    assert {e.row: e.column for e in report.errors} == {5: "Unit price", 6: "Billing frequency", 7: "Name"}
    async with db.session() as s:
        products = {p.sku: p for p in await s.scalars(select(Product))}
    assert {sku: (p.unit_price, p.billing.value, p.external_id) for sku, p in products.items()} == {
        "SEAT-M": (Decimal("50.00"), "monthly", "9001"),
        "PLAT-Y": (Decimal("12000.00"), "annual", "9002"),
        "SETUP": (Decimal("2500.00"), "one_time", "9003"),
    }
    assert products["SETUP"].custom_fields == {"Description": "Kick-off,\ntraining and setup"}
    again = await Importer(db, manager, "products", ImportOptions(preset="hubspot")).run(
        io.BytesIO(raw), filename="p.csv"
    )
    assert (again.created, again.unchanged) == (0, 3)
    fresh = raw.replace(b"SEAT-M", b"SEAT-X").replace(b"9001", b"9101")
    refused = await Importer(db, rep, "products", ImportOptions(preset="hubspot")).run(
        io.BytesIO(fresh), filename="p.csv"
    )
    assert refused.created == 0 and {e.row: e.reason for e in refused.errors}[2].startswith(
        "products:"
    )  # reps do not price the catalog
