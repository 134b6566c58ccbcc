"""Nurture drips: a nurture campaign's steps (campaign emails with a delay), sent to each lead enrolled in it.

A lead enters by becoming a member of the campaign (`enrol`: low-score leads through `lead_automation`, or
`CampaignService.add_members`). Step 1 falls due `delay` after enrolment, step n `delay` after step n-1 was sent
to that lead. `advance_drips` (the `campaigns.drips` periodic job, every 5 minutes) adds one `campaign_sends`
row per lead whose step is due and queues the step's `campaigns.send` job: the same path as any mass email
(suppression at claim time, unsubscribe link, tracking, claimed before SMTP, never sent twice).
A lead leaves the drip when its status is no longer `new` (contacted, qualified, converted, lost), when it
unsubscribes or bounces (its address suppressed, its member status ended); its pending sends are skipped.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.access import require
from store.clock import utcnow
from store.errors import InvalidInput
from store.models import Campaign, CampaignMember, Lead, MassEmail, MassEmailSend, Suppression
from store.models.enums import CampaignStatus, CampaignType, LeadStatus, MassEmailStatus, MemberStatus, SendStatus
from store.schemas import DripStepCreate, parse
from store.services.base import Service
from store.services.emails import SmtpTarget
from store.services.mail_templates import compile_template, links
from store.services.mass_email import postal_address, requeue
from store.settings import Settings

ENDED = (MemberStatus.unsubscribed.value, MemberStatus.bounced.value)
LIVE_STEP = (MassEmailStatus.scheduled, MassEmailStatus.sending, MassEmailStatus.sent)


async def enrol(session: AsyncSession, campaign_id: uuid.UUID, lead_id: uuid.UUID) -> bool:
    """Make the lead a member of the campaign (its drip starts from now); False when it already was."""
    added = await session.scalar(
        insert(CampaignMember)
        .values(id=uuid.uuid4(), campaign_id=campaign_id, lead_id=lead_id, added_at=utcnow())
        .on_conflict_do_nothing(
            index_elements=["campaign_id", "lead_id"], index_where=CampaignMember.lead_id.is_not(None)
        )
        .returning(CampaignMember.id)
    )
    return added is not None


class DripService(Service):
    """Define and list a nurture campaign's drip steps (managers and admins write campaign email)."""

    async def add_step(
        self, campaign_id: uuid.UUID | str, data: DripStepCreate | dict[str, Any], settings: Settings
    ) -> MassEmail:
        """Append a step; it is live at once (pause it like any campaign email). Templates are checked now."""
        values = parse(DripStepCreate, data)
        require(self.actor, "mass_email", "write")
        campaign = await self.load(Campaign, campaign_id, field="campaign_id", lock=True)
        await self.check("campaigns", "write", campaign.owner_id)
        if campaign.type is not CampaignType.nurture:
            raise InvalidInput(
                "campaign_id",
                f"campaign '{campaign.name}' is a {campaign.type.value} campaign; drip steps belong to "
                "a nurture campaign",
            )
        compile_template(values.subject, "subject", html_body=False)
        compile_template(values.body, "body")
        SmtpTarget.parse(settings.smtp_url)
        postal_address(settings)
        last = await self.session.scalar(
            select(func.max(MassEmail.drip_step)).where(MassEmail.campaign_id == campaign.id)
        )
        step = MassEmail(
            campaign_id=campaign.id,
            subject=values.subject,
            body=values.body,
            links=links(values.body),
            from_address=values.from_address,
            author_id=self.actor.user_id,
            status=MassEmailStatus.scheduled,
            scheduled_at=utcnow(),
            drip_step=(last or 0) + 1,
            drip_delay=timedelta(hours=values.delay_hours),
        )
        self.session.add(step)
        await self.flush()
        return step

    async def steps(self, campaign_id: uuid.UUID | str) -> list[MassEmail]:
        require(self.actor, "mass_email", "read")
        campaign = await self.load(Campaign, campaign_id, field="campaign_id")
        return list(
            await self.session.scalars(
                select(MassEmail)
                .where(MassEmail.campaign_id == campaign.id, MassEmail.drip_step.is_not(None))
                .order_by(MassEmail.drip_step)
            )
        )


async def advance_drips(session: AsyncSession) -> list[uuid.UUID]:
    """Skip the pending sends of leads that left, add the sends now due, queue their steps' send jobs; the steps queued."""
    now = utcnow()
    steps = list(
        await session.scalars(
            select(MassEmail)
            .join(Campaign, Campaign.id == MassEmail.campaign_id)
            .where(
                MassEmail.drip_step.is_not(None),
                Campaign.status.not_in((CampaignStatus.completed, CampaignStatus.aborted)),
            )
            .order_by(MassEmail.campaign_id, MassEmail.drip_step)
            .with_for_update(of=MassEmail)
        )
    )
    if not steps:
        return []
    await session.execute(
        update(MassEmailSend)
        .where(
            MassEmailSend.email_id.in_([s.id for s in steps]),
            MassEmailSend.status == SendStatus.pending,
            MassEmailSend.lead_id.in_(select(Lead.id).where(Lead.status != LeadStatus.new)),
        )
        .values(status=SendStatus.skipped, error="left the drip: the lead is no longer new")
    )
    by_position = {(s.campaign_id, s.drip_step): s for s in steps}
    queued = []
    for step in steps:
        if step.status not in LIVE_STEP:
            continue
        previous = by_position.get((step.campaign_id, (step.drip_step or 1) - 1))
        if step.drip_step != 1 and previous is None:
            continue  # a gap in the numbering: nobody can reach this step
        added = await session.execute(
            insert(MassEmailSend)
            .from_select(["email_id", "lead_id", "address", "due_at"], _due(step, previous, now))
            .on_conflict_do_nothing()
            .returning(MassEmailSend.id)
        )
        waiting = await session.scalar(
            select(MassEmailSend.id)
            .where(
                MassEmailSend.email_id == step.id,
                MassEmailSend.status == SendStatus.pending,
                MassEmailSend.due_at <= now,
            )
            .limit(1)
        )
        if added.first() is not None or waiting is not None:
            if step.status is MassEmailStatus.sent:
                step.status = MassEmailStatus.scheduled
            await requeue(session, step.id, None)
            queued.append(step.id)
    await session.flush()
    return queued


def _due(step: MassEmail, previous: MassEmail | None, now: Any) -> Any:
    """(step id, lead id, address, now) for every lead in the drip whose `step` falls due by `now` and who has not had it."""
    delay = step.drip_delay or timedelta(0)
    stmt = (
        select(literal(step.id), Lead.id, Lead.email, literal(now))
        .select_from(CampaignMember)
        .join(Lead, Lead.id == CampaignMember.lead_id)
        .where(
            CampaignMember.campaign_id == step.campaign_id,
            CampaignMember.status.not_in(ENDED),
            Lead.status == LeadStatus.new,
            Lead.email.is_not(None),
            Lead.email.not_in(select(Suppression.address)),
        )
    )
    if previous is None:
        return stmt.where(CampaignMember.added_at + delay <= now)
    before = aliased(MassEmailSend)
    return stmt.join(before, and_(before.email_id == previous.id, before.lead_id == Lead.id)).where(
        before.status.in_((SendStatus.sent, SendStatus.unknown)),
        func.coalesce(before.sent_at, before.due_at) + delay <= now,
    )
