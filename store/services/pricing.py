"""Pricing lines against the catalog: one rule for a deal's lines and a quote's tiers.

A line's total is quantity x unit price less its discount. Monthly lines add their total to the MRR, annual
lines a twelfth of theirs; one-time lines only to the one-time total. A deal's or tier's amount is the sum of
its line totals (the first year of a monthly line is its monthly total: the amount is what the lines say).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import InvalidInput, NotFound
from store.models import Product
from store.models.enums import Billing
from store.schemas import LineItemInput

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PricedLine:
    product: Product
    quantity: int
    unit_price: Decimal
    discount_pct: Decimal

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price * (1 - self.discount_pct / 100)).quantize(CENT)

    def to_dict(self) -> dict[str, str | int]:
        return {
            "product_id": str(self.product.id),
            "sku": self.product.sku,
            "name": self.product.name,
            "billing": self.product.billing.value,
            "quantity": self.quantity,
            "unit_price": f"{self.unit_price:.2f}",
            "discount_pct": f"{self.discount_pct:.2f}",
            "amount": f"{self.total:.2f}",
        }


def amount(lines: list[PricedLine]) -> Decimal:
    return sum((line.total for line in lines), Decimal(0))


def mrr(lines: list[PricedLine]) -> Decimal | None:
    """The monthly recurring revenue of the lines; None when none recurs."""
    recurring = [line for line in lines if line.product.billing is not Billing.one_time]
    if not recurring:
        return None
    monthly = sum(
        (line.total if line.product.billing is Billing.monthly else line.total / 12 for line in recurring), Decimal(0)
    )
    return monthly.quantize(CENT)


def check_term(lines: list[PricedLine], term: int | None) -> int | None:
    """The contract term (months) the lines need: 12 when recurring lines have none; whole years for annual lines."""
    if mrr(lines) is None:
        return term
    term = term or 12
    if term % 12 and any(line.product.billing is Billing.annual for line in lines):
        raise InvalidInput(
            "contract_term", f"{term} months: annually billed lines need a term in whole years (12, 24, ...)"
        )
    return term


async def price(
    session: AsyncSession, items: list[LineItemInput], *, currency: str, field: str = "line_items"
) -> list[PricedLine]:
    """The lines priced from the catalog (the list price unless a line names its own); each product must be active
    and sold in `currency`. Errors name `field.<index>.product_id`."""
    ids = {item.product_id for item in items}
    products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(ids)))} if ids else {}
    lines = []
    for index, item in enumerate(items):
        product: Product | None = products.get(uuid.UUID(str(item.product_id)))
        where = f"{field}.{index}.product_id"
        if product is None:
            raise NotFound(where, f"no product with id {item.product_id}")
        if not product.active:
            raise InvalidInput(where, f"product {product.sku} is no longer sold")
        if product.currency != currency:
            raise InvalidInput(where, f"product {product.sku} is priced in {product.currency}, the deal in {currency}")
        price_ = item.unit_price if item.unit_price is not None else product.unit_price
        lines.append(PricedLine(product, item.quantity, price_, item.discount_pct))
    return lines
