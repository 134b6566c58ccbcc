"""The HTTP API through a real client against a running `nexa serve` on real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

import store.clock
from bots.http.auth import issue_token
from store.models import Deal, Lead, Ticket
from store.models.enums import Role, Seniority
from tests.support import factories

pytestmark = pytest.mark.server("plain")


@pytest.fixture(scope="module")
def base(shared_server):
    return shared_server


@pytest.fixture
async def people(db):
    """Tokens for a senior rep, a rep of another team, a manager and a support agent."""
    tokens = {}
    async with db.session() as s:
        for key, role, team in (
            ("john", Role.rep, "Enterprise"),
            ("carl", Role.rep, "Mid-Market"),
            ("maria", Role.manager, "Enterprise"),
            ("sam", Role.support, "Support"),
        ):
            user = await factories.user(
                s, name=key.title(), email=f"{key}@nexa.test", role=role, team=team, seniority=Seniority.senior
            )
            tokens[key] = await issue_token(s, user)
    return tokens


def client(base: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=60)


def problem(response: httpx.Response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if field is not None:
        assert body["field"] == field, body
    return body


def test_health_ready_and_openapi(base):
    assert httpx.get(f"{base}/health").json() == {"status": "ok"}
    assert httpx.get(f"{base}/ready").json() == {"status": "ready"}
    spec = httpx.get(f"{base}/schema/openapi.json").json()
    assert {
        "/api/v1/leads",
        "/api/v1/leads/{record_id}",
        "/api/v1/chat",
        "/api/v1/pipeline",
        "/api/v1/deals/{deal_id}/stage",
    } <= set(spec["paths"])
    assert "LeadCreate" in json.dumps(spec["components"])


async def test_missing_wrong_and_insufficient_tokens(base, people):
    problem(client(base).get("/leads"), 401)
    problem(client(base, "nexa_not-a-token").get("/leads"), 401)
    body = problem(
        client(base, people["sam"]).post(
            "/leads", json={"first_name": "A", "last_name": "B", "email": "a@b.test", "source": "website"}
        ),
        403,
        "leads",
    )
    assert "support" in body["detail"]


async def test_lead_crud_convert_and_a_deal_through_its_stages(base, people, db):
    john = client(base, people["john"])
    created = john.post(
        "/leads",
        json={
            "first_name": "Dana",
            "last_name": "Whitfield",
            "email": "dana@brightwave.io",
            "company": "Brightwave",
            "source": "referral",
            "title": "CTO",
        },
    )
    assert created.status_code == 201, created.text
    lead = created.json()
    assert lead["status"] == "new" and lead["score"] == 64 and lead["name"] == "Dana Whitfield"
    assert john.get(f"/leads/{lead['id']}").json()["email"] == "dana@brightwave.io"
    listed = john.get("/leads", params={"q": "brightwave", "limit": 5}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == lead["id"]
    patched = john.patch(f"/leads/{lead['id']}", json={"title": "Chief Technology Officer"}).json()
    assert patched["title"] == "Chief Technology Officer" and patched["company"] == "Brightwave"
    problem(john.post(f"/leads/{lead['id']}/convert", json={"amount": 35000}), 409, "status")  # not qualified yet
    bant = {"budget": "35k", "authority": "Dana signs", "need": "unknown", "timeline": "this quarter"}
    assert (
        john.post(f"/leads/{lead['id']}/status", json={"status": "qualified", "bant": bant}).json()["bant_need"]
        == "unknown"
    )
    converted = john.post(
        f"/leads/{lead['id']}/convert",
        json={"amount": 35000, "close_date": str(store.clock.today() + timedelta(days=60))},
    )
    assert converted.status_code == 201, converted.text
    done = converted.json()
    assert (
        done["lead"]["status"] == "converted"
        and done["account"]["account_name"] == "Brightwave"
        and done["deal"]["amount"] == "35000.00"
    )
    problem(john.post(f"/leads/{lead['id']}/convert", json={}), 409, "status")
    deal_id = done["deal"]["id"]
    assert john.post(f"/deals/{deal_id}/stage", json={"stage": "proposal"}).json()["stage"] == "proposal"
    problem(john.post(f"/deals/{deal_id}/stage", json={"stage": "closed_lost"}), 400, "lost_reason")
    won = john.post(f"/deals/{deal_id}/stage", json={"stage": "closed_won"}).json()
    assert won["stage"] == "closed_won" and won["probability"] == 100
    timeline = john.get(f"/contacts/{done['contact']['id']}/timeline").json()["items"]
    assert any("converted" in entry["subject"] for entry in timeline)


async def test_every_record_type_lists_gets_creates_and_patches(base, people, db):
    john = client(base, people["john"])
    account = john.post("/accounts", json={"account_name": "Globex", "industry": "Software"}).json()
    assert john.patch(f"/accounts/{account['id']}", json={"industry": "Retail"}).json()["industry"] == "Retail"
    contact = john.post(
        "/contacts",
        json={"first_name": "Sarah", "last_name": "Connor", "email": "sarah@globex.test", "account_id": account["id"]},
    ).json()
    assert john.get("/contacts", params={"account_id": account["id"]}).json()["total"] == 1
    assert john.patch(f"/contacts/{contact['id']}", json={"title": "CTO"}).json()["title"] == "CTO"
    deal = john.post(
        "/deals",
        json={
            "deal_name": "Globex Upgrade",
            "amount": 28000,
            "account_id": account["id"],
            "primary_contact_id": contact["id"],
        },
    ).json()
    assert john.get("/deals", params={"q": "upgrade", "open_only": "true"}).json()["items"][0]["id"] == deal["id"]
    assert john.patch(f"/deals/{deal['id']}", json={"amount": 30000}).json()["weighted_value"] == "7500.00"
    ticket = john.post(
        "/tickets", json={"subject": "Sync fails", "priority": "high", "requester_contact_id": contact["id"]}
    ).json()
    assert ticket["number"] >= 1001 and ticket["account_id"] == account["id"]
    assert john.patch(f"/tickets/{ticket['id']}", json={"status": "pending"}).json()["status"] == "pending"
    assert john.get("/tickets", params={"priority": "high", "open_only": "true"}).json()["total"] == 1
    task = john.post("/tasks", json={"title": "Send specs", "due_date": str(store.clock.today())}).json()
    assert john.patch(f"/tasks/{task['id']}", json={"status": "done"}).json()["completed_at"] is not None
    assert john.get("/tasks", params={"status": "done"}).json()["total"] == 1
    call = john.post("/calls", json={"contact_id": contact["id"], "notes": "wants a demo", "duration": 600}).json()
    assert john.get(f"/calls/{call['id']}").json()["notes"] == "wants a demo"
    assert john.get("/calls", params={"contact_id": contact["id"]}).json()["total"] == 1
    start = "2030-01-02T10:00:00+00:00"
    meeting = john.post("/meetings", json={"title": "Demo", "start_at": start, "contact_ids": [contact["id"]]}).json()
    assert john.get(f"/meetings/{meeting['id']}").json()["title"] == "Demo"
    assert john.get("/meetings", params={"start": "2030-01-01T00:00:00+00:00"}).json()["total"] == 1
    note = john.post("/notes", json={"related_type": "deal", "related_id": deal["id"], "body": "renewal in Q3"}).json()
    assert (
        john.get("/notes", params={"related_type": "deal", "related_id": deal["id"]}).json()["items"][0]["id"]
        == note["id"]
    )
    assert john.delete(f"/tasks/{task['id']}").status_code == 204
    problem(john.get(f"/tasks/{task['id']}"), 404, "task_id")
    pipeline = john.get("/pipeline").json()
    assert {row["key"]: row["count"] for row in pipeline["rows"]}["qualification"] == 1


async def test_rights_follow_the_caller(base, people, db):
    john, carl, maria = (client(base, people[k]) for k in ("john", "carl", "maria"))
    lead = john.post(
        "/leads", json={"first_name": "Ann", "last_name": "Lee", "email": "ann@lee.test", "source": "website"}
    ).json()
    problem(carl.get(f"/leads/{lead['id']}"), 403, "leads")
    problem(carl.patch(f"/leads/{lead['id']}", json={"title": "CEO"}), 403, "leads")
    assert maria.get(f"/leads/{lead['id']}").status_code == 200  # the same team's manager
    assert carl.get("/leads").json()["total"] == 0


async def test_bad_input_is_refused_whole_and_names_the_field(base, people, db):
    john = client(base, people["john"])
    problem(john.post("/leads", content=b"{not json", headers={"content-type": "application/json"}), 400, "body")
    problem(john.post("/deals", json={"deal_name": "X", "amount": "lots"}), 400, "amount")
    problem(
        john.post("/leads", json={"first_name": "A", "last_name": "B", "email": "nope", "source": "website"}),
        400,
        "email",
    )
    problem(
        john.post(
            "/leads",
            json={"first_name": "A", "last_name": "B", "email": "a@b.test", "source": "website", "colour": "red"},
        ),
        400,
        "colour",
    )
    problem(john.get("/leads", params={"limit": "many"}), 400, "limit")
    problem(john.get("/leads/00000000-0000-0000-0000-000000000000"), 404, "lead_id")
    problem(john.get("/leads/not-a-uuid"), 404)
    problem(john.post("/chat", json={"message": "x" * 5000}), 413, "message")
    problem(
        john.post("/chat", json={"message": "hi", "conversation_id": "00000000-0000-0000-0000-000000000000"}),
        404,
        "conversation_id",
    )
    problem(john.post("/leads", content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"}), 413)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Lead)) == 0
        assert await s.scalar(select(func.count()).select_from(Deal)) == 0


def _sse(response: httpx.Response) -> list[tuple[str, dict]]:
    events, kind = [], None
    for line in response.iter_lines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and kind:
            events.append((kind, json.loads(line.split(":", 1)[1])))
    return events


async def test_chat_in_json_and_sse_with_an_approval(base, people, db):
    john = client(base, people["john"])
    deal = john.post("/deals", json={"deal_name": "Acme Corp - Enterprise Plan", "amount": 50000}).json()
    answer = john.post("/chat", json={"message": "what's my pipeline?"}).json()
    assert "qualification" in answer["answer"].lower() and answer["tool_calls"][0]["name"] == "pipeline_summary"
    with john.stream(
        "POST",
        "/chat",
        json={"message": "move Acme Enterprise Plan to proposal"},
        headers={"Accept": "text/event-stream"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream"), response.read()
        events = _sse(response)
    kinds = [k for k, _ in events]
    assert "tool" in kinds and "approval" in kinds and kinds[-1] == "final"
    final = events[-1][1]
    (pending,) = final["pending"]
    assert "proposal" in pending["summary"]
    url = f"/chat/{final['conversation_id']}/approvals/{pending['id']}"
    problem(client(base, people["carl"]).post(url, json={"approve": True}), 404, "conversation_id")
    done = john.post(url, json={"approve": True}).json()
    assert done["answer"].startswith("Done")
    assert john.post(url, json={"approve": True}).json()["answer"].startswith("Already decided")
    assert john.get(f"/deals/{deal['id']}").json()["stage"] == "proposal"
    problem(john.post(url, json={"approve": "maybe"}), 400, "approve")


async def test_the_knowledge_base_over_http(base, people, db):
    from store.embeddings import default_embedder
    from store.knowledge import ingest, read_paths
    from tests.support.paths import DATA

    async with db.session() as s:
        await ingest(s, list(read_paths([str(DATA / "kb")])), default_embedder())
    john = client(base, people["john"])
    articles = john.get("/kb/articles").json()
    assert articles["total"] >= 3 and {"id", "title", "visibility"} <= set(articles["items"][0])
    hits = john.get("/kb/search", params={"q": "reset my password"}).json()["items"]
    assert hits and "password" in hits[0]["title"].lower()
    page = httpx.get(f"{base}/kb/articles/{hits[0]['article_id']}")
    assert page.status_code == 200 and hits[0]["title"] in page.text


async def test_support_tickets_and_sentiment_filter(base, people, db):
    sam = client(base, people["sam"])
    ticket = sam.post(
        "/tickets", json={"subject": "Invoice wrong", "description": "I am very angry, the invoice is wrong again!"}
    ).json()
    async with db.session() as s:
        row = await s.get(Ticket, uuid.UUID(ticket["id"]))
        row.sentiment, row.intent = "negative", "billing"
    assert sam.get("/tickets", params={"sentiment": "negative"}).json()["items"][0]["id"] == ticket["id"]
    assert sam.get("/tickets", params={"sentiment": "positive"}).json()["total"] == 0


async def test_api_writes_are_audited(base, people, db):
    john = client(base, people["john"])
    lead = john.post(
        "/leads", json={"first_name": "Ann", "last_name": "Lee", "email": "ann@lee.test", "source": "website"}
    ).json()
    john.patch(f"/leads/{lead['id']}", json={"title": "CEO"})
    trail = john.get("/audit", params={"record_id": lead["id"]}).json()["items"]
    assert [(e["action"], e["channel"], e["status"]) for e in trail] == [
        ("api:leads.update", "api", "ok"),
        ("api:leads.create", "api", "ok"),
    ]
    assert client(base, people["carl"]).get("/audit").json()["items"] == []


async def test_idempotency_keys_replay_the_first_response(base, people, db):
    john = client(base, people["john"])
    body = {"first_name": "Ivy", "last_name": "Key", "email": "ivy@key.test", "source": "event"}
    first = john.post("/leads", json=body, headers={"Idempotency-Key": "lead-ivy-1"})
    again = john.post("/leads", json=body, headers={"Idempotency-Key": "lead-ivy-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    other = john.post("/leads", json=body | {"last_name": "Other"}, headers={"Idempotency-Key": "lead-ivy-1"})
    problem(other, 409, "Idempotency-Key")
    carl = client(base, people["carl"]).post(
        "/leads", json=body | {"email": "ivy2@key.test"}, headers={"Idempotency-Key": "lead-ivy-1"}
    )
    assert carl.status_code == 201  # keys are per caller
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Lead).where(Lead.first_name == "Ivy")) == 2
    task = {"title": "Call Ivy"}
    codes = [john.post("/tasks", json=task, headers={"Idempotency-Key": "task-1"}).status_code for _ in range(3)]
    assert codes == [201, 201, 201] and john.get("/tasks").json()["total"] == 1


async def test_support_reads_deals_without_their_economics(base, people, db):
    john, sam = client(base, people["john"]), client(base, people["sam"])
    deal = john.post("/deals", json={"deal_name": "Acme Plan", "amount": 50000}).json()
    seen = sam.get(f"/deals/{deal['id']}").json()
    assert seen["deal_name"] == "Acme Plan" and "amount" not in seen and "weighted_value" not in seen
    assert "amount" not in sam.get("/deals").json()["items"][0]
    assert john.get(f"/deals/{deal['id']}").json()["amount"] == "50000.00"


async def test_nul_characters_and_huge_numbers_are_refused_by_name(base, people, db):
    john = client(base, people["john"])
    problem(
        john.post(
            "/leads", json={"first_name": "\u0000", "last_name": "B", "email": "nul@x.test", "source": "website"}
        ),
        400,
        "body",
    )
    problem(john.get("/leads", params={"q": "\u0000"}), 400, "query")
    problem(john.get("/leads", params={"offset": 2**63}), 400, "offset")
    problem(john.get("/audit", params={"limit": -1}), 400, "limit")
    problem(john.post("/accounts", json={"account_name": "Big", "employees": 2**40}), 400, "employees")
    reply = john.post("/chat", json={"message": "remind me to call Peter in 9999999999 days"})
    assert reply.status_code == 200, reply.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Lead)) == 0
