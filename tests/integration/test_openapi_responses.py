"""The OpenAPI document describes the responses of the main resources: each route names a response schema that lists
the record's fields, and the JSON a client gets keeps its forms (money and ids as strings, redaction leaves keys out).
In-process app over real PostgreSQL."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from assistant.agent import Agent
from bots.http.app import create_app
from bots.http.auth import issue_token
from store.access import redact
from store.auth import actor_for_email
from store.clock import today
from store.models.enums import RecordType, Role
from store.serialize import to_dict
from store.services.campaigns import CampaignService
from store.services.commissions import CommissionService
from store.services.lists import ListService
from store.services.notifications import NotificationService
from store.services.reports import ReportService
from store.services.timeline import TimelineService
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
# Routes of /api/v1 still answering an untyped dict: a new route must name its response type, and one typed since
# must leave this list (the test says so). It only shrinks. (POST /chat and /widget/messages are documented as their
# event stream; their JSON answer is not described yet.)
NOT_YET_TYPED = {
    "GET /api/v1/accounts/{account_id}/consolidated", "GET /api/v1/accounts/{account_id}/health",
    "GET /api/v1/accounts/{account_id}/team",
    "GET /api/v1/commissions/statement",
    "GET /api/v1/handoffs", "GET /api/v1/inbox/conversations",
    "GET /api/v1/inbox/conversations/{conversation_id}", "GET /api/v1/inbox/conversations/{conversation_id}/suggestion",
    "GET /api/v1/inbox/inboxes",
    "POST /api/v1/chat/{conversation_id}/approvals/{approval_id}",
    "POST /api/v1/inbox/conversations/{conversation_id}/assign",
    "POST /api/v1/inbox/conversations/{conversation_id}/claim", "POST /api/v1/inbox/conversations/{conversation_id}/notes",
    "POST /api/v1/inbox/conversations/{conversation_id}/presence", "POST /api/v1/inbox/conversations/{conversation_id}/reply",
    "POST /api/v1/inbox/conversations/{conversation_id}/status", "POST /api/v1/inbox/{inbox}/inbound",
    "PUT /api/v1/accounts/{account_id}/team/{user_id}",
}


@pytest.fixture
async def app(db):
    return create_app(db, settings=Settings(), agent=Agent(db, ScriptedModel(say("hi"))))


def _schema(spec: dict, operation: dict) -> dict:
    responses = operation["responses"]
    ok = responses.get("200") or responses.get("201") or responses.get("202")
    schema = ok["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _json_routes(spec: dict) -> dict[str, dict]:
    """Every /api/v1 operation answering JSON: "METHOD /path" -> its success schema."""
    found = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ok = [r for code, r in operation.get("responses", {}).items() if code.startswith("2")]
            if path.startswith("/api/v1/") and ok and "application/json" in (ok[0].get("content") or {}):
                found[f"{method.upper()} {path}"] = _schema(spec, operation)
    return found


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


async def test_every_json_route_names_its_response_type(app):
    async with AsyncTestClient(app) as client:
        spec = (await client.get("/schema/openapi.json")).json()
    routes = _json_routes(spec)
    untyped = {route for route, schema in routes.items() if not schema.get("properties") and schema.get("type") != "string"}  # not a file
    assert not untyped - NOT_YET_TYPED, f"routes without a response type (return a msgspec struct): {sorted(untyped - NOT_YET_TYPED)}"
    assert not NOT_YET_TYPED - untyped, f"typed now or gone: take them off NOT_YET_TYPED: {sorted(NOT_YET_TYPED - untyped)}"
    for route in ("GET /api/v1/campaigns/{campaign_id}", "GET /api/v1/lists", "GET /api/v1/contacts/{contact_id}/timeline",
                  "GET /api/v1/reports/{metric}"):
        assert routes[route]["properties"], route
    detail = routes["GET /api/v1/campaigns/{campaign_id}"]["properties"]
    assert {"id", "name", "budget", "metrics"} <= set(detail)


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


async def test_typed_lists_campaigns_timeline_reports_plans_and_notifications_send_the_bytes_of_the_dicts_they_replaced(app, db):
    async with db.session() as s:
        boss = await factories.user(s, role=Role.manager, team="East", name="Maria", email="maria@nexa.test")
        ann = await factories.contact(s, first_name="Ann", email="ann@big.test", owner_id=boss.id)
        await factories.deal(s, deal_name="Big - Plan", amount=5000, owner_id=boss.id)
        token = await issue_token(s, boss)
    headers = {"Authorization": f"Bearer {token}"}
    async with AsyncTestClient(app) as client:
        made = (await client.post("/api/v1/lists", json={"name": "Static"}, headers=headers)).json()
        assert (await client.post(f"/api/v1/lists/{made['id']}/members", json={"contact_ids": [str(ann.id)]}, headers=headers)).json() == {"added": 1}
        campaign = (await client.post("/api/v1/campaigns", json={"name": "Q4", "type": "email", "actual_cost": "100"}, headers=headers)).json()
        await client.post(f"/api/v1/campaigns/{campaign['id']}/members", json={"contact_ids": [str(ann.id)]}, headers=headers)
        plan = await client.post("/api/v1/commissions/plans", json={"name": "East 10%", "rate": 0.1, "team": "East"}, headers=headers)
        assert plan.status_code == 201 and plan.json()["rate"] == "0.10", plan.text
        got = {path: (await client.get("/api/v1" + path, headers=headers)).content for path in (
            "/commissions/plans", "/notifications",
            f"/campaigns/{campaign['id']}", "/campaigns", f"/campaigns/{campaign['id']}/members", "/lists", f"/lists/{made['id']}",
            f"/contacts/{ann.id}/timeline", "/reports/win_rate?group_by=rep")}
    async with db.session() as s:  # what the handlers returned before, as plain dicts
        actor = await actor_for_email(s, "maria@nexa.test")
        campaigns, lists = CampaignService(s, actor), ListService(s, actor)
        found, static = await campaigns.get(campaign["id"]), await lists.get(made["id"])
        members, total = await campaigns.members(found.id)
        static_out = to_dict(static) | {"kind": "static", "members": 1}
        report = await ReportService(s, actor).run("win_rate", start=date(today().year, 1, 1), end=date(today().year, 12, 31), group_by="rep")
        notes, unread = await NotificationService(s, actor).mine(unread_only=False, limit=50)
        before = {
            "/commissions/plans": {"items": [to_dict(p) for p in await CommissionService(s, actor).plans()]},
            "/notifications": {"unread": unread, "items": [to_dict(n) for n in notes]},
            f"/campaigns/{campaign['id']}": to_dict(found) | {"metrics": (await campaigns.metrics(found.id)).to_dict()},
            "/campaigns": {"total": 1, "items": [to_dict(found)]},
            f"/campaigns/{campaign['id']}/members": {"total": total, "items": members},
            "/lists": {"total": 1, "items": [static_out]},
            f"/lists/{made['id']}": static_out,
            f"/contacts/{ann.id}/timeline": {"items": await TimelineService(s, actor).entries(RecordType.contact, ann.id)},
            "/reports/win_rate?group_by=rep": redact(actor, report.to_dict()),
        }
    for path, body in before.items():
        assert got[path] == msgspec.json.encode(body), path


async def test_widget_handoff_and_csat_bodies_are_typed_and_a_bad_one_is_a_400_naming_the_field(app):
    async with AsyncTestClient(app) as client:
        spec = (await client.get("/schema/openapi.json")).json()
        token = (await client.post("/api/v1/widget/session")).json()["session"]
        headers = {"X-Nexa-Session": token}
        bad = {"/handoff": [({"email": "a@b.test"}, "consent"), ({"email": "a@b.test", "consent": "maybe"}, "consent"),
                            ({"email": "nope", "consent": True}, "email"), ({"email": "a@b.test", "consent": True, "phone": "1"}, "phone"),
                            ({"email": "a@b.test", "consent": True, "reason": "x" * 2001}, "reason")],
               "/csat": [({}, "rating"), ({"rating": 0}, "rating"), ({"rating": "five"}, "rating"),
                         ({"rating": 5, "comment": "x" * 2001}, "comment"), ({"rating": 5, "stars": 5}, "stars")]}
        for path, cases in bad.items():
            for body, field in cases:
                refused = await client.post(f"/api/v1/widget{path}", json=body, headers=headers)
                assert (refused.status_code, refused.json()["field"]) == (400, field), (path, body, refused.text)
                assert refused.json()["detail"].startswith(f"{field}: "), refused.text
        no_conversation = await client.post("/api/v1/widget/csat", json={"rating": 5}, headers=headers)
        assert (no_conversation.status_code, no_conversation.json()["field"]) == (400, "conversation")
    for path, fields in (("/api/v1/widget/handoff", {"email", "consent", "reason"}), ("/api/v1/widget/csat", {"rating", "comment"})):
        body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert set(spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["properties"]) == fields, path

