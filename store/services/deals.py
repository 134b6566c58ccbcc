"""Deals: creation with line items, updates, stage moves, and what closing a deal sets off."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.clock import utcnow
from store.errors import InvalidInput, InvalidTransition
from store.jobs.defer import defer
from store.models import (
    STAGE_PROBABILITY,
    Account,
    Contact,
    CustomerSuccessHandoff,
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
from store.schemas import DealCreate, DealUpdate, LineItemInput, LineItems, parse
from store.services import pricing
from store.services.base import OwnedService
from store.services.commissions import CommissionService
from store.services.timeline import described_changes, fact, record_activity

CLOSED = (DealStage.closed_won, DealStage.closed_lost)
ONBOARDING = (
    ("Kick-off call with {account}", 3),
    ("Provision workspace for {account}", 5),
    ("Onboarding review with {account}", 14),
)


async def queue_refresh(session: AsyncSession, deal_id: uuid.UUID | None) -> None:
    """Recompute the deal's stored AI fields in a job once this change commits (repeated changes share one job)."""
    if deal_id is not None:
        await defer(session, "deals.refresh", queueing_lock=f"deals.refresh:{deal_id}", deal_id=str(deal_id))


class DealService(OwnedService[Deal]):
    """The sales pipeline's write side."""

    model = Deal

    async def create(self, data: DealCreate | dict[str, Any]) -> Deal:
        values = parse(DealCreate, data)
        owner = await self.new_owner(values.owner_id)
        await self.referenced(Account, values.account_id, field="account_id")
        await self.referenced(Contact, values.primary_contact_id, field="primary_contact_id")
        lines = await pricing.price(self.session, values.line_items, currency=values.currency)
        deal = Deal(
            **values.model_dump(exclude={"line_items", "probability", "owner_id"}),
            owner_id=owner,
            probability=values.probability if values.probability is not None else STAGE_PROBABILITY[values.stage],
            probability_override=values.probability is not None,
            amount_override=bool(lines) and bool(values.amount),
        )
        self.session.add(deal)
        await self.flush()
        self._add_lines(deal, lines)
        self.session.add(
            DealStageChange(deal_id=deal.id, from_stage=None, to_stage=deal.stage, changed_by_id=self.actor.user_id)
        )
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.deal,
            action="created",
            subject=f"Deal {deal.deal_name} created ({deal.stage}, {fact('amount')})",
            on=self._refs(deal),
            details={"amount": f"{deal.currency} {deal.amount:,.2f}"},
        )
        await self._queue_refresh(deal)
        return deal

    async def search(
        self,
        *,
        q: str | None = None,
        stage: DealStage | None = None,
        account_id: uuid.UUID | None = None,
        contact_id: uuid.UUID | None = None,
        owner_id: uuid.UUID | None = None,
        open_only: bool = False,
        close_from: date | None = None,
        close_to: date | None = None,
        min_amount: Decimal | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[Deal], int]:
        """Deals the caller may see, by name, stage, account, primary contact, owner, close date (inclusive) and least
        amount; soonest close first."""
        stmt = self.visible()
        if q:
            stmt = stmt.where(Deal.deal_name.ilike(f"%{q.strip()}%"))
        if stage:
            stmt = stmt.where(Deal.stage == stage)
        if account_id:
            stmt = stmt.where(Deal.account_id == account_id)
        if contact_id:
            stmt = stmt.where(Deal.primary_contact_id == contact_id)
        if owner_id:
            stmt = stmt.where(Deal.owner_id == owner_id)
        if open_only:
            stmt = stmt.where(Deal.stage.in_(OPEN_STAGES))
        if close_from:
            stmt = stmt.where(Deal.close_date >= close_from)
        if close_to:
            stmt = stmt.where(Deal.close_date <= close_to)
        if min_amount is not None:
            stmt = stmt.where(Deal.amount >= min_amount)
        return await self.page(stmt, Deal.close_date.asc().nulls_last(), Deal.deal_name, limit=limit, offset=offset)

    async def update(self, deal_id: uuid.UUID | str, data: DealUpdate | dict[str, Any]) -> Deal:
        changes = parse(DealUpdate, data).model_dump(exclude_unset=True)
        deal = await self.editable(deal_id)
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
        lines = await self._lines(deal)
        if lines and "amount" in changes:
            changes["amount_override"] = changes["amount"] is not None
            if changes["amount"] is None:
                changes["amount"] = pricing.amount(lines)
        elif "amount" in changes and changes["amount"] is None:
            raise InvalidInput("amount", "a deal without line items needs an amount")
        if lines and changes.get("total_mrr") is not None and changes["total_mrr"] != pricing.mrr(lines):
            raise InvalidInput(
                "total_mrr", f"follows the deal's recurring line items ({pricing.mrr(lines)}); change the lines"
            )
        if "contract_term" in changes:
            changes["contract_term"] = pricing.check_term(lines, changes["contract_term"])
        diff = self.apply(deal, changes)
        old_close, new_close = diff.get("close_date", (None, None))
        if old_close and new_close and new_close > old_close:
            deal.close_date_pushes += 1
        await self.flush()
        if diff:
            text, details = described_changes(diff)
            await record_activity(
                self.session,
                self.actor,
                type=ActivityType.deal,
                action="updated",
                subject=f"Deal {deal.deal_name} updated: {text}",
                on=self._refs(deal),
                details=details,
            )
            await self._queue_refresh(deal)
        return deal

    async def move_stage(self, deal_id: uuid.UUID | str, stage: DealStage | str, *, reason: str | None = None) -> Deal:
        """Move a deal to `stage`; closed_lost needs a reason; closed_won sets off the post-sale steps."""
        try:
            target = DealStage(stage)
        except ValueError:
            raise InvalidInput("stage", f"'{stage}' is not one of {[s.value for s in DealStage]}") from None
        deal = await self.editable(deal_id)
        if deal.stage in CLOSED:
            raise InvalidTransition(
                "stage", f"deal {deal.deal_name} is already {deal.stage}; reopen it (with a reason) to move it"
            )
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
        self.session.add(
            DealStageChange(
                deal_id=deal.id, from_stage=previous, to_stage=target, changed_at=now, changed_by_id=self.actor.user_id
            )
        )
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.deal,
            action="stage_changed",
            subject=f"Deal {deal.deal_name}: {previous} -> {target}"
            + (f" ({deal.lost_reason})" if target is DealStage.closed_lost else ""),
            on=self._refs(deal),
            details={"from": previous, "to": target, "reason": reason},
        )
        if target is DealStage.closed_won:
            await self._after_won(deal)
        await self._queue_refresh(deal)
        return deal

    async def reopen(self, deal_id: uuid.UUID | str, stage: DealStage | str, *, reason: str) -> Deal:
        """Reopen a closed deal into an open `stage` (a reason is required): a won deal's commissions are reversed,
        its pending order cancelled and its customer-success handoff withdrawn."""
        try:
            target = DealStage(stage)
        except ValueError:
            raise InvalidInput("stage", f"'{stage}' is not one of {[s.value for s in DealStage]}") from None
        if target not in OPEN_STAGES:
            raise InvalidInput(
                "stage", f"a deal is reopened into an open stage ({', '.join(OPEN_STAGES)}), not {target}"
            )
        if not (reason and reason.strip()):
            raise InvalidInput("reason", "reopening a deal needs a reason")
        deal = await self.editable(deal_id)
        if deal.stage not in CLOSED:
            raise InvalidTransition(
                "stage", f"deal {deal.deal_name} is open ({deal.stage}); only a closed deal is reopened"
            )
        previous, now = deal.stage, utcnow()
        deal.stage, deal.stage_changed_at, deal.closed_at, deal.lost_reason = target, now, None, None
        if not deal.probability_override:
            deal.probability = STAGE_PROBABILITY[target]
        self.session.add(
            DealStageChange(
                deal_id=deal.id, from_stage=previous, to_stage=target, changed_at=now, changed_by_id=self.actor.user_id
            )
        )
        undone = ""
        if previous is DealStage.closed_won:
            reversals = await CommissionService(self.session, self.actor).on_reopened(deal)
            await self.session.execute(
                update(Order)
                .where(Order.deal_id == deal.id, Order.status == OrderStatus.pending)
                .values(status=OrderStatus.cancelled)
            )
            await self.session.execute(
                update(CustomerSuccessHandoff)
                .where(CustomerSuccessHandoff.deal_id == deal.id)
                .values(status="withdrawn")
            )
            undone = f"; {len(reversals)} commission line(s) reversed, pending order cancelled, handoff withdrawn"
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.deal,
            action="reopened",
            subject=f"Deal {deal.deal_name} reopened: {previous} -> {target} ({reason.strip()}){undone}",
            on=self._refs(deal),
            details={"from": previous, "to": target, "reason": reason.strip()},
        )
        await self._queue_refresh(deal)
        return deal

    async def _queue_refresh(self, deal: Deal) -> None:
        await queue_refresh(self.session, deal.id)

    async def line_items(self, deal_id: uuid.UUID) -> list[DealLineItem]:
        return list(await self.session.scalars(select(DealLineItem).where(DealLineItem.deal_id == deal_id)))

    async def set_line_items(
        self, deal_id: uuid.UUID | str, items: LineItems | list[LineItemInput] | list[dict[str, Any]]
    ) -> Deal:
        """Replace an open deal's lines; its amount follows them (unless set by hand), and so do total_mrr and the term."""
        values = parse(LineItems, items if isinstance(items, LineItems) else {"line_items": items})
        deal = await self.editable(deal_id)
        if deal.stage in CLOSED:
            raise InvalidTransition("line_items", f"deal {deal.deal_name} is {deal.stage}; its lines are what was sold")
        lines = await pricing.price(self.session, values.line_items, currency=deal.currency)
        before = deal.amount
        await self.session.execute(delete(DealLineItem).where(DealLineItem.deal_id == deal.id))
        self._add_lines(deal, lines)
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.deal,
            action="updated",
            subject=f"Deal {deal.deal_name}: {len(lines)} line item(s), {fact('amount')}",
            on=self._refs(deal),
            details={"amount": f"{deal.currency} {deal.amount:,.2f}", "before": f"{deal.currency} {before:,.2f}"},
        )
        return deal

    def _add_lines(self, deal: Deal, lines: list[pricing.PricedLine]) -> None:
        """Add the priced lines and bring the amount (unless overridden), total_mrr and the term in line with them."""
        for line in lines:
            self.session.add(
                DealLineItem(
                    deal_id=deal.id,
                    product_id=line.product.id,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    discount_pct=line.discount_pct,
                )
            )
        if not lines:
            deal.amount_override = False
            return
        if not deal.amount_override:
            deal.amount = pricing.amount(lines)
        deal.total_mrr = pricing.mrr(lines)
        deal.contract_term = pricing.check_term(lines, deal.contract_term)

    async def _lines(self, deal: Deal) -> list[pricing.PricedLine]:
        """The deal's lines as priced lines (with their products)."""
        rows = await self.line_items(deal.id)
        return [
            pricing.PricedLine(await self.session.get(Product, r.product_id), r.quantity, r.unit_price, r.discount_pct)  # type: ignore[arg-type]
            for r in rows
        ]

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
        existing = set(
            await self.session.scalars(
                select(Task.title).where(Task.related_type == RecordType.deal, Task.related_id == deal.id)
            )
        )
        for title, days in ONBOARDING:
            if title.format(account=label) in existing:  # won again after a reopen: the onboarding tasks are there
                continue
            self.session.add(
                Task(
                    title=title.format(account=label),
                    due_date=today + timedelta(days=days),
                    assignee_id=deal.owner_id,
                    created_by_id=self.actor.user_id,
                    related_type=RecordType.deal,
                    related_id=deal.id,
                )
            )
        order = await self.session.scalar(select(Order).where(Order.deal_id == deal.id))
        if order is None:
            order = Order(
                deal_id=deal.id,
                account_id=deal.account_id,
                amount=deal.amount,
                currency=deal.currency,
                status=OrderStatus.pending,
            )
            self.session.add(order)
        else:  # the order a reopen cancelled is reinstated with the new terms
            order.amount, order.currency, order.status = deal.amount, deal.currency, OrderStatus.pending
            await self.session.execute(delete(OrderLine).where(OrderLine.order_id == order.id))
        await self.flush()
        for item in await self.line_items(deal.id):
            self.session.add(
                OrderLine(
                    order_id=order.id,
                    product_id=item.product_id,
                    quantity=item.quantity,
                    unit_price=item.unit_price,
                    total=item.total,
                )
            )
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.order,
            action="created",
            subject=f"Deal won: order {order.order_number} for {fact('amount')}; onboarding tasks created",
            on=self._refs(deal),
            source=(RecordType.order, order.id),
            details={"amount": f"{deal.currency} {deal.amount:,.2f}"},
        )
        await self._hand_off(deal, label)
        lines = await CommissionService(self.session, self.actor).on_won(deal)
        if lines:
            await record_activity(
                self.session,
                self.actor,
                type=ActivityType.deal,
                action="commission",
                subject=f"Commission for {deal.deal_name}: " + "; ".join(line.explanation for line in lines),
                on=[(RecordType.deal, deal.id)],
            )

    async def _hand_off(self, deal: Deal, label: str) -> None:
        """Put the won deal on the customer-success handoff list (again, if it was withdrawn by a reopen)."""
        contact = await self.session.get(Contact, deal.primary_contact_id) if deal.primary_contact_id else None
        notes = (
            f"{label}: {deal.deal_name} won for {deal.currency} {deal.amount:,.2f}"
            + (f"; primary contact {contact.first_name} {contact.last_name} ({contact.email})" if contact else "")
            + (f"; competitors: {', '.join(deal.competitors)}" if deal.competitors else "")
        )
        await self.session.execute(
            pg_insert(CustomerSuccessHandoff)
            .values(
                id=uuid.uuid4(),
                deal_id=deal.id,
                account_id=deal.account_id,
                sales_owner_id=deal.owner_id,
                status="pending",
                notes=notes,
                created_at=utcnow(),
            )
            .on_conflict_do_update(
                index_elements=[CustomerSuccessHandoff.deal_id], set_={"status": "pending", "notes": notes}
            )
        )
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.deal,
            action="handoff",
            subject=f"{label} added to the customer success handoff list",
            on=self._refs(deal),
        )

    @staticmethod
    def _refs(deal: Deal) -> list[tuple[RecordType, uuid.UUID | None]]:
        return [
            (RecordType.deal, deal.id),
            (RecordType.account, deal.account_id),
            (RecordType.contact, deal.primary_contact_id),
        ]
