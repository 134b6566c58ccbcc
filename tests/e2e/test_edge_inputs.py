"""Malformed input at the edge is a 400 naming the field, never a 500 (issue 12, items 2 and 10), over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from bots.http.auth import issue_token
from store.errors import InvalidInput
from store.models import Call, Deal, Meeting, Task
from tests.support import factories
from tools import TOOLSET

pytestmark = pytest.mark.server("plain")


@pytest.fixture(scope="module")
def base(shared_server):
    return shared_server


@pytest.fixture
async def john(db, base):
    async with db.session() as s:
        user = await factories.user(s, name="John", email="john@nexa.test")
        token = await issue_token(s, user)
        contact = await factories.contact(
            s, first_name="Tom", last_name="Smith", email="tom@acme.test", owner_id=user.id
        )
    client = httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return client, str(contact.id)


def refused(response: httpx.Response, field: str, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["field"] == field, body
    return body


OUT_OF_WINDOW = [
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:00:00-05:00",
    "9999-12-31T23:45:00+00:00",
    "1899-12-31T23:59:59+00:00",
    "1900-01-01T00:30:00+01:00",
    "2200-01-01T00:00:00+00:00",
    "2199-12-31T23:00:00-05:00",
]


@pytest.mark.parametrize("value", OUT_OF_WINDOW)
async def test_datetimes_outside_the_window_are_refused_naming_the_field(john, db, value):
    client, contact = john
    refused(client.post("/calls", json={"contact_id": contact, "call_at": value}), "call_at")
    refused(client.post("/meetings", json={"title": "Demo", "start_at": value, "contact_ids": [contact]}), "start_at")
    refused(
        client.post("/meetings", json={"title": "Demo", "start_at": "2030-01-02T10:00:00+00:00", "end_at": value}),
        "end_at",
    )
    refused(client.get("/meetings", params={"start": value}), "start")
    refused(client.get("/meetings", params={"end": value}), "end")
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Call)) == 0
        assert await s.scalar(select(func.count()).select_from(Meeting)) == 0
    assert client.get("/contacts").status_code == 200 and client.get(f"/contacts/{contact}").status_code == 200
    assert client.get("/calls", params={"contact_id": contact}).status_code == 200


async def test_inside_the_window_is_normalised_to_utc_and_a_zone_is_required(john):
    client, contact = john
    call = client.post("/calls", json={"contact_id": contact, "call_at": "1900-01-01T10:00:00+09:00"})
    assert call.status_code == 201 and call.json()["call_at"].startswith("1900-01-01T01:00:00"), call.text
    refused(client.post("/calls", json={"contact_id": contact, "call_at": "2030-01-02T10:00:00"}), "call_at")
    assert (
        client.post("/calls", json={"contact_id": contact, "call_at": "1900-01-01T00:00:00+00:00"}).status_code == 201
    )
    assert client.get("/meetings", params={"start": "2199-12-31T12:00:00+00:00"}).status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
async def test_dates_outside_the_window_are_refused_naming_the_field(john, db, value):
    client, _ = john
    refused(client.post("/tasks", json={"title": "x", "due_date": value}), "due_date")
    refused(client.post("/deals", json={"deal_name": "x", "close_date": value}), "close_date")
    refused(client.get("/pipeline", params={"close_from": value}), "close_from")
    deal = client.post("/deals", json={"deal_name": "Acme"}).json()
    refused(client.patch(f"/deals/{deal['id']}", json={"close_date": value}), "close_date")
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Task)) == 0


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("schedule_meeting", {"title": "Demo", "start_at": "9999-12-31T23:45:00+00:00"}, "start_at"),
        ("schedule_meeting", {"title": "Demo", "start_at": "0001-01-01T00:00:00+14:00"}, "start_at"),
        (
            "schedule_meeting",
            {"title": "Demo", "start_at": "2199-12-31T23:00:00+00:00", "duration_minutes": 10**12},
            "duration_minutes",
        ),
        ("create_task", {"title": "x", "due_date": "0001-01-01"}, "due_date"),
        ("create_deal", {"deal_name": "x", "amount": 1, "close_date": "9999-12-31"}, "close_date"),
    ],
)
def test_tool_arguments_use_the_same_window(tool, arguments, field):
    with pytest.raises(InvalidInput) as refused_:
        TOOLSET.get(tool).parse(arguments)
    assert refused_.value.field == field


async def test_line_items_that_overflow_the_money_columns_are_refused_by_name(john, db):
    client, _ = john
    product = "00000000-0000-0000-0000-000000000001"
    big = {"product_id": product, "quantity": 1_000_000, "unit_price": "999999999999.99"}
    refused(client.post("/deals", json={"deal_name": "Huge", "line_items": [big]}), "line_items.0.quantity")
    half = {"product_id": product, "quantity": 1, "unit_price": "600000000000.00"}
    refused(client.post("/deals", json={"deal_name": "Huge", "line_items": [half, half]}), "line_items")
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Deal)) == 0


@pytest.mark.parametrize("depth", [33, 1000, 5000])
async def test_deeply_nested_json_is_refused_on_every_route(john, base, depth):
    client, _ = john
    nested = b'{"first_name": ' + b"[" * depth + b"]" * depth + b"}"
    headers = {"Content-Type": "application/json"}
    refused(client.post("/leads", content=nested, headers=headers), "body")
    refused(
        client.post(
            "/chat",
            content=b'{"message": "hi", "x": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}",
            headers=headers,
        ),
        "body",
    )
    for path in ("/api/v1/widget/session", "/api/v1/widget/handoff", "/api/v1/widget/messages"):
        refused(httpx.post(f"{base}{path}", content=nested, headers=headers | {"X-Nexa-Session": "s" * 32}), "body")


async def test_ordinary_nesting_still_passes(john):
    client, _ = john
    account = client.post(
        "/accounts", json={"account_name": "Nested", "billing_address": {"lines": [["a", {"b": [1]}]]}}
    )
    assert account.status_code == 201, account.text
