"""What happens when a lead is created, by any path (API, import, chat, forms): `LeadService.create` calls `on_lead_created`.

The rules (NEXA_* settings, see README "Lead automation"):
- the owner is notified (console notification; Slack DM through a job when mapped), with an email draft suggested
  for high and medium leads;
- a follow-up task by score band: high -> call within NEXA_FOLLOWUP_HIGH_HOURS business hours; medium -> email
  within NEXA_FOLLOWUP_MEDIUM_DAYS business days; low -> no task, enrolled in the nurture campaign (its drip, `store.services.drips`);
- a welcome email is queued when the lead's source is in NEXA_WELCOME_SOURCES.
Each step is recorded on the lead's timeline.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from prompts import render
from store.access import Actor
from store.auth import actor_for
from store.clock import utcnow
from store.intelligence import scoring
from store.intelligence.routing import nurture_campaign
from store.jobs.defer import defer
from store.models import EmailMessage, Lead, Task, User, WebForm
from store.models.enums import ActivityType, EmailStatus, Priority, RecordType
from store.services.business_hours import add_business_days, add_business_hours
from store.services.drips import enrol
from store.services.emails import EmailService
from store.services.mail_templates import form_welcome
from store.services.notifications import notify
from store.services.timeline import record_activity
from store.settings import Settings, get_settings


async def on_lead_created(
    session: AsyncSession, actor: Actor, lead: Lead, settings: Settings | None = None
) -> list[str]:
    """Run the creation rules for `lead` (already scored and routed); the steps taken, as recorded on its timeline."""
    rules = settings or get_settings()
    band = scoring.band(lead.score)
    owner = await session.get(User, lead.assigned_to_id) if lead.assigned_to_id else None
    steps: list[str] = []
    now = utcnow()
    if band != "Low" and owner is not None:
        if band == "High":
            due = add_business_hours(now, rules.followup_high_hours, rules.business_hours)
            title, priority = f"Call {lead.name}" + (f" ({lead.company})" if lead.company else ""), Priority.high
            why = f"high score {lead.score}: call within {rules.followup_high_hours} business hours"
        else:
            due = add_business_days(now, rules.followup_medium_days, rules.business_hours)
            title, priority = f"Email {lead.name}" + (f" ({lead.company})" if lead.company else ""), Priority.medium
            why = f"medium score {lead.score}: email within {rules.followup_medium_days} business day(s)"
        task = Task(
            title=title,
            description=why,
            priority=priority,
            due_at=due,
            due_date=due.date(),
            assignee_id=owner.id,
            created_by_id=actor.user_id,
            related_type=RecordType.lead,
            related_id=lead.id,
        )
        session.add(task)
        await session.flush()
        steps.append(f"follow-up task '{title}' for {owner.name}, due {due:%a %d %b %H:%M} UTC ({why})")
    elif band == "Low":
        campaign = await nurture_campaign(session, rules.nurture_campaign)
        await enrol(session, campaign.id, lead.id)
        steps.append(
            f"low score {lead.score}: no follow-up task; enrolled in the {campaign.name} campaign (its nurture drip)"
        )
    if owner is not None and owner.id != actor.user_id:
        draft = None
        if band != "Low":
            draft, _ = await EmailService(session, actor_for(owner)).draft(lead_id=lead.id, purpose="intro")
        message = (
            f"New {band.lower()} lead assigned to you: {lead.name}"
            + (f" ({lead.title}, {lead.company})" if lead.company else "")
            + f", source {lead.source.value}, score {lead.score}."
            + (f' A draft email is ready: "{draft.subject}".' if draft else "")
        )
        await notify(
            session,
            owner.id,
            "lead_assigned",
            message,
            record=(RecordType.lead, lead.id),
            dedupe_key=f"lead_assigned:{lead.id}:{owner.id}",
        )
        steps.append(f"{owner.name} notified" + (" with a suggested email draft" if draft else ""))
    if lead.source.value in rules.welcome_sources:
        steps.append(await _queue_welcome(session, lead, owner))
    for step in steps:
        await record_activity(
            session,
            actor,
            type=ActivityType.lead,
            action="automation",
            subject=f"Lead {lead.name}: {step}",
            on=[(RecordType.lead, lead.id)],
        )
    return steps


async def _queue_welcome(session: AsyncSession, lead: Lead, owner: User | None) -> str:
    """The welcome email: the web form's own when the lead came from a form that has one, else prompts/emails/welcome.md."""
    slug = (lead.custom_fields or {}).get("form")
    form = await session.scalar(select(WebForm).where(WebForm.slug == slug)) if slug else None
    own = form_welcome(form, lead) if form else None
    if own:
        subject, body = own
    else:
        text = render(
            "emails/welcome.md",
            recipient={"first_name": lead.first_name, "company": lead.company},
            owner=owner.name if owner else None,
        )
        subject, _, body = text.partition("\n")
    email = EmailMessage(
        status=EmailStatus.queued,
        from_address=owner.email if owner else None,
        to_addresses=[lead.email],
        subject=subject.removeprefix("Subject:").strip(),
        body=body.strip(),
        author_id=owner.id if owner else None,
        lead_id=lead.id,
    )
    session.add(email)
    await session.flush()
    await defer(session, "emails.deliver", queueing_lock=f"email:{email.id}", email_id=str(email.id))
    return f"welcome email queued to {lead.email} (source {lead.source.value})"
