"""Next best action for a deal, a lead or a contact: rules over the record's state, ranked, each with its reason.

The facts are gathered once per record (`DealState`, `LeadState`, `ContactState`); the rules are
plain functions of those facts, so each can be read, tested and changed on its own.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.intelligence.scoring import HIGH, band
from store.models import Call, Contact, Deal, EmailMessage, Lead, Meeting, MeetingAttendee, Task, Ticket
from store.models.enums import (
    OPEN_STAGES,
    CallDirection,
    DealStage,
    EmailStatus,
    LeadStatus,
    RecordType,
    TaskStatus,
    TicketStatus,
)

STUCK_DAYS = 14
PROPOSAL_HOURS = 24
QUIET_DAYS = 7
RESPONSIVE_DAYS = 7
CHECK_IN_DAYS = 30
OPEN_TICKET = (TicketStatus.open, TicketStatus.pending)


@dataclass(frozen=True)
class Action:
    """One recommendation: what to do, why, how urgent (0-100) and by when."""

    action: str
    reason: str
    priority: int
    due: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"due": self.due.isoformat() if self.due else None}


@dataclass
class DealState:
    deal: Deal
    now: datetime
    contact_name: str | None = None
    last_touch: datetime | None = None
    emails_since_stage: int = 0
    overdue_tasks: list[str] = field(default_factory=list)
    next_meeting: datetime | None = None

    @property
    def days_in_stage(self) -> int:
        return (self.now - self.deal.stage_changed_at).days


@dataclass
class LeadState:
    lead: Lead
    now: datetime
    last_reply: datetime | None = None
    upcoming_meetings: int = 0
    open_tasks: int = 0


@dataclass
class ContactState:
    contact: Contact
    now: datetime
    open_tickets: list[Ticket] = field(default_factory=list)
    open_deals: list[Deal] = field(default_factory=list)
    next_meeting: datetime | None = None


def deal_actions(s: DealState) -> list[Action]:
    """The spec's cases: stuck 14 days -> executive call; proposal -> send it within 24 hours."""
    d, today = s.deal, s.now.date()
    if d.stage not in OPEN_STAGES:
        return []
    who = s.contact_name or "the buyer"
    actions: list[Action] = []
    if s.days_in_stage >= STUCK_DAYS:
        actions.append(
            Action(
                f"Schedule an executive call with {who}'s leadership",
                f"stuck in {d.stage} for {s.days_in_stage} days (>= {STUCK_DAYS})",
                90,
                today + timedelta(days=2),
            )
        )
    if d.stage is DealStage.proposal and s.emails_since_stage == 0:
        actions.append(
            Action(
                f"Send the proposal to {who} within {PROPOSAL_HOURS} hours",
                f"moved to proposal {s.days_in_stage} days ago and no email has gone out since",
                85,
                (d.stage_changed_at + timedelta(hours=PROPOSAL_HOURS)).date(),
            )
        )
    if d.close_date and d.close_date < today:
        actions.append(
            Action(
                "Update the close date or close the deal",
                f"close date {d.close_date} passed {(today - d.close_date).days} days ago while still {d.stage}",
                80,
                today,
            )
        )
    elif d.close_date and (d.close_date - today).days <= 14 and s.next_meeting is None:
        actions.append(
            Action(
                f"Book a closing call with {who}",
                f"closes in {(d.close_date - today).days} days and no meeting is booked",
                75,
                today + timedelta(days=3),
            )
        )
    for title in s.overdue_tasks:
        actions.append(Action(f"Finish the overdue task '{title}'", "the task is past its due date", 70, today))
    quiet = (s.now - s.last_touch).days if s.last_touch else None
    if quiet is None or quiet >= QUIET_DAYS:
        actions.append(
            Action(
                f"Follow up with {who}",
                "no call, meeting or email logged yet" if quiet is None else f"no touch for {quiet} days",
                60,
                today + timedelta(days=1),
            )
        )
    actions.append(_stage_step(d, who, s.days_in_stage, s.emails_since_stage))
    return actions


def _stage_step(d: Deal, who: str, days: int, emails: int) -> Action:
    """The step that moves a deal to its next stage: always there, lowest priority."""
    if d.stage is DealStage.prospecting:
        return Action(
            f"Qualify {who}: confirm budget, authority, need and timeline", f"prospecting for {days} days", 40
        )
    if d.stage is DealStage.qualification:
        return Action(f"Prepare a proposal for {who}", f"qualification for {days} days; the next stage is proposal", 40)
    if d.stage is DealStage.proposal and emails:
        return Action(f"Ask {who} for feedback on the proposal", f"the proposal went out; {days} days in proposal", 45)
    if d.stage is DealStage.proposal:
        return Action(f"Walk {who} through the proposal", f"{days} days in proposal", 45)
    return Action("Confirm the decision makers and the signing process", f"in negotiation for {days} days", 50)


def lead_actions(s: LeadState) -> list[Action]:
    """A responsive lead -> book a demo; a fresh one -> first contact; a qualified one -> convert."""
    lead, today = s.lead, s.now.date()
    if lead.status in (LeadStatus.converted, LeadStatus.lost):
        return []
    actions: list[Action] = []
    replied = max((s.now - s.last_reply).days, 0) if s.last_reply else None
    if replied is not None and replied <= RESPONSIVE_DAYS and s.upcoming_meetings == 0:
        actions.append(
            Action(
                f"Schedule a demo call with {lead.first_name}",
                f"replied {replied} days ago (score {lead.score}, {band(lead.score)}): a buying signal",
                90,
                today + timedelta(days=2),
            )
        )
    if lead.status is LeadStatus.new and lead.last_contacted is None:
        how = "Call" if lead.score >= HIGH else "Email"
        actions.append(
            Action(
                f"{how} {lead.first_name} for a first contact within 24 hours",
                f"new lead, never contacted, score {lead.score} ({band(lead.score)})",
                80 if lead.score >= HIGH else 65,
                today + timedelta(days=1),
            )
        )
    bant = [lead.bant_budget, lead.bant_authority, lead.bant_need, lead.bant_timeline]
    if lead.status is LeadStatus.qualified and all(bant):
        actions.append(
            Action(
                f"Convert {lead.name} into a contact, account and deal",
                "qualified with all four BANT criteria",
                85,
                today,
            )
        )
    elif lead.status is LeadStatus.qualified:
        missing = [n for n, v in zip(("budget", "authority", "need", "timeline"), bant, strict=True) if not v]
        actions.append(
            Action(f"Confirm {', '.join(missing)} with {lead.first_name}", "qualified but BANT is incomplete", 70)
        )
    if lead.last_contacted and (s.now - lead.last_contacted).days >= 14 and replied is None:
        actions.append(
            Action(
                f"Re-engage {lead.first_name} with a short check-in email",
                f"no contact for {(s.now - lead.last_contacted).days} days and no reply yet",
                55,
            )
        )
    return actions


def contact_actions(s: ContactState) -> list[Action]:
    """Open urgent tickets first, then a quiet relationship, then open deals without a next meeting."""
    c, today = s.contact, s.now.date()
    actions: list[Action] = []
    for ticket in s.open_tickets:
        if ticket.priority.value in ("high", "urgent"):
            actions.append(
                Action(
                    f"Check ticket #{ticket.number} before reaching out",
                    f"{ticket.priority} ticket '{ticket.subject}' is {ticket.status}",
                    85,
                    today,
                )
            )
    quiet = (s.now - c.last_activity).days if c.last_activity else None
    if quiet is None or quiet >= CHECK_IN_DAYS:
        actions.append(
            Action(
                f"Check in with {c.first_name}",
                "no activity logged yet" if quiet is None else f"no activity for {quiet} days",
                60,
                today + timedelta(days=3),
            )
        )
    if s.open_deals and s.next_meeting is None:
        deal = max(s.open_deals, key=lambda d: d.amount)
        actions.append(
            Action(
                f"Book the next meeting on {deal.deal_name}",
                f"{len(s.open_deals)} open deal(s) and nothing scheduled",
                65,
            )
        )
    return actions


def ranked(actions: list[Action]) -> list[Action]:
    return sorted(actions, key=lambda a: (-a.priority, a.due or date.max))


async def deal_states(session: AsyncSession, deals: list[Deal], now: datetime) -> dict[uuid.UUID, DealState]:
    """The facts for every deal in `deals`, a few grouped queries whatever their number."""
    states = {deal.id: DealState(deal, now) for deal in deals}
    ids = list(states)
    contact_ids = {deal.primary_contact_id for deal in deals} - {None}
    names = (
        {
            c: f"{first} {last}"
            for c, first, last in await session.execute(
                select(Contact.id, Contact.first_name, Contact.last_name).where(Contact.id.in_(contact_ids))
            )
        }
        if contact_ids
        else {}
    )
    for deal in deals:
        states[deal.id].contact_name = names.get(deal.primary_contact_id) if deal.primary_contact_id else None
    on_deal = (Meeting.related_type == RecordType.deal, Meeting.related_id.in_(ids))
    touches = (
        select(Call.deal_id, func.max(Call.call_at)).where(Call.deal_id.in_(ids)).group_by(Call.deal_id),
        select(EmailMessage.deal_id, func.max(EmailMessage.sent_at))
        .where(EmailMessage.deal_id.in_(ids))
        .group_by(EmailMessage.deal_id),
        select(Meeting.related_id, func.max(Meeting.start_at))
        .where(*on_deal, Meeting.start_at <= now)
        .group_by(Meeting.related_id),
    )
    for stmt in touches:
        for deal_id, at in await session.execute(stmt):
            state = states[cast(uuid.UUID, deal_id)]  # the columns are nullable; the IN filter leaves no None
            state.last_touch = max(filter(None, [state.last_touch, at]), default=None)
    for deal_id, n in await session.execute(
        select(EmailMessage.deal_id, func.count())
        .join(Deal, Deal.id == EmailMessage.deal_id)
        .where(
            EmailMessage.deal_id.in_(ids),
            EmailMessage.status == EmailStatus.sent,
            EmailMessage.sent_at >= Deal.stage_changed_at,
        )
        .group_by(EmailMessage.deal_id)
    ):
        states[cast(uuid.UUID, deal_id)].emails_since_stage = n
    for deal_id, title in await session.execute(
        select(Task.related_id, Task.title)
        .where(
            Task.related_type == RecordType.deal,
            Task.related_id.in_(ids),
            Task.status != TaskStatus.done,
            Task.due_date < now.date(),
        )
        .order_by(Task.due_date, Task.id)
    ):
        states[cast(uuid.UUID, deal_id)].overdue_tasks.append(title)
    for deal_id, at in await session.execute(
        select(Meeting.related_id, func.min(Meeting.start_at))
        .where(*on_deal, Meeting.start_at > now)
        .group_by(Meeting.related_id)
    ):
        states[cast(uuid.UUID, deal_id)].next_meeting = at
    return states


async def deal_state(session: AsyncSession, deal: Deal, now: datetime) -> DealState:
    return (await deal_states(session, [deal], now))[deal.id]


async def lead_state(session: AsyncSession, lead: Lead, now: datetime) -> LeadState:
    state = LeadState(lead, now)
    inbound_call = await session.scalar(
        select(func.max(Call.call_at)).where(Call.lead_id == lead.id, Call.direction == CallDirection.inbound)
    )
    inbound_mail = await session.scalar(
        select(func.max(EmailMessage.created_at)).where(
            EmailMessage.lead_id == lead.id, EmailMessage.status == EmailStatus.received
        )
    )
    state.last_reply = max(filter(None, [inbound_call, inbound_mail]), default=None)
    state.upcoming_meetings = (
        await session.scalar(
            select(func.count()).where(
                Meeting.related_type == RecordType.lead, Meeting.related_id == lead.id, Meeting.start_at > now
            )
        )
        or 0
    )
    return state


async def contact_state(session: AsyncSession, contact: Contact, now: datetime) -> ContactState:
    state = ContactState(contact, now)
    state.open_tickets = list(
        await session.scalars(
            select(Ticket).where(Ticket.requester_contact_id == contact.id, Ticket.status.in_(OPEN_TICKET))
        )
    )
    state.open_deals = list(
        await session.scalars(select(Deal).where(Deal.primary_contact_id == contact.id, Deal.stage.in_(OPEN_STAGES)))
    )
    attended = select(MeetingAttendee.meeting_id).where(MeetingAttendee.contact_id == contact.id)
    state.next_meeting = await session.scalar(
        select(func.min(Meeting.start_at)).where(Meeting.id.in_(attended), Meeting.start_at > now)
    )
    return state


async def next_actions(
    session: AsyncSession, kind: RecordType, record: Deal | Lead | Contact, now: datetime
) -> list[Action]:
    """Ranked actions for a record the caller has already been allowed to read."""
    if kind is RecordType.deal:
        return ranked(deal_actions(await deal_state(session, record, now)))  # type: ignore[arg-type]
    if kind is RecordType.lead:
        return ranked(lead_actions(await lead_state(session, record, now)))  # type: ignore[arg-type]
    return ranked(contact_actions(await contact_state(session, record, now)))  # type: ignore[arg-type]
