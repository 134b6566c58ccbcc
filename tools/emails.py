"""Email tools: draft from the record, send after approval, record a reply."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from store.models import EmailMessage
from store.serialize import ref
from store.services import EmailService
from tools.context import ToolContext
from tools.registry import ToolResult, tool


def _email(email: EmailMessage) -> dict[str, Any]:
    return {
        "email_id": str(email.id),
        "status": email.status.value,
        "to": email.to_addresses,
        "subject": email.subject,
        "body": email.body,
    }


@tool(area="emails", untrusted=True)
async def draft_email(
    ctx: ToolContext,
    *,
    contact_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    deal_id: uuid.UUID | None = None,
    purpose: Literal["follow_up", "intro", "demo", "proposal", "check_in"] = "follow_up",
    tone: Literal["friendly", "formal", "brief"] = "friendly",
    notes: str | None = None,
) -> ToolResult:
    """Write an email draft to a contact or lead (or a deal's primary contact), grounded in their record, and save it unsent.

    Show the draft to the user; it is only sent with send_email after they approve.

    Args:
        contact_id: the recipient contact
        lead_id: the recipient lead
        deal_id: the deal the email is about (its primary contact is the recipient when none is named)
        purpose: follow_up, intro, demo, proposal or check_in
        tone: friendly, formal or brief
        notes: points the user wants in the email
    """
    email, draft = await EmailService(ctx.session, ctx.actor).draft(
        contact_id=contact_id,
        lead_id=lead_id,
        deal_id=deal_id,
        purpose=purpose,
        tone=tone,
        notes=notes,
        writer=ctx.writer,
    )
    return ToolResult(data=_email(email) | {"written_by": draft.method}, refs=[ref(email)])


@tool(area="emails", writes=True, target=(EmailMessage.record_type, "email_id"), summary="Send the email '{target}'")
async def send_email(ctx: ToolContext, email_id: uuid.UUID) -> ToolResult:
    """Send a saved draft over email and log it on the timeline. Needs the user's approval.

    Args:
        email_id: the draft's id (from draft_email)
    """
    email = await EmailService(ctx.session, ctx.actor).send(email_id, ctx.settings, deliver=not ctx.dry_run)
    return ToolResult(
        data=_email(email) | {"sent_at": email.sent_at.isoformat() if email.sent_at else None}, refs=[ref(email)]
    )


@tool(
    area="emails",
    writes=True,
    summary="Record an email received[ from lead {lead_id}][ from contact {contact_id}]: {subject}",
)
async def log_email_received(
    ctx: ToolContext,
    subject: str,
    body: str,
    *,
    contact_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    deal_id: uuid.UUID | None = None,
) -> ToolResult:
    """Record an email a contact or lead sent us (a reply); a lead's score is updated.

    Args:
        subject: the email's subject
        body: the email's text
        contact_id: the contact who wrote
        lead_id: the lead who wrote
        deal_id: the deal it is about
    """
    email = await EmailService(ctx.session, ctx.actor).receive(
        {"subject": subject, "body": body, "contact_id": contact_id, "lead_id": lead_id, "deal_id": deal_id}
    )
    return ToolResult(data=_email(email), refs=[ref(email)])
