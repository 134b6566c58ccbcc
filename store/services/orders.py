"""Orders (made when a deal is won): read one, list them, and an account's roll-up.

An order is read through its deal: whoever may read the deal may read its order (an order whose deal was
deleted follows its account's owner).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from store.access import require
from store.models import Account, Deal, Order, OrderLine
from store.models.enums import OrderStatus
from store.services.base import Service
from store.services.visibility import owner_visible


@dataclass(frozen=True)
class OrderRollup:
    """An account's orders: how many, and their amounts by currency and by status."""

    account_id: uuid.UUID
    count: int
    amount_by_currency: dict[str, Decimal]
    count_by_status: dict[str, int]


class OrderService(Service):
    """The read side of orders."""

    def _visible(self) -> ColumnElement[bool]:
        return or_(
            and_(Order.deal_id.is_not(None), owner_visible(self.actor, Deal.owner_id)),
            and_(Order.deal_id.is_(None), owner_visible(self.actor, Account.account_owner_id)),
        )

    def _base(self) -> Select[Order]:
        return (
            select(Order)
            .outerjoin(Deal, Deal.id == Order.deal_id)
            .outerjoin(Account, Account.id == Order.account_id)
            .where(self._visible())
        )

    async def get(self, order_id: uuid.UUID | str) -> Order:
        require(self.actor, "orders", "read")
        order = await self.load(Order, order_id, field="order_id")
        deal = await self.session.get(Deal, order.deal_id) if order.deal_id else None
        if deal is not None:
            await self.check("deals", "read", deal.owner_id)
        else:
            account = await self.session.get(Account, order.account_id) if order.account_id else None
            await self.check("accounts", "read", account.account_owner_id if account else None)
        return order

    async def lines(self, order_id: uuid.UUID) -> list[OrderLine]:
        return list(await self.session.scalars(select(OrderLine).where(OrderLine.order_id == order_id)))

    async def search(
        self,
        *,
        account_id: uuid.UUID | None = None,
        status: OrderStatus | None = None,
        q: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[Order], int]:
        """Orders the caller may read, newest first; by account (whose read right is checked), status or number."""
        require(self.actor, "orders", "read")
        await self.referenced(Account, account_id, field="account_id")
        stmt = self._base()
        if account_id:
            stmt = stmt.where(Order.account_id == account_id)
        if status:
            stmt = stmt.where(Order.status == status)
        if q:
            stmt = stmt.where(Order.order_number.ilike(f"%{q.strip()}%"))
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(
            stmt.order_by(Order.created_at.desc(), Order.order_number.desc()).limit(limit).offset(offset)
        )
        return list(rows), int(total or 0)

    async def rollup(self, account_id: uuid.UUID | str) -> OrderRollup:
        """The account's orders the caller may read, counted and summed."""
        require(self.actor, "orders", "read")
        account = await self.referenced(Account, account_id, field="account_id")
        visible = self._base().where(Order.account_id == account.id).subquery()
        amounts: dict[str, Decimal] = {}
        statuses: dict[str, int] = {}
        for currency, status, count, amount in await self.session.execute(
            select(visible.c.currency, visible.c.status, func.count(), func.sum(visible.c.amount)).group_by(
                visible.c.currency, visible.c.status
            )
        ):
            if status != OrderStatus.cancelled:
                amounts[currency] = amounts.get(currency, Decimal(0)) + amount
            statuses[str(status)] = statuses.get(str(status), 0) + count
        return OrderRollup(account.id, sum(statuses.values()), amounts, statuses)
