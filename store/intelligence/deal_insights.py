"""The AI fields stored on a deal: `win_probability` (with its basis), `risk_factors` and `next_best_action`.

Win probability: with at least NEXA_WIN_MODEL_MIN_DEALS closed deals, a model fitted on them: for each stage,
the share of closed deals that reached it and were won, smoothed toward the stage probability
(weight `PRIOR_WEIGHT` deals); with fewer, the stage probability itself. The basis says which and with what numbers.
Risks: stuck in stage, close date slipped, no activity, single-threaded, competitor named. The next best action
is the top one of `store.intelligence.next_action`. `refresh_deal` stores all three (the `deals.refresh` job calls
it after every deal change, `insights.nightly` for every open deal) and notifies the owner of a stuck deal, once per stage.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from store.intelligence.next_action import DealState, deal_actions, deal_states, ranked
from store.models import (
    STAGE_PROBABILITY,
    Call,
    Contact,
    Deal,
    DealStageChange,
    EmailMessage,
    Meeting,
    MeetingAttendee,
    Note,
)
from store.models.enums import OPEN_STAGES, DealStage, RecordType
from store.services.notifications import Notice, notify_many
from store.settings import Settings, get_settings

PRIOR_WEIGHT = 5
BATCH = 1000
QUIET_DAYS = 14
MULTI_THREAD_STAGES = (DealStage.proposal, DealStage.negotiation)
COMPETITOR = re.compile(
    r"\b(?:vs\.?|versus|against|competitor:?|comparing (?:us )?(?:with|to|against))\s+([A-Z][\w.&-]+(?:\s[A-Z][\w.&-]+)?)"
)


@dataclass
class WinModel:
    """Per stage: how many closed deals reached it, and how many of those were won."""

    closed: int
    reached: dict[DealStage, tuple[int, int]] = field(default_factory=dict)

    def estimate(self, stage: DealStage, min_deals: int) -> tuple[float, str]:
        prior = STAGE_PROBABILITY[stage] / 100
        if stage not in OPEN_STAGES:
            return prior, f"closed ({stage})"
        if self.closed < min_deals:
            return prior, (
                f"stage probability for {stage} ({prior:.0%}): {self.closed} closed deals so far, "
                f"a model is fitted from {min_deals}"
            )
        n, won = self.reached.get(stage, (0, 0))
        p = (won + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)
        return p, (
            f"model on {self.closed} closed deals: {won} of the {n} that reached {stage} were won, "
            f"smoothed toward the stage probability {prior:.0%} (weight {PRIOR_WEIGHT}) = {p:.0%}"
        )


async def fit_win_model(session: AsyncSession) -> WinModel:
    """Per open stage, the closed deals whose history reached it (or a later open stage) and the won ones among them."""
    closed = select(Deal.id, Deal.stage).where(Deal.stage.in_([DealStage.closed_won, DealStage.closed_lost])).subquery()
    total = await session.scalar(select(func.count()).select_from(closed)) or 0
    rank = case({stage.value: i for i, stage in enumerate(OPEN_STAGES)}, value=DealStageChange.to_stage)
    furthest = (
        select(func.max(rank).label("furthest"), (closed.c.stage == DealStage.closed_won.value).label("won"))
        .join(closed, closed.c.id == DealStageChange.deal_id)
        .where(DealStageChange.to_stage.in_(OPEN_STAGES))
        .group_by(closed.c.id, closed.c.stage)
        .subquery()
    )
    counts = {
        int(f): (n, won)
        for f, n, won in await session.execute(
            select(furthest.c.furthest, func.count(), func.count().filter(furthest.c.won)).group_by(furthest.c.furthest)
        )
    }
    reached = {}
    for i, stage in enumerate(OPEN_STAGES):
        at_or_after = [v for f, v in counts.items() if f >= i]
        reached[stage] = (sum(n for n, _ in at_or_after), sum(w for _, w in at_or_after))
    return WinModel(closed=int(total), reached=reached)


@dataclass
class RiskFacts:
    """Beyond the deal's state: the buyer's people involved (by name) and the competitors named on it."""

    people: set[str] = field(default_factory=set)
    competitors: list[str] = field(default_factory=list)


async def risk_facts(session: AsyncSession, deals: list[Deal]) -> dict[uuid.UUID, RiskFacts]:
    """For every deal: the people involved (its primary contact, people called, met or emailed about it; asked only
    for deals at a multi-threaded stage) and the competitors on its field or named in its notes ("Comparing vs HubSpot")."""
    facts = {deal.id: RiskFacts(competitors=list(deal.competitors or [])) for deal in deals}
    threaded = [deal.id for deal in deals if deal.stage in MULTI_THREAD_STAGES]
    involved: dict[uuid.UUID, set[uuid.UUID]] = {
        deal.id: {deal.primary_contact_id} if deal.primary_contact_id else set()
        for deal in deals
        if deal.stage in MULTI_THREAD_STAGES
    }
    if threaded:
        for stmt in (
            select(Call.deal_id, Call.contact_id).where(Call.deal_id.in_(threaded), Call.contact_id.isnot(None)),
            select(EmailMessage.deal_id, EmailMessage.contact_id).where(
                EmailMessage.deal_id.in_(threaded), EmailMessage.contact_id.isnot(None)
            ),
            select(Meeting.related_id, MeetingAttendee.contact_id)
            .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
            .where(
                Meeting.related_type == RecordType.deal,
                Meeting.related_id.in_(threaded),
                MeetingAttendee.contact_id.isnot(None),
            ),
        ):
            for deal_id, contact_id in await session.execute(stmt.distinct()):
                involved[cast(uuid.UUID, deal_id)].add(cast(uuid.UUID, contact_id))  # both filtered non-null above
        ids = set().union(*involved.values())
        names = (
            {
                c: f"{first} {last}"
                for c, first, last in await session.execute(
                    select(Contact.id, Contact.first_name, Contact.last_name).where(Contact.id.in_(ids))
                )
            }
            if ids
            else {}
        )
        for deal_id, people in involved.items():
            facts[deal_id].people = {names[c] for c in people if c in names}
    for deal_id, body in await session.execute(
        select(Note.related_id, Note.body)
        .where(Note.related_type == RecordType.deal, Note.related_id.in_(list(facts)))
        .order_by(Note.created_at, Note.id)
    ):
        facts[deal_id].competitors += [m.group(1) for m in COMPETITOR.finditer(body)]
    for found in facts.values():
        found.competitors = list(dict.fromkeys(n.strip() for n in found.competitors if n.strip()))
    return facts


def risk_factors(state: DealState, facts: RiskFacts, settings: Settings) -> list[str]:
    """Why the deal may not close, most serious first."""
    deal, now = state.deal, state.now
    if deal.stage not in OPEN_STAGES:
        return []
    risks = []
    days = (now - deal.stage_changed_at).days
    if days >= settings.deal_stuck_days:
        risks.append(f"stuck in {deal.stage} for {days} days (>= {settings.deal_stuck_days}): risk of stalling")
    today = now.date()
    if deal.close_date and deal.close_date < today:
        risks.append(f"close date {deal.close_date} passed {(today - deal.close_date).days} days ago")
    if deal.close_date_pushes:
        risks.append(f"close date slipped {deal.close_date_pushes} time{'s' if deal.close_date_pushes > 1 else ''}")
    if state.last_touch is None and (now - deal.created_at) >= timedelta(days=QUIET_DAYS):
        risks.append(f"no call, meeting or email in the {(now - deal.created_at).days} days since it was created")
    elif state.last_touch is not None and (now - state.last_touch).days >= QUIET_DAYS:
        risks.append(f"no activity for {(now - state.last_touch).days} days")
    if deal.stage in MULTI_THREAD_STAGES and len(facts.people) <= 1:
        risks.append(
            "single-threaded: "
            + (f"only {next(iter(facts.people))} is involved" if facts.people else "no buyer contact is involved")
        )
    if facts.competitors:
        risks.append(f"competitor named: {', '.join(facts.competitors)}")
    return risks


@dataclass(frozen=True)
class Insights:
    win_probability: float
    basis: str
    risk_factors: list[str]
    next_best_action: str | None


def insights(state: DealState, facts: RiskFacts, model: WinModel, settings: Settings) -> Insights:
    probability, basis = model.estimate(state.deal.stage, settings.win_model_min_deals)
    actions = ranked(deal_actions(state))
    action = f"{actions[0].action} ({actions[0].reason})" if actions else None
    return Insights(round(probability, 4), basis, risk_factors(state, facts, settings), action)


async def compute_many(
    session: AsyncSession, deals: list[Deal], now: datetime, model: WinModel, settings: Settings
) -> dict[uuid.UUID, Insights]:
    """The insights of every deal in `deals`, from a fixed number of queries."""
    states, facts = await deal_states(session, deals, now), await risk_facts(session, deals)
    return {deal.id: insights(states[deal.id], facts[deal.id], model, settings) for deal in deals}


def stuck_notice(deal: Deal, found: Insights) -> Notice | None:
    """The owner's "deal stuck" notification (once per stage visit), when the deal is stuck."""
    stuck = next((r for r in found.risk_factors if r.startswith("stuck")), None)
    if not stuck or not deal.owner_id:
        return None
    return Notice(
        deal.owner_id,
        "deal_stuck",
        f"Deal {deal.deal_name} is {stuck}."
        + (f" Suggested: {found.next_best_action}." if found.next_best_action else ""),
        (RecordType.deal, deal.id),
        f"deal_stuck:{deal.id}:{deal.stage_changed_at.isoformat()}",
    )


async def refresh_deal(
    session: AsyncSession, deal: Deal, now: datetime, *, model: WinModel | None = None, settings: Settings | None = None
) -> Insights:
    """Store the deal's AI fields (after each change: the `deals.refresh` job); a stuck deal notifies its owner."""
    found = (
        await compute_many(session, [deal], now, model or await fit_win_model(session), settings or get_settings())
    )[deal.id]
    deal.win_probability, deal.win_probability_basis = found.win_probability, found.basis
    deal.risk_factors, deal.next_best_action, deal.insights_refreshed_at = (
        found.risk_factors,
        found.next_best_action,
        now,
    )
    if notice := stuck_notice(deal, found):
        await notify_many(session, [notice])
    await session.flush()
    return found


def loaded(session: AsyncSession, model: type, record_id: uuid.UUID, **values: Any) -> None:
    """After a bulk UPDATE: the same values on the record if the session holds it (as loaded, not as a change)."""
    if (record := session.identity_map.get(identity_key(model, record_id))) is not None:
        for name, value in values.items():
            set_committed_value(record, name, value)


_WRITE = (
    update(cast(Table, Deal.__table__))
    .where(Deal.__table__.c.id == bindparam("_id"))
    .values(
        win_probability=bindparam("_p"),
        win_probability_basis=bindparam("_basis"),
        risk_factors=bindparam("_risks"),
        next_best_action=bindparam("_action"),
        insights_refreshed_at=bindparam("_at"),
    )
)


async def refresh_open_deals(
    session: AsyncSession, now: datetime, settings: Settings | None = None, *, batch: int = BATCH
) -> int:
    """Refresh every open deal with one fitted model (the nightly job), `batch` deals at a time: their facts in a few
    queries, their fields in one executemany UPDATE, the stuck ones' notifications in one INSERT. How many were refreshed."""
    rules, model = settings or get_settings(), await fit_win_model(session)
    count, after = 0, None
    while True:
        stmt = select(Deal).where(Deal.stage.in_(OPEN_STAGES)).order_by(Deal.id).limit(batch)
        deals = list(await session.scalars(stmt.where(Deal.id > after) if after else stmt))
        if not deals:
            return count
        found = await compute_many(session, deals, now, model, rules)
        await session.execute(
            _WRITE,
            [
                {
                    "_id": d.id,
                    "_p": f.win_probability,
                    "_basis": f.basis,
                    "_risks": f.risk_factors,
                    "_action": f.next_best_action,
                    "_at": now,
                }
                for d, f in ((d, found[d.id]) for d in deals)
            ],
        )
        await notify_many(session, [n for d in deals if (n := stuck_notice(d, found[d.id]))])
        for d in deals:
            f = found[d.id]
            loaded(
                session,
                Deal,
                d.id,
                win_probability=f.win_probability,
                win_probability_basis=f.basis,
                risk_factors=f.risk_factors,
                next_best_action=f.next_best_action,
                insights_refreshed_at=now,
            )
        count, after = count + len(deals), deals[-1].id
