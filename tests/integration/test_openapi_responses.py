"""The OpenAPI document describes the responses of the main resources: each route names a response schema that lists
the record's fields, and the JSON a client gets keeps its forms (money and ids as strings, redaction leaves keys out).
In-process app over real PostgreSQL."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.models.enums import Role
from store.settings import Settings
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, say

RECORDS = ["leads", "contacts", "accounts", "deals", "tickets", "tasks", "calls", "meetings", "notes", "products"]
ROUTES = [(f"/api/v1/{r}", "get") for r in RECORDS] + [(f"/api/v1/{r}/{{record_id}}", "get") for r in RECORDS] + [
    (f"/api/v1/{r}", "post") for r in RECORDS] + [
    ("/api/v1/leads/{lead_id}/convert", "post"), ("/api/v1/leads/{lead_id}/status", "post"), ("/api/v1/deals/{deal_id}/stage", "post"),
    ("/api/v1/pipeline", "get"), ("/api/v1/kb/search", "get"), ("/api/v1/kb/articles", "get"),
    ("/api/v1/deals/{deal_id}/quotes", "get"), ("/api/v1/quotes/{quote_id}", "get"),
]


@pytest.fixture
async def app(db):
    return create_app(db, settings=Settings(), agent=Agent(db, ScriptedModel(say("hi"))))


def _schema(spec: dict, operation: dict) -> dict:
    responses = operation["responses"]
    ok = responses.get("200") or responses.get("201")
    schema = ok["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


async def test_every_main_route_documents_its_response_fields(app):
    async with AsyncTestClient(app) as client:
        spec = (await client.get("/schema/openapi.json")).json()
    missing = []
    for path, method in ROUTES:
        schema = _schema(spec, spec["paths"][path][method])
        if not schema.get("properties"):
            missing.append(f"{method.upper()} {path}")
    assert not missing, f"no response fields documented: {missing}"
    deal = _schema(spec, spec["paths"]["/api/v1/deals/{record_id}"]["get"])
    assert {"id", "deal_name", "amount", "currency", "stage", "name"} <= set(deal["properties"]) and "amount" not in deal.get("required", [])
    page = _schema(spec, spec["paths"]["/api/v1/leads"]["get"])
    assert {"total", "limit", "offset", "items"} <= set(page["properties"])


async def test_typed_responses_keep_the_json_forms_and_redaction(app, db):
    async with db.session() as s:
        john = await factories.user(s, name="John", email="john@nexa.test", team="Enterprise")
        sam = await factories.user(s, name="Sam", email="sam@nexa.test", role=Role.support, team="Support")
        deal = await factories.deal(s, deal_name="Acme - Plan", amount=3000, owner_id=john.id)
        tokens = {"john": await issue_token(s, john), "sam": await issue_token(s, sam)}
    async with AsyncTestClient(app) as client:
        got = (await client.get(f"/api/v1/deals/{deal.id}", headers={"Authorization": f"Bearer {tokens['john']}"})).json()
        assert got["id"] == str(deal.id) and got["amount"] == "3000.00" and got["name"] == "Acme - Plan"
        assert list(got)[-1] == "name" and got["close_date"] is None or isinstance(got["close_date"], str)
        listed = (await client.get("/api/v1/deals", headers={"Authorization": f"Bearer {tokens['john']}"})).json()
        assert listed["total"] == 1 and listed["items"] == [got]
        ticket = await client.post("/api/v1/tickets", json={"subject": "Broken"}, headers={"Authorization": f"Bearer {tokens['sam']}"})
        assert ticket.status_code == 201, ticket.text
        assert ticket.json()["subject"] == "Broken" and isinstance(ticket.json()["number"], int)
