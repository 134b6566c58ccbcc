"""Sales reports over the deals and leads the caller may see: each answer carries how it was computed.

Metrics: win_rate, avg_deal_size, sales_cycle, stage_conversion (with time in stage), lead_conversion and
quota_attainment; grouped by rep, team, source or period (month), or not at all. A period with nothing in it
is an empty report (no rows), not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, literal, select
from sqlalchemy.orm import aliased

from store.access import require
from store.errors import InvalidInput
from store.models import Deal, DealStageChange, Lead, Quota, User
from store.models.enums import OPEN_STAGES, DealStage, LeadStatus
from store.serialize import plain
from store.services.base import Service
from store.services.visibility import owner_visible

Metric = Literal["win_rate", "avg_deal_size", "sales_cycle", "stage_conversion", "lead_conversion", "quota_attainment"]
GroupBy = Literal["rep", "team", "source", "period", "none"]
METRICS: tuple[str, ...] = Metric.__args__  # type: ignore[attr-defined]
GROUPS: tuple[str, ...] = GroupBy.__args__  # type: ignore[attr-defined]
FLOW = (*OPEN_STAGES, DealStage.closed_won)


@dataclass
class Report:
    metric: str
    start: date
    end: date
    group_by: str
    method: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = plain(asdict(self))
        return fields


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _ratio(part: int | Decimal, whole: int | Decimal) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


class ReportService(Service):
    """Read-only reports; reps see their own and their team's deals, managers their team's, admins all."""

    async def run(self, metric: str, *, start: date, end: date, group_by: str = "none") -> Report:
        require(self.actor, "reports", "read")
        if metric not in METRICS:
            raise InvalidInput("metric", f"'{metric}' is not one of {list(METRICS)}")
        if group_by not in GROUPS:
            raise InvalidInput("group_by", f"'{group_by}' is not one of {list(GROUPS)}")
        if end < start:
            raise InvalidInput("end", f"the period ends ({end}) before it starts ({start})")
        if (end - start).days > 366 * 20:
            raise InvalidInput("start", "a report covers at most 20 years")
        report: Report = await getattr(self, f"_{metric}")(start, end, group_by)
        return report

    # -- grouping -------------------------------------------------------------------------------------------

    def _key(self, group_by: str, source: Any, moment: Any) -> tuple[ColumnElement[Any], Any]:
        """The grouping expression and the owner join it needs."""
        rep = aliased(User)
        if group_by == "rep":
            return func.coalesce(rep.name, "Unassigned"), rep
        if group_by == "team":
            return func.coalesce(rep.team, "No team"), rep
        if group_by == "source":
            return func.coalesce(cast(source, String), "unknown"), None
        if group_by == "period":
            return func.to_char(func.date_trunc("month", moment), "YYYY-MM"), None
        return literal("all"), None

    def _grouped(
        self, stmt: Select[*tuple[Any, ...]], key: ColumnElement[Any], rep: Any, owner_col: Any
    ) -> Select[*tuple[Any, ...]]:
        if rep is not None:
            stmt = stmt.outerjoin(rep, rep.id == owner_col)
        return stmt.add_columns(key.label("key")).group_by(key).order_by(key)

    def _closed_deals(self, start: date, end: date, stages: tuple[DealStage, ...]) -> ColumnElement[bool]:
        return and_(
            Deal.stage.in_(stages),
            Deal.closed_at >= _midnight(start),
            Deal.closed_at < _midnight(end + timedelta(days=1)),
            owner_visible(self.actor, Deal.owner_id),
        )

    # -- metrics ----------------------------------------------------------------------------------------------

    async def _win_rate(self, start: date, end: date, group_by: str) -> Report:
        key, rep = self._key(group_by, Deal.lead_source, Deal.closed_at)
        won = Deal.stage == DealStage.closed_won
        stmt = self._grouped(
            select(func.count().filter(won), func.count(), func.coalesce(func.sum(Deal.amount).filter(won), 0)).where(
                self._closed_deals(start, end, (DealStage.closed_won, DealStage.closed_lost))
            ),
            key,
            rep,
            Deal.owner_id,
        )
        rows = [
            {"key": k, "won": w, "closed": n, "win_rate": _ratio(w, n), "won_amount": Decimal(a)}
            for w, n, a, k in await self.session.execute(stmt)
        ]
        report = Report(
            "win_rate",
            start,
            end,
            group_by,
            "deals closed (won or lost) with closed_at in the period; win rate = won / (won + lost), by count",
        )
        return self._with_total(
            report,
            rows,
            lambda rs: {
                "won": sum(r["won"] for r in rs),
                "closed": sum(r["closed"] for r in rs),
                "win_rate": _ratio(sum(r["won"] for r in rs), sum(r["closed"] for r in rs)),
            },
        )

    async def _avg_deal_size(self, start: date, end: date, group_by: str) -> Report:
        key, rep = self._key(group_by, Deal.lead_source, Deal.closed_at)
        stmt = self._grouped(
            select(func.count(), func.sum(Deal.amount)).where(self._closed_deals(start, end, (DealStage.closed_won,))),
            key,
            rep,
            Deal.owner_id,
        )
        rows = [
            {"key": k, "won": n, "won_amount": Decimal(a), "avg_deal_size": (Decimal(a) / n).quantize(Decimal("0.01"))}
            for n, a, k in await self.session.execute(stmt)
        ]
        report = Report(
            "avg_deal_size",
            start,
            end,
            group_by,
            "deals won with closed_at in the period; average = sum of amounts / count",
        )
        return self._with_total(
            report,
            rows,
            lambda rs: {
                "won": sum(r["won"] for r in rs),
                "avg_deal_size": (sum(r["won_amount"] for r in rs) / sum(r["won"] for r in rs)).quantize(
                    Decimal("0.01")
                ),
            },
        )

    async def _sales_cycle(self, start: date, end: date, group_by: str) -> Report:
        key, rep = self._key(group_by, Deal.lead_source, Deal.closed_at)
        days = func.extract("epoch", Deal.closed_at - Deal.created_at) / 86400.0
        stmt = self._grouped(
            select(func.count(), func.avg(days), func.percentile_cont(0.5).within_group(days)).where(
                self._closed_deals(start, end, (DealStage.closed_won,))
            ),
            key,
            rep,
            Deal.owner_id,
        )
        rows = [
            {"key": k, "won": n, "avg_days": round(float(a), 1), "median_days": round(float(m), 1)}
            for n, a, m, k in await self.session.execute(stmt)
        ]
        report = Report(
            "sales_cycle",
            start,
            end,
            group_by,
            "deals won with closed_at in the period; cycle = closed_at - created_at in days",
        )
        return self._with_total(
            report,
            rows,
            lambda rs: {
                "won": sum(r["won"] for r in rs),
                "avg_days": round(sum(r["avg_days"] * r["won"] for r in rs) / sum(r["won"] for r in rs), 1),
            },
        )

    async def _stage_conversion(self, start: date, end: date, group_by: str) -> Report:
        """Per stage: deals that entered it in the period, how many went on to a later stage, and the time spent in it."""
        entered = aliased(DealStageChange)
        later = aliased(DealStageChange)
        rank = {s: i for i, s in enumerate(FLOW)}
        rows = []
        for stage in OPEN_STAGES:
            after = [s for s in FLOW if rank[s] > rank[stage]]
            moved_on = (
                select(later.id)
                .where(
                    later.deal_id == entered.deal_id, later.to_stage.in_(after), later.changed_at >= entered.changed_at
                )
                .exists()
            )
            left_at = (
                select(func.min(later.changed_at))
                .where(later.deal_id == entered.deal_id, later.changed_at > entered.changed_at)
                .scalar_subquery()
            )
            key, rep = self._key(group_by, Deal.lead_source, entered.changed_at)
            stmt = (
                select(
                    func.count(func.distinct(entered.deal_id)),
                    func.count(func.distinct(entered.deal_id)).filter(moved_on),
                    func.avg(func.extract("epoch", left_at - entered.changed_at) / 86400.0),
                )
                .join(Deal, Deal.id == entered.deal_id)
                .where(
                    entered.to_stage == stage,
                    entered.changed_at >= _midnight(start),
                    entered.changed_at < _midnight(end + timedelta(days=1)),
                    owner_visible(self.actor, Deal.owner_id),
                )
            )
            for n, moved, avg_days, k in await self.session.execute(self._grouped(stmt, key, rep, Deal.owner_id)):
                rows.append(
                    {
                        "key": k,
                        "stage": stage.value,
                        "entered": n,
                        "moved_on": moved,
                        "conversion": _ratio(moved, n),
                        "avg_days_in_stage": round(float(avg_days), 1) if avg_days is not None else None,
                    }
                )
        return Report(
            "stage_conversion",
            start,
            end,
            group_by,
            "deals that entered each stage in the period (stage history); conversion = share that later reached a later "
            "stage or closed won; time in stage = average days until the deal's next stage move (deals still there are left out)",
            rows,
            None,
        )

    async def _lead_conversion(self, start: date, end: date, group_by: str) -> Report:
        group_by_leads = "source" if group_by == "none" else group_by
        key, rep = self._key(group_by_leads, Lead.source, Lead.created_at)
        converted = Lead.status == LeadStatus.converted
        stmt = select(func.count(), func.count().filter(converted)).where(
            Lead.created_at >= _midnight(start),
            Lead.created_at < _midnight(end + timedelta(days=1)),
            owner_visible(self.actor, Lead.assigned_to_id),
        )
        rows = [
            {"key": k, "leads": n, "converted": c, "conversion_rate": _ratio(c, n)}
            for n, c, k in await self.session.execute(self._grouped(stmt, key, rep, Lead.assigned_to_id))
        ]
        report = Report(
            "lead_conversion",
            start,
            end,
            group_by_leads,
            "leads created in the period; conversion rate = converted (so far) / created",
        )
        return self._with_total(
            report,
            rows,
            lambda rs: {
                "leads": sum(r["leads"] for r in rs),
                "converted": sum(r["converted"] for r in rs),
                "conversion_rate": _ratio(sum(r["converted"] for r in rs), sum(r["leads"] for r in rs)),
            },
        )

    async def _quota_attainment(self, start: date, end: date, group_by: str) -> Report:
        quotas = list(
            await self.session.execute(
                select(Quota, User)
                .join(User, User.id == Quota.user_id)
                .where(Quota.period_start <= end, Quota.period_end >= start, owner_visible(self.actor, Quota.user_id))
                .order_by(User.name, Quota.period_start)
            )
        )
        rows = []
        for quota, user in quotas:
            won = Decimal(
                await self.session.scalar(
                    select(func.coalesce(func.sum(Deal.amount), 0)).where(
                        Deal.owner_id == user.id,
                        self._closed_deals(quota.period_start, quota.period_end, (DealStage.closed_won,)),
                    )
                )
                or 0
            )
            rows.append(
                {
                    "key": user.name,
                    "team": user.team,
                    "period_start": quota.period_start,
                    "period_end": quota.period_end,
                    "quota": quota.amount,
                    "won_amount": won,
                    "attainment": _ratio(won, quota.amount),
                }
            )
        return Report(
            "quota_attainment",
            start,
            end,
            "rep",
            "quotas overlapping the period; attainment = amount of deals won in the quota's own period / quota",
            rows,
            None,
        )

    @staticmethod
    def _with_total(report: Report, rows: list[dict[str, Any]], total: Callable[[list[dict[str, Any]]], Any]) -> Report:
        report.rows = rows
        report.total = total(rows) if rows else None
        return report
