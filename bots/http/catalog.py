"""Deal line items, quotes (JSON, HTML, PDF, send) and orders under `/api/v1`, and the buyer's acceptance page.

Annotations are real classes at definition time (no `from __future__ import annotations`): Litestar reads them.
"""

import uuid
from html import escape as html_escape
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post, put
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, Parameter
from pydantic import BaseModel, Field

from bots.http.api import current_actor
from bots.http.resources import MAX_PAGE, record
from bots.http.responses import (
    AccountOrders,
    DealLineOut,
    DealWithLines,
    OrderDetail,
    OrderLineOut,
    OrderOut,
    OrderRollup,
    Orders,
    QuoteOut,
    Quotes,
    QuoteSent,
)
from bots.http.state import Caller, Nexa
from store.access import Actor, redact
from store.models.enums import OrderStatus
from store.schemas import EmailStr, Input, LineItems, QuoteCreate, parse
from store.serialize import plain, to_dict
from store.services import DealService, OrderService, QuoteService
from store.services.audit import audit
from store.services.quote_documents import html, pdf
from store.services.quotes import read_token


async def deal_with_lines(actor: Actor, deals: DealService, deal_id: uuid.UUID) -> DealWithLines:
    deal = await deals.get(deal_id)
    lines = [redact(actor, to_dict(line) | {"amount": plain(line.total)}) for line in await deals.line_items(deal.id)]
    items = [DealLineOut(**{k: v for k, v in line.items() if k != "total"}) for line in lines]
    return DealWithLines(**(record(actor, deal) | {"line_items": items}))


@get("/deals/{deal_id:uuid}/line_items", tags=["deals"])
async def get_line_items(nexa: Nexa, actor: Caller, deal_id: FromPath[uuid.UUID]) -> DealWithLines:
    """A deal with its line items."""
    async with nexa.db.session() as session:
        return await deal_with_lines(actor, DealService(session, actor), deal_id)


@put("/deals/{deal_id:uuid}/line_items", tags=["deals"])
async def put_line_items(
    nexa: Nexa, actor: Caller, deal_id: FromPath[uuid.UUID], data: JSONBody[LineItems]
) -> DealWithLines:
    """Replace a deal's line items; its amount follows them unless it was set by hand, and so do total_mrr and the term."""
    async with nexa.db.session() as session:
        deals = DealService(session, actor)
        await deals.set_line_items(deal_id, data)
        await audit(
            session,
            actor,
            action="api:deals.line_items",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[deal_id],
        )
        return await deal_with_lines(actor, deals, deal_id)


def quote_record(actor: Actor, quote: Any) -> QuoteOut:
    return QuoteOut(**redact(actor, to_dict(quote) | {"name": quote.quote_number}))


@post("/deals/{deal_id:uuid}/quotes", status_code=201, tags=["quotes"])
async def create_quote(
    nexa: Nexa, actor: Caller, deal_id: FromPath[uuid.UUID], data: JSONBody[QuoteCreate]
) -> QuoteOut:
    """Draft a numbered quote for the deal: up to three tiers (without tiers, the deal's own lines)."""
    async with nexa.db.session() as session:
        quote = await QuoteService(session, actor).create(deal_id, data)
        await audit(
            session,
            actor,
            action="api:quotes.create",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[deal_id, quote.id],
        )
        return quote_record(actor, quote)


@get("/deals/{deal_id:uuid}/quotes", tags=["quotes"])
async def deal_quotes(nexa: Nexa, actor: Caller, deal_id: FromPath[uuid.UUID]) -> Quotes:
    """The deal's quotes, oldest first."""
    async with nexa.db.session() as session:
        return Quotes(items=[quote_record(actor, q) for q in await QuoteService(session, actor).of_deal(deal_id)])


@get("/quotes/{quote_id:uuid}", tags=["quotes"])
async def get_quote(nexa: Nexa, actor: Caller, quote_id: FromPath[uuid.UUID]) -> QuoteOut:
    async with nexa.db.session() as session:
        return quote_record(actor, await QuoteService(session, actor).get(quote_id))


@get("/quotes/{quote_id:uuid}/html", tags=["quotes"], media_type="text/html")
async def quote_html(nexa: Nexa, actor: Caller, quote_id: FromPath[uuid.UUID]) -> Response[str]:
    """The quote as a web page."""
    async with nexa.db.session() as session:
        quotes = QuoteService(session, actor)
        return Response(html(await quotes.view(await quotes.get(quote_id))), media_type="text/html")


@get("/quotes/{quote_id:uuid}/pdf", tags=["quotes"], media_type="application/pdf")
async def quote_pdf(nexa: Nexa, actor: Caller, quote_id: FromPath[uuid.UUID]) -> Response[bytes]:
    """The quote as a PDF document."""
    async with nexa.db.session() as session:
        quotes = QuoteService(session, actor)
        quote = await quotes.get(quote_id)
        return Response(
            pdf(await quotes.view(quote)),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{quote.quote_number}.pdf"'},
        )


class SendQuote(Input):
    to: EmailStr | None = Field(None, description="the recipient; the deal's primary contact when empty")


@post("/quotes/{quote_id:uuid}/send", status_code=200, tags=["quotes"])
async def send_quote(
    request: Request, nexa: Nexa, actor: Caller, quote_id: FromPath[uuid.UUID], data: JSONBody[SendQuote]
) -> QuoteSent:
    """Mail the quote as a PDF with its signed acceptance link (queued for the delivery job)."""
    async with nexa.db.session() as session:
        email = await QuoteService(session, actor).send(
            quote_id, nexa.settings, base_url=str(request.base_url), to=data.to
        )
        await audit(
            session,
            actor,
            action="api:quotes.send",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[quote_id, email.id],
        )
        return QuoteSent(email_id=str(email.id), status=email.status.value, to=email.to_addresses)


class OrderFilters(Input):
    account_id: uuid.UUID | None = None
    status: OrderStatus | None = None
    q: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10_000_000)


async def order_record(actor: Actor, orders: OrderService, order: Any) -> OrderDetail:
    lines = [
        OrderLineOut(
            **redact(
                actor,
                {
                    "product_id": str(line.product_id),
                    "quantity": line.quantity,
                    "unit_price": plain(line.unit_price),
                    "amount": plain(line.total),
                },
            )
        )
        for line in await orders.lines(order.id)
    ]
    return OrderDetail(**(record(actor, order) | {"name": order.order_number, "lines": lines}))


def order_out(actor: Actor, order: Any) -> OrderOut:
    return OrderOut(**(record(actor, order) | {"name": order.order_number}))


@get("/orders", tags=["orders"])
async def list_orders(request: Request, nexa: Nexa, actor: Caller) -> Orders:
    """Orders the caller may read (through their deals), newest first. Filters: account_id, status, q, limit, offset."""
    filters = parse(OrderFilters, dict(request.query_params))
    async with nexa.db.session() as session:
        items, total = await OrderService(session, actor).search(
            account_id=filters.account_id,
            status=filters.status,
            q=filters.q,
            limit=filters.limit,
            offset=filters.offset,
        )
        return Orders(
            total=total, limit=filters.limit, offset=filters.offset, items=[order_out(actor, o) for o in items]
        )


@get("/orders/{order_id:uuid}", tags=["orders"])
async def get_order(nexa: Nexa, actor: Caller, order_id: FromPath[uuid.UUID]) -> OrderDetail:
    async with nexa.db.session() as session:
        orders = OrderService(session, actor)
        return await order_record(actor, orders, await orders.get(order_id))


@get("/accounts/{account_id:uuid}/orders", tags=["orders"])
async def account_orders(nexa: Nexa, actor: Caller, account_id: FromPath[uuid.UUID]) -> AccountOrders:
    """An account's orders with their roll-up: count, amount by currency (cancelled ones left out), count by status."""
    async with nexa.db.session() as session:
        orders = OrderService(session, actor)
        rollup = await orders.rollup(account_id)
        items, _ = await orders.search(account_id=account_id, limit=MAX_PAGE)
        return AccountOrders(
            rollup=OrderRollup(**redact(actor, rollup_dict(rollup))), items=[order_out(actor, o) for o in items]
        )


def rollup_dict(rollup: Any) -> dict[str, Any]:
    return {
        "account_id": str(rollup.account_id),
        "count": rollup.count,
        "amount": {c: plain(a) for c, a in rollup.amount_by_currency.items()},
        "by_status": rollup.count_by_status,
    }


catalog_router = Router(
    path="/api/v1",
    route_handlers=[
        get_line_items,
        put_line_items,
        create_quote,
        deal_quotes,
        get_quote,
        quote_html,
        quote_pdf,
        send_quote,
        list_orders,
        get_order,
        account_orders,
    ],
    dependencies={"actor": Provide(current_actor)},
)


class Acceptance(BaseModel):
    token: str = Field(max_length=2000)
    tier: str = Field(max_length=100)


@get("/quotes/accept", media_type="text/html", include_in_schema=False)
async def acceptance_page(nexa: Nexa, token: Annotated[str, Parameter(max_length=2000)]) -> Response[str]:
    """The page the mailed link opens: the quote, with an Accept button per tier."""
    claims = read_token(nexa.settings.signing_key(), token)
    async with nexa.db.session() as session:
        quotes = QuoteService(session, Actor.system())
        quote = await quotes.get(claims["quote"])
        return Response(
            html(await quotes.view(quote), accept_token=None if quote.accepted_at else token), media_type="text/html"
        )


@post("/quotes/accept", status_code=200, media_type="text/html", include_in_schema=False)
async def accept_quote(
    nexa: Nexa, data: Annotated[Acceptance, Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Response[str]:
    """The buyer's Accept button: records the acceptance and moves the deal to negotiation."""
    async with nexa.db.session() as session:
        quote = await QuoteService(session, Actor.system()).accept(data.token, data.tier, nexa.settings.signing_key())
        await audit(
            session,
            Actor.system(),
            action="quotes.accept",
            arguments={"tier": data.tier, "by": quote.accepted_by},
            status="ok",
            record_ids=[quote.id, quote.deal_id],
        )
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>Quote accepted</title><body><main><h1>Thank you</h1>"
        f"<p>Quote {quote.quote_number} is accepted ({html_escape(quote.accepted_tier or '')}). We will be in touch.</p></main></body></html>"
    )
    return Response(page, media_type="text/html")


quote_pages = [acceptance_page, accept_quote]
