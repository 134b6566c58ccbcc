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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.intelligence.next_action import DealState, deal_actions, deal_state, ranked
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
from store.services.notifications import notify
from store.settings import Settings, get_settings

PRIOR_WEIGHT = 5
QUIET_DAYS = 14
MULTI_THREAD_STAGES = (DealStage.proposal, DealStage.negotiation)
COMPETITOR = re.compile(r"\b(?:vs\.?|versus|against|competitor:?|comparing (?:us )?(?:with|to|against))\s+([A-Z][\w.&-]+(?:\s[A-Z][\w.&-]+)?)")


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
            return prior, (f"stage probability for {stage} ({prior:.0%}): {self.closed} closed deals so far, "
                           f"a model is fitted from {min_deals}")
        n, won = self.reached.get(stage, (0, 0))
        p = (won + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)
        return p, (f"model on {self.closed} closed deals: {won} of the {n} that reached {stage} were won, "
                   f"smoothed toward the stage probability {prior:.0%} (weight {PRIOR_WEIGHT}) = {p:.0%}")


async def fit_win_model(session: AsyncSession) -> WinModel:
    """Per open stage, the closed deals whose history reached it (or a later open stage) and the won ones among them."""
    closed = select(Deal.id, Deal.stage).where(Deal.stage.in_([DealStage.closed_won, DealStage.closed_lost])).subquery()
    total = await session.scalar(select(func.count()).select_from(closed)) or 0
    rank = case({stage.value: i for i, stage in enumerate(OPEN_STAGES)}, value=DealStageChange.to_stage)
    furthest = (
        select(func.max(rank).label("furthest"), (closed.c.stage == DealStage.closed_won.value).label("won"))
        .join(closed, closed.c.id == DealStageChange.deal_id)
        .where(DealStageChange.to_stage.in_(OPEN_STAGES)).group_by(closed.c.id, closed.c.stage).subquery()
    )
    counts = {int(f): (n, won) for f, n, won in await session.execute(
        select(furthest.c.furthest, func.count(), func.count().filter(furthest.c.won)).group_by(furthest.c.furthest))}
    reached = {}
    for i, stage in enumerate(OPEN_STAGES):
        at_or_after = [v for f, v in counts.items() if f >= i]
        reached[stage] = (sum(n for n, _ in at_or_after), sum(w for _, w in at_or_after))
    return WinModel(closed=int(total), reached=reached)


async def engaged_contacts(session: AsyncSession, deal: Deal) -> set[str]:
    """Names of the buyer's people involved in the deal: its primary contact, people called, met or emailed about it."""
    ids = {deal.primary_contact_id} - {None}
    ids |= set(await session.scalars(select(Call.contact_id).where(Call.deal_id == deal.id, Call.contact_id.isnot(None))))
    ids |= set(await session.scalars(select(EmailMessage.contact_id).where(EmailMessage.deal_id == deal.id, EmailMessage.contact_id.isnot(None))))
    met = select(Meeting.id).where(Meeting.related_type == RecordType.deal, Meeting.related_id == deal.id)
    ids |= set(await session.scalars(select(MeetingAttendee.contact_id).where(
        MeetingAttendee.meeting_id.in_(met), MeetingAttendee.contact_id.isnot(None))))
    if not ids:
        return set()
    return {f"{c.first_name} {c.last_name}" for c in await session.scalars(select(Contact).where(Contact.id.in_(ids)))}


async def competitors(session: AsyncSession, deal: Deal) -> list[str]:
    """Competitors on the deal's field and those named in its notes ("Comparing vs HubSpot")."""
    named = list(deal.competitors or [])
    for body in await session.scalars(select(Note.body).where(Note.related_type == RecordType.deal, Note.related_id == deal.id)):
        named += [m.group(1) for m in COMPETITOR.finditer(body)]
    return list(dict.fromkeys(n.strip() for n in named if n.strip()))


async def risk_factors(session: AsyncSession, state: DealState, settings: Settings) -> list[str]:
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
    if deal.stage in MULTI_THREAD_STAGES:
        people = await engaged_contacts(session, deal)
        if len(people) <= 1:
            risks.append("single-threaded: " + (f"only {next(iter(people))} is involved" if people else "no buyer contact is involved"))
    named = await competitors(session, deal)
    if named:
        risks.append(f"competitor named: {', '.join(named)}")
    return risks


@dataclass(frozen=True)
class Insights:
    win_probability: float
    basis: str
    risk_factors: list[str]
    next_best_action: str | None


async def compute(session: AsyncSession, deal: Deal, now: datetime, model: WinModel, settings: Settings) -> Insights:
    probability, basis = model.estimate(deal.stage, settings.win_model_min_deals)
    state = await deal_state(session, deal, now)
    risks = await risk_factors(session, state, settings)
    actions = ranked(deal_actions(state))
    action = f"{actions[0].action} ({actions[0].reason})" if actions else None
    return Insights(round(probability, 4), basis, risks, action)


async def refresh_deal(session: AsyncSession, deal: Deal, now: datetime, *, model: WinModel | None = None,
                       settings: Settings | None = None) -> Insights:
    """Store the deal's AI fields; a stuck deal notifies its owner (once per stage visit)."""
    rules = settings or get_settings()
    found = await compute(session, deal, now, model or await fit_win_model(session), rules)
    deal.win_probability, deal.win_probability_basis = found.win_probability, found.basis
    deal.risk_factors, deal.next_best_action, deal.insights_refreshed_at = found.risk_factors, found.next_best_action, now
    stuck = next((r for r in found.risk_factors if r.startswith("stuck")), None)
    if stuck and deal.owner_id:
        await notify(session, deal.owner_id, "deal_stuck",
                     f"Deal {deal.deal_name} is {stuck}." + (f" Suggested: {found.next_best_action}." if found.next_best_action else ""),
                     record=(RecordType.deal, deal.id), dedupe_key=f"deal_stuck:{deal.id}:{deal.stage_changed_at.isoformat()}")
    await session.flush()
    return found


async def refresh_open_deals(session: AsyncSession, now: datetime, settings: Settings | None = None) -> int:
    """Refresh every open deal with one fitted model (the nightly job); how many were refreshed."""
    model = await fit_win_model(session)
    count = 0
    for deal in list(await session.scalars(select(Deal).where(Deal.stage.in_(OPEN_STAGES)).order_by(Deal.id))):
        await refresh_deal(session, deal, now, model=model, settings=settings)
        count += 1
    return count
