"""What becomes of a campaign email: delivered (no bounce in time), opened, clicked, unsubscribed (the public, signed endpoints).

"Sent" means the receiving relay answered 250 to the message. "Delivered" means sent and no bounce recorded for the
address within NEXA_DELIVERED_AFTER_HOURS (`delivered`, run by the `campaigns.delivered` job): a relay that accepts
a message can still bounce it later.

Each is recorded on the send row, moves the campaign member forward, and lands on the contact's (or
lead's) timeline; a lead's opens and clicks rescore it. An unsubscribe suppresses the address for every
campaign. Repeated opens are counted once (the first), each click is recorded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.clock import utcnow
from store.errors import NotFound
from store.intelligence import scoring
from store.models import CampaignMember, Lead, MassEmail, MassEmailSend, Suppression
from store.models.enums import ActivityType, MemberStatus, RecordType, SendStatus
from store.services.campaigns import advance
from store.services.timeline import record_activity


async def _load(session: AsyncSession, send_id: int) -> tuple[MassEmailSend, MassEmail]:
    row = await session.get(MassEmailSend, send_id, with_for_update=True)
    if row is None:
        raise NotFound("token", "this link belongs to no email")
    return row, await session.get(MassEmail, row.email_id)  # type: ignore[return-value]


async def _member(session: AsyncSession, email: MassEmail, row: MassEmailSend, status: MemberStatus) -> None:
    column, value = (
        (CampaignMember.contact_id, row.contact_id) if row.contact_id else (CampaignMember.lead_id, row.lead_id)
    )
    await session.execute(
        update(CampaignMember)
        .where(CampaignMember.campaign_id == email.campaign_id, column == value)
        .values(status=advance(status))
    )


async def _log(
    session: AsyncSession, email: MassEmail, row: MassEmailSend, action: str, subject: str, **details: Any
) -> None:
    await record_activity(
        session,
        Actor.system(),
        type=ActivityType.email,
        action=action,
        subject=subject,
        on=[(RecordType.contact, row.contact_id), (RecordType.lead, row.lead_id)],
        details={"campaign_id": str(email.campaign_id), "email_id": str(email.id), **details},
    )
    if row.lead_id and action in ("opened", "clicked"):
        lead = await session.get(Lead, row.lead_id)
        if lead is not None:
            await scoring.rescore(session, lead, reason=f"{lead.first_name} {action} a campaign email")


async def opened(session: AsyncSession, send_id: int) -> None:
    row, email = await _load(session, send_id)
    if row.opened_at is not None:
        return
    row.opened_at = utcnow()
    await _member(session, email, row, MemberStatus.opened)
    await _log(session, email, row, "opened", f"Opened the campaign email '{email.subject}'")


async def clicked(session: AsyncSession, send_id: int, index: int) -> str:
    """The template link the click leads to (only those), after recording it."""
    row, email = await _load(session, send_id)
    if not 0 <= index < len(email.links):
        raise NotFound("token", "this link belongs to no email")
    url = email.links[index]
    now = utcnow()
    row.clicked_at = row.clicked_at or now
    row.opened_at = row.opened_at or now
    await _member(session, email, row, MemberStatus.clicked)
    await _log(session, email, row, "clicked", f"Clicked {url} in the campaign email '{email.subject}'", url=url)
    return url


async def unsubscribed(session: AsyncSession, send_id: int) -> str:
    """Suppress the recipient's address for every campaign (idempotent); the address."""
    row, email = await _load(session, send_id)
    done = await session.scalar(
        insert(Suppression)
        .values(
            address=row.address,
            reason="unsubscribed",
            contact_id=row.contact_id,
            campaign_id=email.campaign_id,
        )
        .on_conflict_do_nothing()
        .returning(Suppression.address)
    )
    if done is not None:
        await _member(session, email, row, MemberStatus.unsubscribed)
        await _log(session, email, row, "unsubscribed", f"Unsubscribed from campaign email (via '{email.subject}')")
    return row.address


async def suppressed(session: AsyncSession, address: str) -> str | None:
    """Why an address receives no campaign email (unsubscribed, bounced), or None."""
    return await session.scalar(select(Suppression.reason).where(Suppression.address == address))


async def delivered(session: AsyncSession, after: timedelta) -> int:
    """Members sent a message longer than `after` ago whose address has not bounced -> delivered; how many moved."""
    sent = exists().where(
        MassEmail.id == MassEmailSend.email_id,
        MassEmail.campaign_id == CampaignMember.campaign_id,
        or_(MassEmailSend.contact_id == CampaignMember.contact_id, MassEmailSend.lead_id == CampaignMember.lead_id),
        MassEmailSend.status == SendStatus.sent,
        MassEmailSend.sent_at <= utcnow() - after,
        ~exists().where(and_(Suppression.address == MassEmailSend.address, Suppression.reason == "bounced")),
    )
    result = await session.execute(
        update(CampaignMember)
        .where(CampaignMember.status == MemberStatus.sent.value, sent)
        .values(status=MemberStatus.delivered.value)
    )
    return cast(CursorResult[Any], result).rowcount or 0
