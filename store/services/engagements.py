"""Calls, meetings and notes; logging one touches `last_contacted` and `last_activity`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from store.access import require
from store.errors import InvalidInput
from store.intelligence import scoring
from store.models import Account, Call, Contact, Deal, Lead, Meeting, MeetingAttendee, Note, Ticket
from store.models.enums import ActivityType, LeadStatus, RecordType
from store.schemas import CallCreate, MeetingCreate, NoteCreate, parse
from store.services.base import Service, utcnow
from store.services.timeline import record_activity

MODELS = {
    RecordType.lead: (Lead, "leads", "assigned_to_id"),
    RecordType.contact: (Contact, "contacts", "owner_id"),
    RecordType.account: (Account, "accounts", "account_owner_id"),
    RecordType.deal: (Deal, "deals", "owner_id"),
    RecordType.ticket: (Ticket, "tickets", None),
}
DEFAULT_MEETING = timedelta(minutes=30)


class EngagementService(Service):
    """What reps log: calls, meetings and notes."""

    async def log_call(self, data: CallCreate | dict[str, Any]) -> Call:
        values = parse(CallCreate, data)
        require(self.actor, "activities", "write")
        deal = await self._target(RecordType.deal, values.deal_id, "deal_id", op="read")
        contact = await self._target(RecordType.contact, values.contact_id, "contact_id", op="read")
        lead = await self._target(RecordType.lead, values.lead_id, "lead_id", op="read")
        when = values.call_at or utcnow()
        call = Call(**values.model_dump(exclude={"call_at"}), call_at=when, user_id=self.actor.user_id,
                    account_id=(contact.account_id if contact else None) or (deal.account_id if deal else None))
        if deal is not None and contact is None and deal.primary_contact_id:
            call.contact_id = deal.primary_contact_id
        self.session.add(call)
        await self.flush()
        who = contact.name if contact else lead.name if lead else deal.deal_name  # type: ignore[union-attr]
        await self._touched(when, contact_id=call.contact_id, lead=lead)
        await record_activity(
            self.session, self.actor, type=ActivityType.call, action="logged",
            subject=f"{values.direction.value.capitalize()} call with {who}" + (f": {values.notes}" if values.notes else ""),
            on=[(RecordType.call, call.id), (RecordType.contact, call.contact_id), (RecordType.lead, call.lead_id),
                (RecordType.deal, call.deal_id), (RecordType.account, call.account_id)],
            source=(RecordType.call, call.id),
        )
        return call

    async def schedule_meeting(self, data: MeetingCreate | dict[str, Any]) -> Meeting:
        values = parse(MeetingCreate, data)
        require(self.actor, "activities", "write")
        if not values.contact_ids and not values.user_ids and values.related_id is None:
            raise InvalidInput("contact_ids", "a meeting needs at least one attendee or a related record")
        contacts = [await self._target(RecordType.contact, cid, f"contact_ids.{i}", op="read") for i, cid in enumerate(values.contact_ids)]
        for i, uid in enumerate(values.user_ids):
            await self.ensure_user(uid, f"user_ids.{i}")
        related = None
        if values.related_type is not None:
            related = await self._target(values.related_type, values.related_id, "related_id", op="read")
        meeting = Meeting(
            title=values.title, start_at=values.start_at, end_at=values.end_at or values.start_at + DEFAULT_MEETING,
            location=values.location, description=values.description, organizer_id=self.actor.user_id,
            related_type=values.related_type, related_id=values.related_id,
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
            self.session, self.actor, type=ActivityType.meeting, action="scheduled",
            subject=f"Meeting '{meeting.title}' with {names} on {meeting.start_at:%Y-%m-%d %H:%M %Z}",
            on=refs, source=(RecordType.meeting, meeting.id),
        )
        return meeting

    async def add_note(self, data: NoteCreate | dict[str, Any]) -> Note:
        values = parse(NoteCreate, data)
        require(self.actor, "activities", "write")
        record = await self._target(values.related_type, values.related_id, "related_id", op="read")
        note = Note(body=values.body, related_type=values.related_type, related_id=values.related_id, author_id=self.actor.user_id)
        self.session.add(note)
        await self.flush()
        label = getattr(record, "name", str(values.related_id))
        await record_activity(
            self.session, self.actor, type=ActivityType.note, action="added",
            subject=f"Note on {label}: {values.body[:200]}", on=[(values.related_type, values.related_id), (RecordType.note, note.id)],
            source=(RecordType.note, note.id),
        )
        return note

    async def target_for_read(self, kind: RecordType, record_id: uuid.UUID | None):
        """A record the caller may read, for listing its calls or meetings."""
        return await self._target(kind, record_id, f"{kind}_id", op="read")

    async def _target(self, kind: RecordType, record_id: uuid.UUID | None, field: str, *, op: str = "read"):
        """Load a record an engagement is about, checking the caller may `op` it.

        Logging a call, meeting or note is an append to the record's history, so reading the
        record is enough: a rep logs calls with their teammates' contacts.
        """
        if record_id is None:
            return None
        if kind not in MODELS:
            raise InvalidInput("related_type", f"cannot attach to a {kind}")
        model, area, owner_attr = MODELS[kind]
        record = await self.load(model, record_id, field=field)
        if owner_attr:
            await self.check(area, "read" if op == "read" else "write", getattr(record, owner_attr))
        else:
            require(self.actor, area, "read")
        return record

    async def _touched(self, when: datetime, *, contact_id: uuid.UUID | None, lead: Lead | None) -> None:
        """A logged touch moves `last_contacted` (leads, new -> contacted, rescored) and `last_activity` (contacts)."""
        if lead is not None:
            lead.last_contacted = max(filter(None, [lead.last_contacted, when]))
            if lead.status is LeadStatus.new:
                lead.status = LeadStatus.contacted
        if contact_id is not None:
            contact = await self.session.get(Contact, contact_id)
            if contact is not None:
                contact.last_activity = max(filter(None, [contact.last_activity, when]))
        await self.flush()
        if lead is not None:
            await scoring.rescore(self.session, lead, reason="new engagement logged")

