"""`nexa products ...`, `nexa quotes ...` and `nexa orders ...`: the catalog, quotes and orders from the terminal."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run

products_app = typer.Typer(
    help="The product catalog: list and add products (import them with `nexa import products`).", no_args_is_help=True
)
quotes_app = typer.Typer(
    help="Quotes: draft from a deal, write as PDF, email with the acceptance link.", no_args_is_help=True
)
orders_app = typer.Typer(
    help="Orders made by won deals: list (per account, with the roll-up) and show.", no_args_is_help=True
)
console = Console()
AsUser = Annotated[str, typer.Option("--as", help="The CRM user acting (their rights apply).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


async def _as(email: str, work: Any) -> Any:
    """Open the database, run `work(session, actor)` in one transaction, close."""
    from store.auth import actor_for_email
    from store.db import Database

    async with Database.opened() as db:
        async with db.session() as session:
            return await work(session, await actor_for_email(session, email))


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(cell) if cell is not None else "" for cell in row))
    console.print(table)


@products_app.command("list")
def products_list(
    email: AsUser,
    query: Annotated[str | None, typer.Argument(help="Part of the name or SKU.")] = None,
    all_products: Annotated[bool, typer.Option("--all", help="Include products no longer sold.")] = False,
    as_json: AsJson = False,
) -> None:
    """List the catalog."""
    from store.serialize import to_dict
    from store.services import ProductService

    async def work(session, actor):
        items, _ = await ProductService(session, actor).search(q=query, active_only=not all_products, limit=200)
        return [to_dict(p) for p in items]

    items = run(_as(email, work))
    if as_json:
        typer.echo(json.dumps(items))
        return
    _table(
        "Products",
        ["SKU", "Name", "Price", "Billing", "Active"],
        [[p["sku"], p["name"], f"{p['currency']} {p['unit_price']}", p["billing"], p["active"]] for p in items],
    )


@products_app.command("add")
def products_add(
    email: AsUser,
    name: Annotated[str, typer.Argument()],
    sku: Annotated[str, typer.Argument()],
    unit_price: Annotated[Decimal, typer.Argument(help="List price per unit.")],
    billing: Annotated[str, typer.Option(help="one_time, monthly or annual.")] = "monthly",
    currency: Annotated[str, typer.Option()] = "USD",
) -> None:
    """Add a product (managers and admins)."""
    from store.services import ProductService

    async def work(session, actor):
        product = await ProductService(session, actor).create(
            {"name": name, "sku": sku, "unit_price": unit_price, "billing": billing, "currency": currency}
        )
        return product.sku, str(product.id)

    sku_, product_id = run(_as(email, work))
    console.print(f"added {sku_} ({product_id})")


@quotes_app.command("create")
def quotes_create(
    email: AsUser,
    deal_id: Annotated[str, typer.Argument(help="The deal's id.")],
    tier: Annotated[
        list[str] | None, typer.Option(help='"Name=SKU:qty[,SKU:qty...]" (up to three; default: the deal\'s lines).')
    ] = None,
    valid_until: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: 30 days from today).")] = None,
) -> None:
    """Draft a quote for a deal."""
    from store.errors import InvalidInput
    from store.services import ProductService, QuoteService

    async def work(session, actor):
        products = ProductService(session, actor)
        tiers = []
        for spec in tier or []:
            name, _, lines = spec.partition("=")
            if not lines:
                raise InvalidInput("tier", f"'{spec}' is not Name=SKU:qty[,SKU:qty...]")
            items = []
            for part in lines.split(","):
                sku, _, qty = part.strip().partition(":")
                found = [p for p in (await products.search(q=sku, limit=50))[0] if p.sku.lower() == sku.lower()]
                if not found:
                    raise InvalidInput("tier", f"no product with SKU {sku}")
                items.append({"product_id": found[0].id, "quantity": int(qty or 1)})
            tiers.append({"name": name.strip(), "line_items": items})
        quote = await QuoteService(session, actor).create(deal_id, {"tiers": tiers, "valid_until": valid_until})
        return quote.quote_number, str(quote.id), [(t["name"], t["amount"]) for t in quote.tiers]

    number, quote_id, tiers = run(_as(email, work))
    console.print(f"quote {number} ({quote_id}): " + ", ".join(f"{n} {a}" for n, a in tiers))


@quotes_app.command("pdf")
def quotes_pdf(
    email: AsUser, quote_id: Annotated[str, typer.Argument()], out: Annotated[Path, typer.Option("--out", "-o")]
) -> None:
    """Write a quote as a PDF file."""
    from store.services import QuoteService
    from store.services.quote_documents import pdf

    async def work(session, actor):
        quotes = QuoteService(session, actor)
        return pdf(await quotes.view(await quotes.get(quote_id)))

    out.write_bytes(run(_as(email, work)))
    console.print(f"wrote {out}")


@quotes_app.command("send")
def quotes_send(
    email: AsUser,
    quote_id: Annotated[str, typer.Argument()],
    to: Annotated[str | None, typer.Option(help="Recipient (default: the deal's primary contact).")] = None,
) -> None:
    """Email a quote as PDF with its acceptance link (queued for the background worker)."""
    from store.services import QuoteService
    from store.settings import get_settings
    from tools.catalog import LOCAL_URL

    async def work(session, actor):
        settings = get_settings()
        sent = await QuoteService(session, actor).send(
            quote_id, settings, base_url=settings.public_url or LOCAL_URL, to=to
        )
        return sent.to_addresses

    console.print(f"queued to {', '.join(run(_as(email, work)))}")


@orders_app.command("list")
def orders_list(
    email: AsUser,
    account: Annotated[str | None, typer.Option(help="Only this account (by exact name), with its roll-up.")] = None,
    status: Annotated[str | None, typer.Option(help="pending, active, fulfilled or cancelled.")] = None,
    as_json: AsJson = False,
) -> None:
    """Orders you may read, newest first."""
    from store.errors import NotFound
    from store.serialize import plain, to_dict
    from store.services import AccountService, OrderService

    async def work(session, actor):
        orders, account_id, rollup = OrderService(session, actor), None, None
        if account:
            found = [
                a
                for a in (await AccountService(session, actor).search(q=account, limit=50))[0]
                if a.account_name.lower() == account.lower()
            ]
            if not found:
                raise NotFound("account", f"no account named '{account}' that you may read")
            account_id = found[0].id
            r = await orders.rollup(account_id)
            rollup = {
                "count": r.count,
                "amount": {c: plain(a) for c, a in r.amount_by_currency.items()},
                "by_status": r.count_by_status,
            }
        items, total = await orders.search(account_id=account_id, status=status, limit=200)
        return {"total": total, "items": [to_dict(o) for o in items], "rollup": rollup}

    result = run(_as(email, work))
    if as_json:
        typer.echo(json.dumps(result))
        return
    _table(
        f"Orders ({result['total']})",
        ["Number", "Status", "Amount", "Created"],
        [
            [o["order_number"], o["status"], f"{o['currency']} {o['amount']}", o["created_at"][:10]]
            for o in result["items"]
        ],
    )
    if result["rollup"]:
        r = result["rollup"]
        console.print(
            f"{account}: {r['count']} orders; "
            + ", ".join(f"{c} {a}" for c, a in r["amount"].items())
            + "; "
            + ", ".join(f"{s} {n}" for s, n in r["by_status"].items())
        )


@orders_app.command("show")
def orders_show(email: AsUser, order_id: Annotated[str, typer.Argument()]) -> None:
    """One order with its lines, as JSON."""
    from store.serialize import plain, to_dict
    from store.services import OrderService

    async def work(session, actor):
        orders = OrderService(session, actor)
        order = await orders.get(order_id)
        return to_dict(order) | {
            "lines": [
                {
                    "product_id": str(line.product_id),
                    "quantity": line.quantity,
                    "unit_price": plain(line.unit_price),
                    "amount": plain(line.total),
                }
                for line in await orders.lines(order.id)
            ]
        }

    typer.echo(json.dumps(run(_as(email, work)), indent=1))
