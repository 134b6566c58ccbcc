"""Mass email: a campaign's emails, one send row per recipient, the suppression list, and web-to-lead forms."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import utcnow
from store.models.base import Base, Entity, enum_column, fk
from store.models.enums import MassEmailStatus, SendStatus


class MassEmail(Entity):
    """An email of a campaign to a list (or to the campaign's members): Jinja templates, tracked links, a send state.

    A step of a nurture drip has `drip_step` (1, 2, ...) and `drip_delay` (after enrolment for step 1, else after the
    previous step was sent); `store.services.drips` adds each member's send row when it falls due.
    """

    __tablename__ = "campaign_emails"
    record_type: ClassVar[str] = "campaign_email"
    __table_args__ = (
        sa.Index(
            "uq_campaign_emails_drip_step",
            "campaign_id",
            "drip_step",
            unique=True,
            postgresql_where=sa.text("drip_step IS NOT NULL"),
        ),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    list_id: Mapped[uuid.UUID | None] = fk("contact_lists.id")
    subject: Mapped[str] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text)  # HTML template
    links: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.Text), default=list, server_default="{}")  # tracked, by index
    from_address: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[MassEmailStatus] = enum_column(MassEmailStatus, default=MassEmailStatus.draft)
    scheduled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    author_id: Mapped[uuid.UUID | None] = fk("users.id")
    drip_step: Mapped[int | None]
    drip_delay: Mapped[timedelta | None] = mapped_column(sa.Interval)


class MassEmailSend(Base):
    """One recipient of one mass email, claimed in its own transaction before the SMTP exchange."""

    __tablename__ = "campaign_sends"
    __table_args__ = (
        sa.UniqueConstraint("email_id", "address", name="uq_campaign_sends_recipient"),
        sa.Index("ix_campaign_sends_due", "email_id", "status", "due_at"),
        sa.Index("ix_campaign_sends_opened", "contact_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    email_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign_emails.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID | None] = fk("contacts.id", ondelete="CASCADE")
    lead_id: Mapped[uuid.UUID | None] = fk("leads.id", ondelete="CASCADE")
    address: Mapped[str] = mapped_column(CITEXT)
    status: Mapped[SendStatus] = enum_column(SendStatus, default=SendStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now())
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    clicked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(sa.Text)


class Suppression(Base):
    """An address no campaign sends to again: unsubscribed, bounced, or suppressed by hand."""

    __tablename__ = "email_suppressions"

    address: Mapped[str] = mapped_column(CITEXT, primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(30))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    contact_id: Mapped[uuid.UUID | None] = fk("contacts.id", ondelete="SET NULL")
    campaign_id: Mapped[uuid.UUID | None] = fk("campaigns.id", ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )


class WebForm(Entity):
    """A public web-to-lead form (`POST /forms/{slug}`) with its campaign and welcome email templates."""

    __tablename__ = "web_forms"
    record_type: ClassVar[str] = "web_form"

    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    campaign_id: Mapped[uuid.UUID | None] = fk("campaigns.id")
    welcome_subject: Mapped[str | None] = mapped_column(sa.String(500))
    welcome_body: Mapped[str | None] = mapped_column(sa.Text)
    consent_text: Mapped[str] = mapped_column(
        sa.Text,
        default="I agree to be contacted about my request.",
        server_default="I agree to be contacted about my request.",
    )
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
