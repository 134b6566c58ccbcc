"""Commissions: plans (a rate for a rep, a team or everyone; per product or deal type; an accelerator above quota),
lines earned when a deal is won and reversed when it is reopened, and a per-rep statement.

Which plan pays: for each part of a won deal (each line item, or the whole amount when it has none) the most
specific active plan that matches the owner (rep beats team beats everyone), the product and the deal type.
Above the plan's quota (won amount of the owner in the calendar quarter of the close) the accelerator rate applies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy import func, or_, select

from store.access import CallerRole, require
from store.clock import utcnow
from store.errors import InvalidInput, PermissionDenied
from store.models import CommissionLine, CommissionPlan, Deal, DealLineItem, User
from store.models.enums import DealStage, DealType
from store.schemas import Input, parse
from store.services.base import Service

CENT = Decimal("0.01")


class PlanCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    rate: Decimal = Field(description="a share of the deal amount: 0.08 is 8%")
    user_id: uuid.UUID | None = None
    team: str | None = Field(None, max_length=100)
    product_id: uuid.UUID | None = None
    deal_type: DealType | None = None
    quota: Decimal | None = None
    accelerator_rate: Decimal | None = None


def _check_rate(value: Decimal | None, field: str) -> None:
    if value is None:
        return
    if value < 0:
        raise InvalidInput(field, f"must not be negative (got {value})")
    if value > 1:
        raise InvalidInput(field, f"is a share of the amount between 0 and 1 (0.08 is 8%); got {value}")


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of `day`'s calendar quarter."""
    month = (day.month - 1) // 3 * 3 + 1
    nxt = date(day.year + (month == 10), (month + 2) % 12 + 1, 1)
    return date(day.year, month, 1), nxt - timedelta(days=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass
class Statement:
    user_id: uuid.UUID
    rep: str
    start: date
    end: date
    lines: list[dict[str, Any]]
    total: Decimal


class CommissionService(Service):
    """Plans are set by managers (their team) and admins; reps read their own statements, managers their team's."""

    async def create_plan(self, data: PlanCreate | dict[str, Any]) -> CommissionPlan:
        values = parse(PlanCreate, data)
        _check_rate(values.rate, "rate")
        _check_rate(values.accelerator_rate, "accelerator_rate")
        if values.quota is not None and values.quota < 0:
            raise InvalidInput("quota", f"must not be negative (got {values.quota})")
        if (values.quota is None) != (values.accelerator_rate is None):
            raise InvalidInput("accelerator_rate", "an accelerator needs a quota, and a quota an accelerator_rate")
        require(self.actor, "commissions", "write")
        await self.ensure_user(values.user_id, "user_id")
        team = values.team or await self.team_of(values.user_id)
        if not self.actor.sees_everything and team != self.actor.team:
            raise InvalidInput("team", f"{self.actor.label} sets plans only for the team {self.actor.team}")
        plan = CommissionPlan(**values.model_dump())
        self.session.add(plan)
        await self.flush()
        return plan

    async def plans(self) -> list[CommissionPlan]:
        require(self.actor, "commissions", "read")
        stmt = select(CommissionPlan).where(CommissionPlan.active.is_(True))
        if not self.actor.sees_everything:
            stmt = stmt.where(
                or_(
                    CommissionPlan.team == self.actor.team,
                    CommissionPlan.user_id == self.actor.user_id,
                    (CommissionPlan.team.is_(None) & CommissionPlan.user_id.is_(None)),
                )
            )
        return list(await self.session.scalars(stmt.order_by(CommissionPlan.name)))

    async def on_won(self, deal: Deal) -> list[CommissionLine]:
        """Lines for a deal just won (system rule: runs for whoever closed it)."""
        if deal.owner_id is None or deal.stage is not DealStage.closed_won:
            return []
        owner = await self.session.get(User, deal.owner_id)
        items = list(
            await self.session.execute(
                select(DealLineItem.product_id, DealLineItem.total).where(DealLineItem.deal_id == deal.id)
            )
        )
        parts: list[tuple[uuid.UUID | None, Decimal]] = [(product, Decimal(total)) for product, total in items] or [
            (None, Decimal(deal.amount))
        ]
        closed_at = deal.closed_at or utcnow()
        start, _ = quarter_of(closed_at.date())
        won_before = Decimal(
            await self.session.scalar(
                select(func.coalesce(func.sum(Deal.amount), 0)).where(
                    Deal.owner_id == deal.owner_id,
                    Deal.stage == DealStage.closed_won,
                    Deal.id != deal.id,
                    Deal.closed_at >= _midnight(start),
                    Deal.closed_at <= closed_at,
                )
            )
            or 0
        )
        lines = []
        for product, base in parts:
            plan = await self._plan_for(owner, product, deal.type)  # type: ignore[arg-type]
            if plan is None or base <= 0:
                continue
            amount, text = self._earned(plan, base, won_before)
            won_before += base
            line = CommissionLine(
                deal_id=deal.id,
                user_id=deal.owner_id,
                plan_id=plan.id,
                base=base,
                rate=plan.rate,
                amount=amount,
                explanation=f"{deal.deal_name}: {text} (plan {plan.name})",
                created_at=utcnow(),
            )
            self.session.add(line)
            lines.append(line)
        await self.flush()
        return lines

    async def on_reopened(self, deal: Deal) -> list[CommissionLine]:
        """Reverse every line of the deal not reversed yet."""
        reversed_ids = select(CommissionLine.reverses_id).where(CommissionLine.reverses_id.isnot(None))
        earned = list(
            await self.session.scalars(
                select(CommissionLine).where(
                    CommissionLine.deal_id == deal.id,
                    CommissionLine.reverses_id.is_(None),
                    CommissionLine.id.notin_(reversed_ids),
                )
            )
        )
        reversals = [
            CommissionLine(
                deal_id=deal.id,
                user_id=line.user_id,
                plan_id=line.plan_id,
                base=-line.base,
                rate=line.rate,
                amount=-line.amount,
                reverses_id=line.id,
                created_at=utcnow(),
                explanation=f"{deal.deal_name}: reopened, reverses {line.amount:,.2f}",
            )
            for line in earned
        ]
        self.session.add_all(reversals)
        await self.flush()
        return reversals

    async def statement(self, *, user_id: uuid.UUID | None = None, start: date, end: date) -> Statement:
        """A rep's commission lines created in [start, end] and their total (reps: their own; managers: their team's)."""
        if end < start:
            raise InvalidInput("end", f"ends ({end}) before it starts ({start})")
        require(self.actor, "commissions", "read")
        rep_id = user_id or self.actor.user_id
        if rep_id is None:
            raise InvalidInput("user_id", "name the rep whose statement to show")
        rep = await self.session.get(User, rep_id)
        if rep is None:
            raise InvalidInput("user_id", f"no user with id {rep_id}")
        if not (
            self.actor.sees_everything
            or rep_id == self.actor.user_id
            or (self.actor.role is CallerRole.manager and rep.team == self.actor.team)
        ):
            raise PermissionDenied("user_id", f"{self.actor.label} may not read {rep.name}'s commissions")
        lo, hi = _midnight(start), _midnight(end + timedelta(days=1))
        rows = list(
            await self.session.execute(
                select(CommissionLine, Deal.deal_name)
                .join(Deal, Deal.id == CommissionLine.deal_id)
                .where(
                    CommissionLine.user_id == rep_id, CommissionLine.created_at >= lo, CommissionLine.created_at < hi
                )
                .order_by(CommissionLine.created_at, CommissionLine.reverses_id.isnot(None), CommissionLine.id)
            )
        )
        lines = [
            {
                "deal_id": str(line.deal_id),
                "deal": name,
                "base": str(line.base),
                "rate": str(line.rate),
                "amount": str(line.amount),
                "explanation": line.explanation,
                "reversal": line.reverses_id is not None,
                "created_at": line.created_at.isoformat(),
            }
            for line, name in rows
        ]
        return Statement(rep_id, rep.name, start, end, lines, sum((line.amount for line, _ in rows), Decimal(0)))

    async def _plan_for(self, owner: User, product: uuid.UUID | None, deal_type: DealType) -> CommissionPlan | None:
        stmt = select(CommissionPlan).where(
            CommissionPlan.active.is_(True),
            or_(CommissionPlan.user_id == owner.id, CommissionPlan.user_id.is_(None)),
            or_(CommissionPlan.team == owner.team, CommissionPlan.team.is_(None)),
            or_(CommissionPlan.product_id == product, CommissionPlan.product_id.is_(None)),
            or_(CommissionPlan.deal_type == deal_type, CommissionPlan.deal_type.is_(None)),
        )
        candidates = list(await self.session.scalars(stmt))

        def specificity(plan: CommissionPlan) -> tuple[int, int, int, str]:
            return (
                2 if plan.user_id else 1 if plan.team else 0,
                plan.product_id is not None,
                plan.deal_type is not None,
                plan.name,
            )

        return max(candidates, key=specificity, default=None)

    @staticmethod
    def _earned(plan: CommissionPlan, base: Decimal, won_before: Decimal) -> tuple[Decimal, str]:
        if plan.quota is None or plan.accelerator_rate is None or won_before + base <= plan.quota:
            amount = (base * plan.rate).quantize(CENT)
            return amount, f"{base:,.2f} x {plan.rate:.2%} = {amount:,.2f}"
        below = max(Decimal(0), plan.quota - won_before)
        above = base - below
        amount = (below * plan.rate + above * plan.accelerator_rate).quantize(CENT)
        return amount, (
            f"{below:,.2f} x {plan.rate:.2%} + {above:,.2f} above quota {plan.quota:,.2f} x {plan.accelerator_rate:.2%} "
            f"= {amount:,.2f}"
        )
