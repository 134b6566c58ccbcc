"""Calls, meetings and notes; logging one touches `last_contacted` and `last_activity` and the contact's engagement score."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from store.access import require
from store.clock import utcnow
from store.errors import DomainError, InvalidInput, PermissionDenied
from store.intelligence import scoring
from store.intelligence.engagement import refresh_contact
from store.models import Call, Contact, Lead, Meeting, MeetingAttendee, Note
from store.models.enums import ActivityType, LeadStatus, RecordType
from store.schemas import CallCreate, MeetingCreate, NoteCreate, parse
from store.services.base import RECORD_MODELS, Service
from store.services.deals import queue_refresh
from store.services.timeline import record_activity
from store.services.touch import touched

DEFAULT_MEETING = timedelta(minutes=30)


class EngagementService(Service):
    """What reps log: calls, meetings and notes."""

    async def log_call(self, data: CallCreate | dict[str, Any]) -> Call:
        values = parse(CallCreate, data)
        require(self.actor, "activities", "write")
        deal = await self._target(RecordType.deal, values.deal_id, "deal_id")
        contact = await self._target(RecordType.contact, values.contact_id, "contact_id")
        lead = await self._target(RecordType.lead, values.lead_id, "lead_id")
        when = values.call_at or utcnow()
        call = Call(
            **values.model_dump(exclude={"call_at"}),
            call_at=when,
            user_id=self.actor.user_id,
            account_id=(contact.account_id if contact else None) or (deal.account_id if deal else None),
        )
        if (
            deal is not None and contact is None and deal.primary_contact_id
        ):  # the deal's contact, if the caller may read it
            primary = await self.session.get(Contact, deal.primary_contact_id)
            call.contact_id = primary.id if primary is not None and await self.readable(primary) else None
        self.session.add(call)
        await self.flush()
        who = contact.name if contact else lead.name if lead else deal.deal_name
        await self._touched(when, contact_id=call.contact_id, lead=lead)
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.call,
            action="logged",
            subject=f"{values.direction.value.capitalize()} call with {who}"
            + (f": {values.notes}" if values.notes else ""),
            on=[
                (RecordType.call, call.id),
                (RecordType.contact, call.contact_id),
                (RecordType.lead, call.lead_id),
                (RecordType.deal, call.deal_id),
                (RecordType.account, call.account_id),
            ],
            source=(RecordType.call, call.id),
        )
        await queue_refresh(self.session, call.deal_id)
        return call

    async def schedule_meeting(self, data: MeetingCreate | dict[str, Any]) -> Meeting:
        values = parse(MeetingCreate, data)
        require(self.actor, "activities", "write")
        if not values.contact_ids and not values.user_ids and values.related_id is None:
            raise InvalidInput("contact_ids", "a meeting needs at least one attendee or a related record")
        contacts = [
            await self._target(RecordType.contact, cid, f"contact_ids.{i}") for i, cid in enumerate(values.contact_ids)
        ]
        for i, uid in enumerate(values.user_ids):
            await self.ensure_user(uid, f"user_ids.{i}")
        related = None
        if values.related_type is not None:
            related = await self._target(values.related_type, values.related_id, "related_id")
        meeting = Meeting(
            title=values.title,
            start_at=values.start_at,
            end_at=values.end_at or values.start_at + DEFAULT_MEETING,
            location=values.location,
            description=values.description,
            organizer_id=self.actor.user_id,
            related_type=values.related_type,
            related_id=values.related_id,
        )
        self.session.add(meeting)
        await self.flush()
        users = set(values.user_ids) | ({self.actor.user_id} if self.actor.user_id else set())
        for contact in contacts:
            self.session.add(MeetingAttendee(meeting_id=meeting.id, contact_id=contact.id))
        for uid in users:
            self.session.add(MeetingAttendee(meeting_id=meeting.id, user_id=uid))
        await self.flush()
        lead = related if isinstance(related, Lead) else None
        for contact in contacts:
            await self._touched(utcnow(), contact_id=contact.id, lead=None)
        if lead is not None:
            await self._touched(utcnow(), contact_id=None, lead=lead)
        names = ", ".join(c.name for c in contacts) or (related.name if related is not None else "")
        refs = [(RecordType.meeting, meeting.id)] + [(RecordType.contact, c.id) for c in contacts]
        refs += [(RecordType.account, c.account_id) for c in contacts]
        if values.related_type is not None:
            refs.append((values.related_type, values.related_id))
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.meeting,
            action="scheduled",
            subject=f"Meeting '{meeting.title}' with {names} on {meeting.start_at:%Y-%m-%d %H:%M %Z}",
            on=refs,
            source=(RecordType.meeting, meeting.id),
        )
        if values.related_type is RecordType.deal:
            await queue_refresh(self.session, values.related_id)
        return meeting

    async def add_note(self, data: NoteCreate | dict[str, Any]) -> Note:
        values = parse(NoteCreate, data)
        require(self.actor, "activities", "write")
        record = await self._target(values.related_type, values.related_id, "related_id")
        note = Note(
            body=values.body,
            related_type=values.related_type,
            related_id=values.related_id,
            author_id=self.actor.user_id,
        )
        self.session.add(note)
        await self.flush()
        label = getattr(record, "name", str(values.related_id))
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.note,
            action="added",
            subject=f"Note on {label}: {values.body[:200]}",
            on=[(values.related_type, values.related_id), (RecordType.note, note.id)],
            source=(RecordType.note, note.id),
        )
        if values.related_type is RecordType.deal:
            await queue_refresh(self.session, values.related_id)
        return note

    async def get_call(self, call_id: uuid.UUID | str) -> Call:
        """A call the caller made, or one about a record they may read."""
        call = await self.load(Call, call_id, field="call_id")
        await self._readable(
            call.user_id,
            [(RecordType.contact, call.contact_id), (RecordType.lead, call.lead_id), (RecordType.deal, call.deal_id)],
        )
        return call

    async def get_meeting(self, meeting_id: uuid.UUID | str) -> Meeting:
        """A meeting the caller organised or attends, or one about a record they may read."""
        meeting = await self.load(Meeting, meeting_id, field="meeting_id")
        attends = await self.session.scalar(
            select(MeetingAttendee.id).where(
                MeetingAttendee.meeting_id == meeting.id, MeetingAttendee.user_id == self.actor.user_id
            )
        )
        related = [(meeting.related_type, meeting.related_id)] if meeting.related_type in RECORD_MODELS else []
        await self._readable(self.actor.user_id if attends else meeting.organizer_id, related)
        return meeting

    async def get_note(self, note_id: uuid.UUID | str) -> Note:
        note = await self.load(Note, note_id, field="note_id")
        await self._readable(
            note.author_id, [(note.related_type, note.related_id)] if note.related_type in RECORD_MODELS else []
        )
        return note

    async def list_calls(
        self,
        *,
        contact_id: uuid.UUID | None = None,
        lead_id: uuid.UUID | None = None,
        deal_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[Call], int]:
        """Calls about a record the caller may read, else those a user logged (the caller's own unless `user_id`, a
        teammate the caller may read for, is given), in [`since`, `until`) when given; newest first."""
        require(self.actor, "activities", "read")
        stmt = select(Call)
        if since is not None:
            stmt = stmt.where(Call.call_at >= since)
        if until is not None:
            stmt = stmt.where(Call.call_at < until)
        for kind, key, column in (
            (RecordType.contact, contact_id, Call.contact_id),
            (RecordType.lead, lead_id, Call.lead_id),
            (RecordType.deal, deal_id, Call.deal_id),
        ):
            if key is not None:
                await self._target(kind, key, f"{kind}_id")
                stmt = stmt.where(column == key)
        if contact_id is None and lead_id is None and deal_id is None:
            stmt = stmt.where(Call.user_id == (user_id or self.actor.user_id))
        return await self.page(stmt, Call.call_at.desc(), limit=limit, offset=offset)

    async def list_meetings(
        self, *, start: datetime | None = None, end: datetime | None = None, limit: int | None = 20, offset: int = 0
    ) -> tuple[list[Meeting], int]:
        """The caller's meetings (as an attendee) in a window, soonest first (all of them for no `limit`)."""
        require(self.actor, "activities", "read")
        stmt = (
            select(Meeting)
            .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
            .where(MeetingAttendee.user_id == self.actor.user_id)
        )
        if start:
            stmt = stmt.where(Meeting.start_at >= start)
        if end:
            stmt = stmt.where(Meeting.start_at < end)
        return await self.page(stmt, Meeting.start_at, limit=limit, offset=offset)

    async def list_notes(
        self, related_type: RecordType, related_id: uuid.UUID, *, limit: int = 20, offset: int = 0
    ) -> tuple[list[Note], int]:
        """Notes on a record the caller may read, newest first."""
        await self._target(related_type, related_id, "related_id")
        stmt = select(Note).where(Note.related_type == related_type, Note.related_id == related_id)
        return await self.page(stmt, Note.created_at.desc(), limit=limit, offset=offset)

    async def _readable(
        self, owner: uuid.UUID | None, related: Sequence[tuple[RecordType | None, uuid.UUID | None]]
    ) -> None:
        """Refuse unless the caller is `owner`, sees everything, or may read one of the related records."""
        require(self.actor, "activities", "read")
        if self.actor.sees_everything or (owner is not None and owner == self.actor.user_id):
            return
        last: Exception = PermissionDenied(
            "activities", "this engagement is neither yours nor about a record you may read"
        )
        for kind, key in related:
            if kind is not None and key is not None:
                try:
                    await self._target(kind, key, f"{kind}_id")
                    return
                except DomainError as err:
                    last = err
        raise last

    async def target_for_read(self, kind: RecordType, record_id: uuid.UUID | None) -> Any:
        """A record the caller may read (the model `kind` names, or None), for listing its calls or meetings."""
        return await self._target(kind, record_id, f"{kind}_id")

    async def _target(self, kind: RecordType, record_id: uuid.UUID | None, field: str) -> Any:
        """Load a record an engagement is about through the caller's read check (the model `kind` names, or None).

        Logging a call, meeting or note is an append to the record's history, so reading the
        record is enough: a rep logs calls with their teammates' contacts.
        """
        return await self.referenced(kind, record_id, field=field)

    async def _touched(self, when: datetime, *, contact_id: uuid.UUID | None, lead: Lead | None) -> None:
        """A logged touch moves `last_contacted` (leads, new -> contacted, rescored) and `last_activity` (contacts)."""
        if lead is not None:
            lead.last_contacted = touched(lead.last_contacted, when)
            if lead.status is LeadStatus.new:
                lead.status = LeadStatus.contacted
        contact = await self.session.get(Contact, contact_id) if contact_id is not None else None
        if contact is not None:
            contact.last_activity = touched(contact.last_activity, when)
        await self.flush()
        if contact is not None:
            await refresh_contact(self.session, contact, utcnow())
        if lead is not None:
            await scoring.rescore(self.session, lead, reason="new engagement logged")
