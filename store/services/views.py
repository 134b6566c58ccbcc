"""360-degree views of a contact and of an account: profile, timeline and related records.

A view is built for one reader: deals they may not read are left out, and the whole view goes through
`redact`, so everything built from it (tool results, summaries, templates) never holds a restricted value.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select

from store.access import redact
from store.models import (
    Account,
    Call,
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    Lead,
    Meeting,
    MeetingAttendee,
    Task,
    Ticket,
    User,
)
from store.models.enums import OPEN_STAGES, RecordType
from store.serialize import to_dict
from store.services.accounts import AccountService
from store.services.base import RECORD_MODELS, Service
from store.services.contacts import ContactService
from store.services.lists import ListService
from store.services.tickets import DONE
from store.services.timeline import TimelineService
from store.services.visibility import about_readable, owner_visible


class ViewService(Service):
    """Read models that gather everything about one contact or account."""

    async def contact_360(self, contact_id: uuid.UUID | str, *, timeline_limit: int = 20) -> dict[str, Any]:
        contact = await ContactService(self.session, self.actor).get(contact_id)
        s = self.session
        account = await s.get(Account, contact.account_id) if contact.account_id else None
        deals = await s.scalars(
            select(Deal)
            .where(Deal.primary_contact_id == contact.id, owner_visible(self.actor, Deal.owner_id))
            .order_by(Deal.close_date)
        )
        tickets = await s.scalars(
            select(Ticket).where(Ticket.requester_contact_id == contact.id).order_by(Ticket.created_at.desc())
        )
        tasks = await s.scalars(
            select(Task)
            .where(Task.related_type == RecordType.contact, Task.related_id == contact.id)
            .order_by(Task.due_date)
        )
        meetings = await s.scalars(
            select(Meeting)
            .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
            .where(
                MeetingAttendee.contact_id == contact.id,
                *[
                    or_(
                        Meeting.related_type != kind,
                        Meeting.related_type.is_(None),
                        about_readable(self.actor, Meeting.related_id, model),
                    )
                    for kind, model in RECORD_MODELS.items()
                ],
            )
            .order_by(Meeting.start_at.desc())
        )
        lead = await s.scalar(  # the lead this contact was converted from, when the caller may read it
            select(Lead).where(Lead.converted_contact_id == contact.id, owner_visible(self.actor, Lead.assigned_to_id))
        )
        calls = await s.scalars(  # with the contact, and with the lead it was before its conversion
            select(Call)
            .where(
                or_(Call.contact_id == contact.id, Call.lead_id == lead.id) if lead else Call.contact_id == contact.id,
                about_readable(self.actor, Call.deal_id, Deal),
                about_readable(self.actor, Call.lead_id, Lead),
            )
            .order_by(Call.call_at.desc())
        )
        lists = await ListService(s, self.actor).lists_of(contact.id)
        campaigns = await s.scalars(
            select(Campaign.name).join(CampaignMember).where(CampaignMember.contact_id == contact.id)
        )
        deal_rows = list(deals)
        return redact(
            self.actor,
            {
                "contact": to_dict(contact) | {"name": contact.name, "owner": await self._user(contact.owner_id)},
                "account": _brief(account),
                "converted_from": {"id": str(lead.id), "name": lead.name, "score": lead.score} if lead else None,
                "deals": [_deal(d) for d in deal_rows],
                "total_deals_value": str(sum((d.amount for d in deal_rows if d.stage.value != "closed_lost"), 0)),
                "tickets": [
                    {
                        "id": str(t.id),
                        "number": t.number,
                        "subject": t.subject,
                        "status": t.status.value,
                        "priority": t.priority.value,
                    }
                    for t in tickets
                ],
                "tasks": [
                    {
                        "id": str(t.id),
                        "title": t.title,
                        "status": t.status.value,
                        "due_date": t.due_date and t.due_date.isoformat(),
                    }
                    for t in tasks
                ],
                "meetings": [{"id": str(m.id), "title": m.title, "start_at": m.start_at.isoformat()} for m in meetings],
                "calls": [
                    {
                        "id": str(c.id),
                        "direction": c.direction.value,
                        "call_at": c.call_at.isoformat(),
                        "notes": c.notes,
                    }
                    for c in calls
                ],
                "lists": list(lists),
                "campaigns": list(campaigns),
                "timeline": await TimelineService(self.session, self.actor).entries(
                    RecordType.contact, contact.id, limit=timeline_limit
                ),
            },
        )

    async def account_360(self, account_id: uuid.UUID | str, *, timeline_limit: int = 20) -> dict[str, Any]:
        accounts = AccountService(self.session, self.actor)
        account = await accounts.get(account_id)
        s = self.session
        rollup = await accounts.rollup(account.id)
        parent = await s.get(Account, account.parent_account_id) if account.parent_account_id else None
        parent = parent if parent is not None and await accounts.readable(parent) else None  # never another team's name
        contacts = await s.scalars(
            select(Contact)
            .where(Contact.account_id == account.id, owner_visible(self.actor, Contact.owner_id))
            .order_by(Contact.last_name)
        )
        deals = await s.scalars(
            select(Deal)
            .where(Deal.account_id == account.id, owner_visible(self.actor, Deal.owner_id))
            .order_by(Deal.close_date)
        )
        tickets = await s.scalars(
            select(Ticket)
            .where(Ticket.account_id == account.id, Ticket.status.notin_(DONE))
            .order_by(Ticket.created_at.desc())
        )
        return redact(
            self.actor,
            {
                "account": to_dict(account)
                | {"name": account.account_name, "owner": await self._user(account.account_owner_id)},
                "parent": _brief(parent),
                "children": [_brief(c) for c in await accounts.children(account.id)],
                "contacts": [{"id": str(c.id), "name": c.name, "title": c.title, "email": c.email} for c in contacts],
                "deals": [_deal(d) for d in deals],
                "open_tickets": [
                    {
                        "id": str(t.id),
                        "number": t.number,
                        "subject": t.subject,
                        "status": t.status.value,
                        "priority": t.priority.value,
                    }
                    for t in tickets
                ],
                "total_deal_value": str(rollup.total_deal_value),
                "total_closed_won": str(rollup.total_closed_won),
                "open_deals_in_hierarchy": rollup.open_deals,
                "timeline": await TimelineService(self.session, self.actor).entries(
                    RecordType.account, account.id, limit=timeline_limit
                ),
            },
        )

    async def _user(self, user_id: uuid.UUID | None) -> str | None:
        user = await self.session.get(User, user_id) if user_id else None
        return user.name if user else None


def _brief(account: Account | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {
        "id": str(account.id),
        "name": account.account_name,
        "type": account.type.value,
        "tier": account.tier and account.tier.value,
    }


def _deal(deal: Deal) -> dict[str, Any]:
    return {
        "id": str(deal.id),
        "deal_name": deal.deal_name,
        "stage": deal.stage.value,
        "amount": str(deal.amount),
        "probability": deal.probability,
        "weighted_value": str(deal.weighted_value),
        "close_date": deal.close_date and deal.close_date.isoformat(),
        "open": deal.stage in OPEN_STAGES,
        "days_in_stage": deal.days_in_stage,
    }
