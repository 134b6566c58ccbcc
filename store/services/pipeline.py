"""Pipeline analytics: weighted value by stage or owner, the board by stage, the monthly win rate, stuck deals, deals
closing in a window."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import QueryableAttribute

from store.access import redact, require
from store.clock import utcnow
from store.models import Account, Deal, User, pipeline_summary
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


@dataclass
class BoardColumn:
    """One stage of the pipeline board: its cards (at most the board's page) and the whole stage's count and amount."""

    stage: str
    total: int = 0
    amount: Decimal = Decimal(0)
    cards: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class WinRateMonth:
    month: str  # YYYY-MM
    won: int
    lost: int
    rate: float | None


async def compact_summary(conn: AsyncConnection) -> int:
    """Fold the pipeline summary's rows to one per key with deals (0014_pipeline_summary_deltas); returns how many rows
    went. Nothing happens while another compaction runs."""
    return int(await conn.scalar(text("SELECT pipeline_summary_compact()")) or 0)


def _month_start(day: date, offset: int) -> date:
    """The first day of the month `offset` months from `day`'s."""
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


class PipelineService(Service):
    """Read-only pipeline queries, limited to the deals the caller may see."""

    def _scope(
        self,
        owner: ColumnElement[Any] | QueryableAttribute[Any],
        close_date: ColumnElement[Any] | QueryableAttribute[Any],
        *,
        owner_id: uuid.UUID | None,
        team: str | None,
        close_from: date | None,
        close_to: date | None,
    ) -> list[ColumnElement[bool]]:
        """The conditions on an owner and a close-date column that limit rows to the caller's visible, asked-for deals."""
        require(self.actor, "pipeline", "read")
        conditions = [owner_visible(self.actor, owner)]
        if owner_id:
            conditions.append(owner == owner_id)
        if team:
            conditions.append(owner.in_(select(User.id).where(User.team == team)))
        if close_from:
            conditions.append(close_date >= close_from)
        if close_to:
            conditions.append(close_date <= close_to)
        return conditions

    def _deals(
        self, *, owner_id: uuid.UUID | None, team: str | None, close_from: date | None, close_to: date | None
    ) -> Select[Deal]:
        scope = self._scope(
            Deal.owner_id, Deal.close_date, owner_id=owner_id, team=team, close_from=close_from, close_to=close_to
        )
        return select(Deal).where(*scope)

    async def summary(
        self,
        *,
        owner_id: uuid.UUID | None = None,
        team: str | None = None,
        close_from: date | None = None,
        close_to: date | None = None,
        group_by: Literal["stage", "owner"] = "stage",
        live: bool = False,
    ) -> Pipeline:
        """Count, amount and weighted value of open deals by stage (in pipeline order) or by owner.

        Read from the pipeline summary (per owner, stage and close date, kept by triggers on deals) under the same
        visibility and close-window conditions as the deals; `live` aggregates the deals themselves instead (the
        reference the summary is checked against). Owners' names are joined to the few groups, not to every deal.
        """
        stages = [*OPEN_STAGES, DealStage.closed_won]
        if live:
            source: Any = Deal.__table__.c
            count: ColumnElement[Any] = func.count()
        else:
            source, count = pipeline_summary.c, func.sum(pipeline_summary.c.deals)
        keys = [source.stage] if group_by == "stage" else [source.stage, source.owner_id]
        totals = (
            select(
                *keys,
                count.label("n"),
                func.sum(source.amount).label("amount"),
                func.sum(source.weighted_value).label("weighted"),
            )
            .where(
                *self._scope(
                    source.owner_id,
                    source.close_date,
                    owner_id=owner_id,
                    team=team,
                    close_from=close_from,
                    close_to=close_to,
                ),
                source.stage.in_(stages),
            )
            .group_by(*keys)
            .having(count != 0)  # the summary's rows of a key whose deals all left it sum to none
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
                result.won_count += int(n)
                result.won_amount += amount
                continue
            row = rows.setdefault(str(k), PipelineRow(str(k), 0, Decimal(0), Decimal(0)))
            row.count += int(n)
            row.amount += amount
            row.weighted_value += weighted
        if group_by == "stage":
            result.rows = [rows.get(s.value, PipelineRow(s.value, 0, Decimal(0), Decimal(0))) for s in OPEN_STAGES]
        else:
            result.rows = sorted(rows.values(), key=lambda r: (-r.weighted_value, r.key))
        return result

    async def board(self, *, per_stage: int = 50, closed_days: int = 90) -> list[BoardColumn]:
        """Every stage's column of the deals the caller may see: open deals soonest close first, deals closed in the
        last `closed_days` most recent first; at most `per_stage` cards each, with each column's full count and amount.
        """
        since = utcnow() - timedelta(days=closed_days)
        visible = self._deals(owner_id=None, team=None, close_from=None, close_to=None).where(
            Deal.stage.in_(OPEN_STAGES) | (Deal.closed_at >= since)
        )
        deals = visible.subquery()
        ranked = select(
            deals,
            func.row_number()
            .over(
                partition_by=deals.c.stage,
                order_by=(
                    deals.c.closed_at.desc().nulls_last(),
                    deals.c.close_date.asc().nulls_last(),
                    deals.c.deal_name,
                ),
            )
            .label("rank"),
            func.count().over(partition_by=deals.c.stage).label("total"),
            func.sum(deals.c.amount).over(partition_by=deals.c.stage).label("stage_amount"),
        ).subquery()
        stmt = (
            select(ranked, Account.account_name, User.name.label("owner_name"))
            .outerjoin(Account, Account.id == ranked.c.account_id)
            .outerjoin(User, User.id == ranked.c.owner_id)
            .where(ranked.c.rank <= per_stage)
            .order_by(ranked.c.rank)
        )
        columns = {stage: BoardColumn(stage.value) for stage in DealStage}
        now = utcnow()
        for row in (await self.session.execute(stmt)).mappings():
            column = columns[DealStage(row["stage"])]
            column.total, column.amount = row["total"], row["stage_amount"] or Decimal(0)
            column.cards.append(
                redact(
                    self.actor,
                    {
                        "id": str(row["id"]),
                        "deal_name": row["deal_name"],
                        "account": row["account_name"],
                        "owner": row["owner_name"],
                        "amount": row["amount"],
                        "currency": row["currency"],
                        "probability": row["probability"],
                        "close_date": row["close_date"],
                        "days_in_stage": (now - row["stage_changed_at"]).days,
                    },
                )
            )
        return list(columns.values())

    async def win_rate_trend(self, *, months: int = 12) -> list[WinRateMonth]:
        """Deals won and lost in each of the last `months` calendar months (this one included), and the win rate
        (None for a month without a closed deal)."""
        first = _month_start(utcnow().date(), -(months - 1))
        deals = (
            self._deals(owner_id=None, team=None, close_from=None, close_to=None)
            .where(
                Deal.stage.in_([DealStage.closed_won, DealStage.closed_lost]),
                Deal.closed_at >= datetime.combine(first, time(), UTC),
            )
            .subquery()
        )
        month = func.date_trunc("month", func.timezone("UTC", deals.c.closed_at))
        counts = {
            (m.date(), stage): n
            for m, stage, n in await self.session.execute(
                select(month, deals.c.stage, func.count()).group_by(month, deals.c.stage)
            )
        }
        trend = []
        for i in range(months):
            start = _month_start(first, i)
            won, lost = counts.get((start, "closed_won"), 0), counts.get((start, "closed_lost"), 0)
            trend.append(
                WinRateMonth(start.strftime("%Y-%m"), won, lost, round(won / (won + lost), 3) if won + lost else None)
            )
        return trend

    async def stuck(
        self, *, min_days: int = 14, owner_id: uuid.UUID | None = None, team: str | None = None, limit: int = 50
    ) -> list[Deal]:
        """Open deals that have sat in their stage for more than `min_days` days, longest first."""
        cutoff = utcnow() - timedelta(days=min_days)
        stmt = (
            self._deals(owner_id=owner_id, team=team, close_from=None, close_to=None)
            .where(Deal.stage.in_(OPEN_STAGES), Deal.stage_changed_at < cutoff)
            .order_by(Deal.stage_changed_at)
            .limit(limit)
        )
        return list(await self.session.scalars(stmt))

    async def closing(
        self, *, start: date, end: date, owner_id: uuid.UUID | None = None, team: str | None = None, limit: int = 100
    ) -> list[Deal]:
        """Open deals whose close date falls in [start, end], soonest first."""
        stmt = (
            self._deals(owner_id=owner_id, team=team, close_from=start, close_to=end)
            .where(Deal.stage.in_(OPEN_STAGES))
            .order_by(Deal.close_date, Deal.amount.desc())
            .limit(limit)
        )
        return list(await self.session.scalars(stmt))
