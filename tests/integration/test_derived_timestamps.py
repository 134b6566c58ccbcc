"""Derived "last touched" timestamps stay readable whatever time a touch claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from store.clock import pinned
from store.errors import InvalidInput
from store.services import ContactService, LeadService
from store.services.engagements import EngagementService
from store.services.touch import FLOOR, touched
from tests.support import factories
from tests.support.factories import SYSTEM

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
OUTSIDE = [  # refused at the edge (store.schemas.Instant): nothing is written
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),  # year 0 once in UTC
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),  # year 10000 once in UTC
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    datetime(1899, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2200, 1, 1, 0, 1, tzinfo=UTC),
]
INSIDE = [  # accepted, but the derived timestamps never move past now
    datetime(1900, 1, 1, 0, 1, tzinfo=UTC),
    datetime(2199, 12, 31, 23, 0, tzinfo=UTC),
    NOW + timedelta(minutes=1),
]


async def _log_calls(db, when) -> tuple:
    async with db.session() as s:
        contact = await factories.contact(s)
        lead = await factories.lead(s)
        await s.commit()
    async with db.session() as s:
        await EngagementService(s, SYSTEM).log_call({"contact_id": contact.id, "call_at": when})
        await EngagementService(s, SYSTEM).log_call({"lead_id": lead.id, "call_at": when})
        await s.commit()
    return contact, lead


async def _assert_readable(db, contact_id) -> None:
    async with db.session() as s:  # a fresh session reads the stored values back through psycopg
        rows, total = await ContactService(s, SYSTEM).search()
        assert total == 1 and _within(rows[0].last_activity)
        assert _within((await ContactService(s, SYSTEM).get(contact_id)).last_activity)
        leads, _ = await LeadService(s, SYSTEM).search()
        assert _within(leads[0].last_contacted)


def _within(value: datetime | None) -> bool:
    return value is None or FLOOR <= value <= NOW


@pytest.mark.parametrize("when", INSIDE, ids=str)
async def test_a_call_at_an_extreme_time_leaves_contacts_and_leads_readable(db, when):
    with pinned(NOW):
        contact, _ = await _log_calls(db, when)
        await _assert_readable(db, contact.id)


@pytest.mark.parametrize("when", OUTSIDE, ids=str)
async def test_a_call_outside_the_window_is_refused_and_writes_nothing(db, when):
    with pinned(NOW):
        async with db.session() as s:
            contact = await factories.contact(s)
            await s.commit()
        with pytest.raises(InvalidInput) as err:
            async with db.session() as s:
                await EngagementService(s, SYSTEM).log_call({"contact_id": contact.id, "call_at": when})
        assert err.value.field == "call_at"
        async with db.session() as s:
            assert (await ContactService(s, SYSTEM).get(contact.id)).last_activity is None


def test_a_touch_moves_forward_only_within_the_window():
    with pinned(NOW):
        earlier = NOW - timedelta(days=3)
        assert touched(None, earlier) == earlier
        assert touched(earlier, earlier - timedelta(days=1)) == earlier  # never backwards
        assert touched(earlier, NOW + timedelta(days=400)) == NOW  # never past now
        assert touched(None, FLOOR - timedelta(seconds=1)) is None  # never before 1900
        assert touched(earlier, datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))) == earlier
        assert touched(None, datetime(2026, 6, 10, 8, 0)) == datetime(2026, 6, 10, 8, 0, tzinfo=UTC)  # naive means UTC
