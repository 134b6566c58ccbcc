"""Web-to-lead forms: a public submission becomes a lead (source website), scored and routed like any new lead.

A submission with the hidden honeypot field filled is dropped silently (bots fill every field); consent is
required and kept on the lead (`custom_fields.consent`: the text agreed to, when, from which address). The
lead enters the form's campaign as a lead the campaign created; the rules every new lead gets (follow-up task by
score band, owner notified, the welcome email: this form's own template when it has one) run in
`store.services.lead_automation`, as for leads from any other path.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field
from sqlalchemy import select

from store.access import Actor, require
from store.clock import utcnow
from store.errors import Conflict, InvalidInput, NotFound
from store.models import CampaignMember, Lead, WebForm
from store.models.enums import LeadSource
from store.schemas import EmailStr, Input, Name, parse
from store.services.base import Service
from store.services.leads import LeadService
from store.services.mail_templates import compile_template

HONEYPOT = "website"  # a field people never see (hidden by the snippet's CSS); bots fill it


class FormSubmission(Input):
    first_name: Name
    last_name: Name
    email: EmailStr
    company: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    message: str | None = Field(None, max_length=5000)
    consent: bool = False
    website: str | None = Field(None, max_length=500)  # the honeypot


class FormCreate(Input):
    slug: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    campaign_id: uuid.UUID | None = None
    welcome_subject: str | None = Field(None, max_length=500)
    welcome_body: str | None = Field(None, max_length=20_000)
    consent_text: str | None = Field(None, max_length=2000)


class FormService(Service):
    """Define forms (managers and admins) and take public submissions (the system acts)."""

    async def create(self, data: FormCreate | dict[str, Any]) -> WebForm:
        values = parse(FormCreate, data)
        require(self.actor, "mass_email", "write")
        for field in ("welcome_subject", "welcome_body"):
            if getattr(values, field):
                compile_template(getattr(values, field), field, html_body=False)
        if await self.session.scalar(select(WebForm.id).where(WebForm.slug == values.slug)):
            raise Conflict("slug", f"a form '{values.slug}' already exists")
        form = WebForm(**values.model_dump(exclude_none=True))
        self.session.add(form)
        await self.flush()
        return form

    async def submit(self, slug: str, data: dict[str, Any], *, ip: str | None) -> Lead | None:
        """The lead a submission created; None for a honeypot hit (answered like a success, so bots learn nothing)."""
        form = await self.session.scalar(select(WebForm).where(WebForm.slug == slug))
        if form is None:
            raise NotFound("slug", f"no form '{slug}'")
        values = parse(FormSubmission, {k: v for k, v in data.items() if k in FormSubmission.model_fields})
        if values.website:
            return None
        if not values.consent:
            raise InvalidInput("consent", f"please agree to: {form.consent_text}")
        system = Actor.system()
        if await self.session.scalar(select(Lead.id).where(Lead.email == values.email)):
            raise Conflict("email", "this address has already asked; we will be in touch")
        lead = await LeadService(self.session, system).create(
            {
                "first_name": values.first_name,
                "last_name": values.last_name,
                "email": values.email,
                "company": values.company,
                "title": values.title,
                "phone": values.phone,
                "source": LeadSource.website.value,
                "custom_fields": {
                    "form": form.slug,
                    "message": values.message,
                    "consent": {"text": form.consent_text, "at": utcnow().isoformat(), "ip": ip},
                },
            }
        )
        if form.campaign_id:
            self.session.add(CampaignMember(campaign_id=form.campaign_id, lead_id=lead.id, lead_created=True))
        await self.flush()
        return lead
