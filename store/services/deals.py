"""Deals: creation with line items, updates, stage moves, and what closing a deal sets off."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from store.access import require
from store.clock import utcnow
from store.errors import InvalidInput, InvalidTransition, NotFound
from store.models import (
    STAGE_PROBABILITY,
    Account,
    Contact,
    Deal,
    DealLineItem,
    DealStageChange,
    Order,
    OrderLine,
    Product,
    Task,
)
from store.models.enums import (
    OPEN_STAGES,
    AccountType,
    ActivityType,
    DealStage,
    LifecycleStage,
    OrderStatus,
    RecordType,
)
from store.schemas import DealCreate, DealUpdate, LineItemInput, parse
from store.services.base import Service
from store.services.timeline import described_changes, fact, record_activity
from store.services.visibility import owner_visible

CLOSED = (DealStage.closed_won, DealStage.closed_lost)
ONBOARDING = (("Kick-off call with {account}", 3), ("Provision workspace for {account}", 5), ("Onboarding review with {account}", 14))


class DealService(Service):
    """The sales pipeline's write side."""

    async def create(self, data: DealCreate | dict[str, Any]) -> Deal:
        values = parse(DealCreate, data)
        owner = values.owner_id or self.actor.user_id
        await self.check("deals", "write", owner)
        await self.ensure_user(values.owner_id, "owner_id")
        await self.referenced(Account, values.account_id, field="account_id")
        await self.referenced(Contact, values.primary_contact_id, field="primary_contact_id")
        deal = Deal(
            **values.model_dump(exclude={"line_items", "probability", "owner_id"}),
            owner_id=owner,
            probability=values.probability if values.probability is not None else STAGE_PROBABILITY[values.stage],
            probability_override=values.probability is not None,
        )
        self.session.add(deal)
        await self.flush()
        lines_total = await self._add_line_items(deal, values.line_items)
        if lines_total and not values.amount:
            deal.amount = lines_total
        self.session.add(DealStageChange(deal_id=deal.id, from_stage=None, to_stage=deal.stage, changed_by_id=self.actor.user_id))
        await self.flush()
        await record_activity(
            self.session, self.actor, type=ActivityType.deal, action="created",
            subject=f"Deal {deal.deal_name} created ({deal.stage}, {fact('amount')})",
            on=self._refs(deal), details={"amount": f"{deal.currency} {deal.amount:,.2f}"},
        )
        return deal

    async def get(self, deal_id: uuid.UUID | str) -> Deal:
        deal = await self.load(Deal, deal_id, field="deal_id")
        await self.check("deals", "read", deal.owner_id)
        return deal

    async def search(self, *, q: str | None = None, stage: DealStage | None = None, account_id: uuid.UUID | None = None,
                     owner_id: uuid.UUID | None = None, open_only: bool = False, limit: int = 20, offset: int = 0) -> tuple[list[Deal], int]:
        """Deals the caller may see, by name, stage, account and owner; soonest close first."""
        require(self.actor, "deals", "read")
        stmt = select(Deal).where(owner_visible(self.actor, Deal.owner_id))
        if q:
            stmt = stmt.where(Deal.deal_name.ilike(f"%{q.strip()}%"))
        if stage:
            stmt = stmt.where(Deal.stage == stage)
        if account_id:
            stmt = stmt.where(Deal.account_id == account_id)
        if owner_id:
            stmt = stmt.where(Deal.owner_id == owner_id)
        if open_only:
            stmt = stmt.where(Deal.stage.in_(OPEN_STAGES))
        return await self.page(stmt, Deal.close_date.asc().nulls_last(), Deal.deal_name, limit=limit, offset=offset)

    async def update(self, deal_id: uuid.UUID | str, data: DealUpdate | dict[str, Any]) -> Deal:
        changes = parse(DealUpdate, data).model_dump(exclude_unset=True)
        deal = await self.load(Deal, deal_id, field="deal_id", lock=True)
        await self.check("deals", "write", deal.owner_id)
        if "owner_id" in changes:
            await self.ensure_user(changes["owner_id"], "owner_id")
            await self.check("deals", "write", changes["owner_id"])
        await self.referenced(Account, changes.get("account_id"), field="account_id")
        await self.referenced(Contact, changes.get("primary_contact_id"), field="primary_contact_id")
        if "probability" in changes:
            if changes["probability"] is None:
                changes["probability"] = STAGE_PROBABILITY[deal.stage]
                changes["probability_override"] = False
            else:
                changes["probability_override"] = True
        diff = self.apply(deal, changes)
        await self.flush()
        if diff:
            text, details = described_changes(diff)
            await record_activity(
                self.session, self.actor, type=ActivityType.deal, action="updated",
                subject=f"Deal {deal.deal_name} updated: {text}", on=self._refs(deal), details=details,
            )
        return deal

    async def move_stage(self, deal_id: uuid.UUID | str, stage: DealStage | str, *, reason: str | None = None) -> Deal:
        """Move a deal to `stage`; closed_lost needs a reason; closed_won sets off the post-sale steps."""
        try:
            target = DealStage(stage)
        except ValueError:
            raise InvalidInput("stage", f"'{stage}' is not one of {[s.value for s in DealStage]}") from None
        deal = await self.load(Deal, deal_id, field="deal_id", lock=True)
        await self.check("deals", "write", deal.owner_id)
        if deal.stage in CLOSED:
            raise InvalidTransition("stage", f"deal {deal.deal_name} is already {deal.stage}")
        if deal.stage is target:
            raise InvalidTransition("stage", f"deal {deal.deal_name} is already in {target}")
        if target is DealStage.closed_lost and not (reason and reason.strip()):
            raise InvalidInput("lost_reason", "a lost deal needs a reason")
        previous = deal.stage
        now = utcnow()
        deal.stage, deal.stage_changed_at = target, now
        if target in CLOSED or not deal.probability_override:
            deal.probability = STAGE_PROBABILITY[target]
        if target in CLOSED:
            deal.closed_at = now
        if target is DealStage.closed_lost:
            deal.lost_reason = reason.strip()  # type: ignore[union-attr]
        self.session.add(DealStageChange(deal_id=deal.id, from_stage=previous, to_stage=target, changed_at=now, changed_by_id=self.actor.user_id))
        await self.flush()
        await record_activity(
            self.session, self.actor, type=ActivityType.deal, action="stage_changed",
            subject=f"Deal {deal.deal_name}: {previous} -> {target}" + (f" ({deal.lost_reason})" if target is DealStage.closed_lost else ""),
            on=self._refs(deal), details={"from": previous, "to": target, "reason": reason},
        )
        if target is DealStage.closed_won:
            await self._after_won(deal)
        return deal

    async def line_items(self, deal_id: uuid.UUID) -> list[DealLineItem]:
        return list(await self.session.scalars(select(DealLineItem).where(DealLineItem.deal_id == deal_id)))

    async def _add_line_items(self, deal: Deal, items: list[LineItemInput]) -> Decimal:
        total = Decimal(0)
        for index, item in enumerate(items):
            product = await self.session.get(Product, item.product_id)
            if product is None:
                raise NotFound(f"line_items.{index}.product_id", f"no product with id {item.product_id}")
            price = item.unit_price if item.unit_price is not None else product.unit_price
            self.session.add(DealLineItem(deal_id=deal.id, product_id=product.id, quantity=item.quantity, unit_price=price, discount_pct=item.discount_pct))
            total += (item.quantity * price * (1 - item.discount_pct / 100)).quantize(Decimal("0.01"))
        return total

    async def _after_won(self, deal: Deal) -> None:
        """Closed won: account becomes a customer, onboarding tasks for the owner, an order, a timeline entry."""
        account = await self.session.get(Account, deal.account_id) if deal.account_id else None
        label = account.account_name if account else deal.deal_name
        if account is not None and account.type is not AccountType.customer:
            account.type = AccountType.customer
        if deal.primary_contact_id:
            contact = await self.session.get(Contact, deal.primary_contact_id)
            if contact is not None:
                contact.lifecycle_stage = LifecycleStage.customer
        today = utcnow().date()
        for title, days in ONBOARDING:
            self.session.add(Task(
                title=title.format(account=label), due_date=today + timedelta(days=days), assignee_id=deal.owner_id,
                created_by_id=self.actor.user_id, related_type=RecordType.deal, related_id=deal.id,
            ))
        order = Order(deal_id=deal.id, account_id=deal.account_id, amount=deal.amount, currency=deal.currency, status=OrderStatus.pending)
        self.session.add(order)
        await self.flush()
        for item in await self.line_items(deal.id):
            self.session.add(OrderLine(order_id=order.id, product_id=item.product_id, quantity=item.quantity, unit_price=item.unit_price, total=item.total))
        await self.flush()
        await record_activity(
            self.session, self.actor, type=ActivityType.order, action="created",
            subject=f"Deal won: order {order.order_number} for {fact('amount')}; onboarding tasks created",
            on=self._refs(deal), source=(RecordType.order, order.id), details={"amount": f"{deal.currency} {deal.amount:,.2f}"},
        )

    @staticmethod
    def _refs(deal: Deal) -> list[tuple[RecordType, uuid.UUID | None]]:
        return [(RecordType.deal, deal.id), (RecordType.account, deal.account_id), (RecordType.contact, deal.primary_contact_id)]
