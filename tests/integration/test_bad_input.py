"""Bad input: each is a typed domain error naming the field, and nothing is half-written."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from store.errors import Conflict, DomainError, InvalidInput, InvalidTransition, NotFound
from store.models import Activity, Contact, Deal, Lead
from store.services import ContactService, DealService, LeadService, TicketService
from tests.support import factories
from tests.support.factories import SYSTEM


async def _counts(db) -> tuple[int, int, int, int]:
    async with db.session() as s:
        return tuple([await s.scalar(select(func.count()).select_from(m)) for m in (Lead, Contact, Deal, Activity)])  # type: ignore[return-value]


CASES = [
    (
        "invalid enum",
        lambda s: LeadService(s, SYSTEM).create(
            {"first_name": "A", "last_name": "B", "email": "a@b.test", "source": "carrier_pigeon"}
        ),
        InvalidInput,
        "source",
    ),
    (
        "negative amount",
        lambda s: DealService(s, SYSTEM).create({"deal_name": "X", "amount": -5}),
        InvalidInput,
        "amount",
    ),
    (
        "probability over 100",
        lambda s: DealService(s, SYSTEM).create({"deal_name": "X", "probability": 140}),
        InvalidInput,
        "probability",
    ),
    (
        "bad email",
        lambda s: ContactService(s, SYSTEM).create({"first_name": "A", "last_name": "B", "email": "not-an-email"}),
        InvalidInput,
        "email",
    ),
    (
        "unknown account",
        lambda s: DealService(s, SYSTEM).create({"deal_name": "X", "account_id": uuid.uuid4()}),
        NotFound,
        "account_id",
    ),
    (
        "unknown field",
        lambda s: DealService(s, SYSTEM).create({"deal_name": "X", "amount_usd": 5}),
        InvalidInput,
        "amount_usd",
    ),
    ("unknown lead", lambda s: LeadService(s, SYSTEM).set_status(uuid.uuid4(), "contacted"), NotFound, "lead_id"),
    ("malformed id", lambda s: DealService(s, SYSTEM).get("deal-42"), NotFound, "deal_id"),
    (
        "created closed",
        lambda s: DealService(s, SYSTEM).create({"deal_name": "X", "stage": "closed_won"}),
        InvalidInput,
        "stage",
    ),
    ("ticket without subject", lambda s: TicketService(s, SYSTEM).create({"subject": ""}), InvalidInput, "subject"),
]


@pytest.mark.parametrize(("label", "call", "error", "field"), CASES, ids=[c[0] for c in CASES])
async def test_bad_input_names_the_field(db, label, call, error, field):
    before = await _counts(db)
    with pytest.raises(error) as err:
        async with db.session() as s:
            await call(s)
    assert err.value.field == field and err.value.reason
    assert await _counts(db) == before


async def test_duplicate_email_rolls_back_the_whole_transaction(db):
    async with db.session() as s:
        await factories.lead(s, email="dana@brightwave.test")
    before = await _counts(db)
    with pytest.raises(Conflict) as err:
        async with db.session() as s:
            await factories.account(s, account_name="Written first")
            await factories.lead(s, email="DANA@brightwave.test")
    assert err.value.field == "email"
    assert await _counts(db) == before


async def test_illegal_transition_changes_nothing(db):
    async with db.session() as s:
        lead = await factories.lead(s)
        await LeadService(s, SYSTEM).set_status(lead.id, "lost", reason="no budget")
    with pytest.raises(InvalidTransition) as err:
        async with db.session() as s:
            await LeadService(s, SYSTEM).set_status(lead.id, "qualified")
    assert err.value.field == "status"
    async with db.session() as s:
        assert (await s.get(Lead, lead.id)).status.value == "lost"


async def test_every_domain_error_serialises_with_its_field(db):
    err = InvalidInput("amount", "must be >= 0")
    assert err.to_dict() == {"code": "invalid", "field": "amount", "reason": "must be >= 0"}
    assert isinstance(err, DomainError) and str(err) == "amount: must be >= 0"
