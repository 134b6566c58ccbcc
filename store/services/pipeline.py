"""Pipeline analytics: weighted value by stage or owner, stuck deals, deals closing in a window."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import Select, func, select

from store.access import require
from store.clock import utcnow
from store.models import Deal, User
from store.models.enums import OPEN_STAGES, DealStage
from store.services.base import Service
from store.services.visibility import owner_visible


@dataclass
class PipelineRow:
    key: str
    count: int
    amount: Decimal
    weighted_value: Decimal


@dataclass
class Pipeline:
    """Open deals grouped by stage or owner; `won` is closed-won in the same window."""

    group_by: str
    rows: list[PipelineRow] = field(default_factory=list)
    won_count: int = 0
    won_amount: Decimal = Decimal(0)

    @property
    def count(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal(0))

    @property
    def weighted_value(self) -> Decimal:
        return sum((r.weighted_value for r in self.rows), Decimal(0))


class PipelineService(Service):
    """Read-only pipeline queries, limited to the deals the caller may see."""

    def _deals(self, *, owner_id: uuid.UUID | None, team: str | None, close_from: date | None, close_to: date | None) -> Select:
        require(self.actor, "pipeline", "read")
        stmt = select(Deal).where(owner_visible(self.actor, Deal.owner_id))
        if owner_id:
            stmt = stmt.where(Deal.owner_id == owner_id)
        if team:
            stmt = stmt.where(Deal.owner_id.in_(select(User.id).where(User.team == team)))
        if close_from:
            stmt = stmt.where(Deal.close_date >= close_from)
        if close_to:
            stmt = stmt.where(Deal.close_date <= close_to)
        return stmt

    async def summary(
        self, *, owner_id: uuid.UUID | None = None, team: str | None = None,
        close_from: date | None = None, close_to: date | None = None,
        group_by: Literal["stage", "owner"] = "stage",
    ) -> Pipeline:
        """Count, amount and weighted value of open deals by stage (in pipeline order) or by owner.

        One pass over the open and won deals, grouped by stage (and owner): an index-only scan of
        the covering indexes; owners' names are joined to the few groups, not to every deal.
        """
        deals = (
            self._deals(owner_id=owner_id, team=team, close_from=close_from, close_to=close_to)
            .where(Deal.stage.in_([*OPEN_STAGES, DealStage.closed_won]))
            .subquery()
        )
        keys = [deals.c.stage] if group_by == "stage" else [deals.c.stage, deals.c.owner_id]
        totals = (
            select(*keys, func.count().label("n"), func.sum(deals.c.amount).label("amount"), func.sum(deals.c.weighted_value).label("weighted"))
            .group_by(*keys)
            .subquery()
        )
        key = totals.c.stage if group_by == "stage" else func.coalesce(User.name, "Unassigned")
        stmt = select(totals.c.stage, key, totals.c.n, totals.c.amount, totals.c.weighted)
        if group_by == "owner":
            stmt = stmt.outerjoin(User, User.id == totals.c.owner_id)
        result = Pipeline(group_by=group_by)
        rows: dict[str, PipelineRow] = {}
        for stage, k, n, amount, weighted in await self.session.execute(stmt):
            if stage == DealStage.closed_won.value:
                result.won_count += n
                result.won_amount += amount
                continue
            row = rows.setdefault(str(k), PipelineRow(str(k), 0, Decimal(0), Decimal(0)))
            row.count += n
            row.amount += amount
            row.weighted_value += weighted
        if group_by == "stage":
            result.rows = [rows.get(s.value, PipelineRow(s.value, 0, Decimal(0), Decimal(0))) for s in OPEN_STAGES]
        else:
            result.rows = sorted(rows.values(), key=lambda r: r.weighted_value, reverse=True)
        return result

    async def stuck(self, *, min_days: int = 14, owner_id: uuid.UUID | None = None, team: str | None = None, limit: int = 50) -> list[Deal]:
        """Open deals that have sat in their stage for more than `min_days` days, longest first."""
        cutoff = utcnow() - timedelta(days=min_days)
        stmt = (
            self._deals(owner_id=owner_id, team=team, close_from=None, close_to=None)
            .where(Deal.stage.in_(OPEN_STAGES), Deal.stage_changed_at < cutoff)
            .order_by(Deal.stage_changed_at)
            .limit(limit)
        )
        return list(await self.session.scalars(stmt))

    async def closing(self, *, start: date, end: date, owner_id: uuid.UUID | None = None, team: str | None = None, limit: int = 100) -> list[Deal]:
        """Open deals whose close date falls in [start, end], soonest first."""
        stmt = (
            self._deals(owner_id=owner_id, team=team, close_from=start, close_to=end)
            .where(Deal.stage.in_(OPEN_STAGES))
            .order_by(Deal.close_date, Deal.amount.desc())
            .limit(limit)
        )
        return list(await self.session.scalars(stmt))
