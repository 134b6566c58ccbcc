"""Catalog, quote and order tools: products, a deal's line items, drafting and sending quotes, reading orders."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from store.models import Deal, Order, Product, Quote
from store.models.enums import Billing, OrderStatus
from store.schemas import Day, EmailStr, LineItemInput, QuoteTier
from store.serialize import plain, ref
from store.services import DealService, OrderService, ProductService, QuoteService
from tools.context import ToolContext
from tools.registry import ToolResult, tool

LOCAL_URL = (
    "http://localhost:8000"  # the acceptance link's host when NEXA_PUBLIC_URL is not set (`nexa serve`'s default)
)


def _product(p: Product) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "name": p.name,
        "sku": p.sku,
        "unit_price": plain(p.unit_price),
        "currency": p.currency,
        "billing": p.billing.value,
        "active": p.active,
    }


def _quote(q: Quote) -> dict[str, Any]:
    return {
        "id": str(q.id),
        "quote_number": q.quote_number,
        "status": q.status.value,
        "valid_until": plain(q.valid_until),
        "currency": q.currency,
        "tiers": q.tiers,
        "accepted_tier": q.accepted_tier,
    }


def _order(o: Order) -> dict[str, Any]:
    return {
        "id": str(o.id),
        "order_number": o.order_number,
        "status": o.status.value,
        "amount": plain(o.amount),
        "currency": o.currency,
        "account_id": plain(o.account_id),
        "deal_id": plain(o.deal_id),
        "created_at": plain(o.created_at),
    }


@tool(area="products")
async def search_products(
    ctx: ToolContext, query: str | None = None, active_only: bool = True, limit: int = 20
) -> ToolResult:
    """List products of the catalog (name, SKU, list price, billing). Use it to find product ids for line items and quotes.

    Args:
        query: part of the product name or SKU
        active_only: only products still sold
        limit: at most this many products
    """
    products, total = await ProductService(ctx.session, ctx.actor).search(
        q=query, active_only=active_only, limit=min(limit, 50)
    )
    return ToolResult(
        data={"total": total, "products": [_product(p) for p in products]}, refs=[ref(p) for p in products]
    )


@tool(
    area="products", writes=True, summary="Add product {name} ({sku}) at {unit_price}[ {currency}][, billed {billing}]"
)
async def create_product(
    ctx: ToolContext,
    name: str,
    sku: str,
    unit_price: Decimal,
    *,
    billing: Billing = Billing.monthly,
    currency: str = "USD",
) -> ToolResult:
    """Add a product to the catalog (managers and admins).

    Args:
        name: the product's name
        sku: its unique stock-keeping code
        unit_price: the list price per unit
        billing: one_time, monthly or annual
        currency: three-letter currency code
    """
    product = await ProductService(ctx.session, ctx.actor).create(
        {"name": name, "sku": sku, "unit_price": unit_price, "billing": billing, "currency": currency}
    )
    return ToolResult(data=_product(product), refs=[ref(product)])


@tool(area="deals", writes=True, target=(Deal.record_type, "deal_id"), summary="Set the line items of deal {target}")
async def set_deal_line_items(ctx: ToolContext, deal_id: uuid.UUID, line_items: list[LineItemInput]) -> ToolResult:
    """Replace an open deal's line items (products, quantities, optional price and discount); the amount, MRR and term follow.

    Args:
        deal_id: the deal's id
        line_items: every line the deal should have (product_id from search_products, quantity, unit_price, discount_pct)
    """
    deal = await DealService(ctx.session, ctx.actor).set_line_items(deal_id, line_items)
    return ToolResult(
        data={
            "id": str(deal.id),
            "deal_name": deal.deal_name,
            "amount": plain(deal.amount),
            "total_mrr": plain(deal.total_mrr),
            "contract_term": deal.contract_term,
        },
        refs=[ref(deal)],
    )


@tool(
    area="deals",
    writes=True,
    target=(Deal.record_type, "deal_id"),
    summary="Draft a quote for deal {target}[ valid until {valid_until}]",
)
async def draft_quote(
    ctx: ToolContext, deal_id: uuid.UUID, tiers: list[QuoteTier] | None = None, valid_until: Day | None = None
) -> ToolResult:
    """Draft a numbered quote for a deal with up to three pricing tiers ("make a 3-tier quote for the Acme deal").

    Without tiers the quote offers the deal's own line items. Needs the user's approval; send it with send_quote.

    Args:
        deal_id: the deal's id
        tiers: up to three tiers, each a name (e.g. Good, Better, Best) and its line items (product_id, quantity, discount_pct)
        valid_until: last day the quote may be accepted (30 days from today when empty)
    """
    quote = await QuoteService(ctx.session, ctx.actor).create(
        deal_id, {"tiers": tiers or [], "valid_until": valid_until}
    )
    return ToolResult(data=_quote(quote), refs=[ref(quote)])


@tool(area="deals", untrusted=True)  # the acceptance carries what the customer typed on the signed page
async def get_quote(ctx: ToolContext, quote_id: uuid.UUID) -> ToolResult:
    """One quote: number, status, validity, tiers with their lines and totals, and which tier was accepted.

    Args:
        quote_id: the quote's id
    """
    quote = await QuoteService(ctx.session, ctx.actor).get(quote_id)
    return ToolResult(data=_quote(quote), refs=[ref(quote)])


@tool(area="deals")  # our own words only: tiers and products are staff's, an accepted tier is one of them
async def list_quotes(ctx: ToolContext, deal_id: uuid.UUID) -> ToolResult:
    """A deal's quotes, newest first: number, status (draft, sent, accepted, ...), validity and tiers ("what did we quote Acme?").

    Args:
        deal_id: the deal's id
    """
    deal = await DealService(ctx.session, ctx.actor).get(deal_id)
    quotes = list(reversed(await QuoteService(ctx.session, ctx.actor).of_deal(deal.id)))
    return ToolResult(data={"quotes": [_quote(q) for q in quotes]}, refs=[ref(deal), *(ref(q) for q in quotes)])


@tool(area="emails", writes=True, summary="Email quote {quote_id} as PDF[ to {to}]")
async def send_quote(ctx: ToolContext, quote_id: uuid.UUID, to: EmailStr | None = None) -> ToolResult:
    """Email a quote as a PDF attachment with its signed acceptance link. Needs the user's approval.

    Args:
        quote_id: the quote's id (from draft_quote)
        to: the recipient; the deal's primary contact when empty
    """
    email = await QuoteService(ctx.session, ctx.actor).send(
        quote_id, ctx.settings, base_url=ctx.settings.public_url or LOCAL_URL, to=to, deliver=not ctx.dry_run
    )
    return ToolResult(
        data={
            "email_id": str(email.id),
            "status": email.status.value,
            "to": email.to_addresses,
            "subject": email.subject,
        },
        refs=[ref(email)],
    )


@tool(area="orders")
async def list_orders(
    ctx: ToolContext, account_id: uuid.UUID | None = None, status: OrderStatus | None = None, limit: int = 20
) -> ToolResult:
    """Orders (made when deals are won), newest first; for one account, also its roll-up (count, amount, by status).

    Args:
        account_id: only this account's orders
        status: pending, active, fulfilled or cancelled
        limit: at most this many orders
    """
    orders = OrderService(ctx.session, ctx.actor)
    items, total = await orders.search(account_id=account_id, status=status, limit=min(limit, 50))
    data: dict[str, Any] = {"total": total, "orders": [_order(o) for o in items]}
    if account_id is not None:
        rollup = await orders.rollup(account_id)
        data["rollup"] = {
            "count": rollup.count,
            "amount": {c: plain(a) for c, a in rollup.amount_by_currency.items()},
            "by_status": rollup.count_by_status,
        }
    return ToolResult(data=data, refs=[ref(o) for o in items])


@tool(area="orders")
async def get_order(ctx: ToolContext, order_id: uuid.UUID) -> ToolResult:
    """One order with its lines (product, quantity, price).

    Args:
        order_id: the order's id
    """
    orders = OrderService(ctx.session, ctx.actor)
    order = await orders.get(order_id)
    lines = [
        {
            "product_id": str(line.product_id),
            "quantity": line.quantity,
            "unit_price": plain(line.unit_price),
            "amount": plain(line.total),
        }
        for line in await orders.lines(order.id)
    ]
    return ToolResult(data=_order(order) | {"lines": lines}, refs=[ref(order)])
