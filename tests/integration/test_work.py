"""Tickets, tasks, meetings, notes, timelines and the 360-degree views."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store.auth import actor_for
from store.clock import utcnow
from store.errors import InvalidInput, PermissionDenied
from store.models import Contact, MeetingAttendee
from store.models.enums import RecordType, Role, TaskStatus, TicketStatus
from store.services import EngagementService, TaskService, TicketService, ViewService
from store.services.timeline import timeline
from tests.support import factories
from tests.support.factories import SYSTEM


async def test_ticket_lifecycle_numbers_messages_and_resolution(db):
    async with db.session() as s:
        sam = await factories.user(s, role=Role.support, team="Support")
        rep = await factories.user(s)
        contact = await factories.contact(s)
        tickets = TicketService(s, actor_for(sam))
        first = await tickets.create(
            {"subject": "Export fails", "priority": "high", "requester_contact_id": contact.id},
            first_message="EXP-504 when exporting",
        )
        second = await tickets.create({"subject": "Login loop"})
        assert (first.number, second.number) == (1001, 1002)
        assert first.requester_email == contact.email
        with pytest.raises(InvalidInput) as err:
            await tickets.assign(first.id, rep.id)
        assert err.value.field == "assignee_id"
        await tickets.assign(first.id, sam.id)
        await tickets.add_message(first.id, "Looking into it")
        await tickets.update(first.id, {"status": "resolved"})
        assert first.status is TicketStatus.resolved and first.resolved_at is not None
        assert [m.body for m in await tickets.messages(first.id)] == ["EXP-504 when exporting", "Looking into it"]
        assert (await tickets.by_number(1001)).id == first.id
        assert [a.action for a in await timeline(s, RecordType.contact, contact.id)][:2] == ["updated", "updated"]


async def test_tasks_for_me_and_only_managers_assign_to_others(db):
    async with db.session() as s:
        rep = await factories.user(s, team="East")
        other = await factories.user(s, team="East")
        boss = await factories.user(s, role=Role.manager, team="East")
        mine = await TaskService(s, actor_for(rep)).create(
            {"title": "Send contract", "due_date": utcnow().date() + timedelta(days=2)}
        )
        await TaskService(s, actor_for(boss)).create(
            {"title": "Call back", "assignee_id": rep.id, "due_date": utcnow().date()}
        )
        with pytest.raises(PermissionDenied):
            await TaskService(s, actor_for(other)).create({"title": "Not yours", "assignee_id": rep.id})
        listed = await TaskService(s, actor_for(rep)).for_user(rep.id)
        assert [t.title for t in listed] == ["Call back", "Send contract"]
        await TaskService(s, actor_for(rep)).update(mine.id, {"status": "done"})
        assert mine.status is TaskStatus.done and mine.completed_at is not None
        assert [t.title for t in await TaskService(s, actor_for(rep)).for_user(rep.id)] == ["Call back"]


async def test_meetings_need_a_valid_window_and_attendees(db):
    async with db.session() as s:
        contact = await factories.contact(s)
        meetings = EngagementService(s, SYSTEM)
        start = utcnow() + timedelta(days=1)
        with pytest.raises(InvalidInput) as err:
            await meetings.schedule_meeting(
                {"title": "Demo", "start_at": start, "end_at": start - timedelta(hours=1), "contact_ids": [contact.id]}
            )
        assert err.value.field == "end_at"
        meeting = await meetings.schedule_meeting({"title": "Demo", "start_at": start, "contact_ids": [contact.id]})
        assert meeting.end_at - meeting.start_at == timedelta(minutes=30)
        attendees = list(
            await s.scalars(select(MeetingAttendee.contact_id).where(MeetingAttendee.meeting_id == meeting.id))
        )
        assert attendees == [contact.id]
        assert (await s.get(Contact, contact.id)).last_activity is not None


async def test_contact_and_account_360(db):
    async with db.session() as s:
        account = await factories.account(s, account_name="Acme Corp")
        child = await factories.account(s, account_name="Acme UK", parent_account_id=account.id)
        contact = await factories.contact(s, first_name="Sarah", last_name="Johnson", account_id=account.id)
        await factories.deal(
            s,
            deal_name="Acme Corp - Enterprise Plan",
            amount=50000,
            account_id=account.id,
            primary_contact_id=contact.id,
        )
        await factories.deal(s, deal_name="Acme UK expansion", amount=10000, account_id=child.id)
        await EngagementService(s, SYSTEM).log_call({"contact_id": contact.id, "notes": "wants a demo"})
        await EngagementService(s, SYSTEM).add_note(
            {"body": "renewal in Q3", "related_type": "account", "related_id": account.id}
        )
        await TicketService(s, SYSTEM).create({"subject": "Export fails", "requester_contact_id": contact.id})
        views = ViewService(s, SYSTEM)
        person = await views.contact_360(contact.id)
        assert person["account"]["name"] == "Acme Corp" and [d["deal_name"] for d in person["deals"]] == [
            "Acme Corp - Enterprise Plan"
        ]
        assert person["total_deals_value"] == "50000.00" and len(person["tickets"]) == 1 and len(person["calls"]) == 1
        assert any("wants a demo" in e["subject"] for e in person["timeline"])
        company = await views.account_360(account.id)
        assert [c["name"] for c in company["children"]] == ["Acme UK"]
        assert company["total_deal_value"] == "60000.00" and len(company["open_tickets"]) == 1
        assert any("renewal in Q3" in e["subject"] for e in company["timeline"])
