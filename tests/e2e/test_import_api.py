"""CSV import over the API (multipart upload, progress, report), CSV export with the caller's rights, the CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time

import httpx
import pytest

from bots.http.auth import issue_token
from store.models.enums import Role
from tests.support import factories
from tests.support.cli import nexa
from tests.support.paths import DATA

pytestmark = pytest.mark.server("plain")

IMPORTS = DATA / "imports"


@pytest.fixture(scope="module")
def base(shared_server):
    return shared_server


@pytest.fixture
async def tokens(db):
    out = {}
    async with db.session() as s:
        for key, name, role, team in (
            ("john", "John Smith", Role.rep, "Sales East"),
            ("maria", "Maria Garcia", Role.manager, "Sales East"),
            ("sam", "Sam Support", Role.support, "Support"),
            ("admin", "Ada Admin", Role.admin, None),
        ):
            user = await factories.user(s, name=name, email=f"{key}@nexa.test", role=role, team=team)
            out[key] = await issue_token(s, user)
    return out


def api(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def upload(client: httpx.Client, resource: str, name: str, content: bytes | None = None, **form) -> dict:
    files = {"file": (name, content if content is not None else (IMPORTS / name).read_bytes(), "text/csv")}
    started = client.post("/imports", data={"resource": resource, **form}, files=files)
    assert started.status_code == 202, started.text
    job = started.json()
    deadline = time.monotonic() + 120
    while job["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = client.get(f"/imports/{job['id']}").json()
    return job


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_upload_polls_to_a_report_and_only_its_owner_sees_it(base, tokens):
    with api(base, tokens["admin"]) as admin:
        job = upload(admin, "contacts", "hubspot_contacts.csv", preset="hubspot", create_accounts="true")
        assert job["status"] == "done" and job["rows_done"] == 7
        report = job["report"]
        assert (report["created"], report["failed"]) == (4, 3)
        assert {(e["row"], e["column"]) for e in report["errors"]} == {
            (5, "Email"),
            (6, "Contact owner"),
            (7, "Last Name"),
        }
        dry = upload(
            admin,
            "deals",
            "salesforce_opportunities.csv",
            preset="salesforce",
            create_accounts="true",
            dry_run="true",
            map=["Opportunity Name=deal_name"],
            values="type:New Customer=new_business",
        )
        assert dry["report"]["dry_run"] and dry["report"]["created"] == 5
        assert admin.get("/deals").json()["total"] == 0
        bad = admin.post("/imports", data={"resource": "invoices"}, files={"file": ("p.csv", b"name\nx\n", "text/csv")})
        assert bad.status_code == 400 and bad.json()["field"] == "resource"
    with api(base, tokens["john"]) as john:
        assert john.get(f"/imports/{job['id']}").status_code == 404


def test_a_file_bigger_than_the_json_body_limit_uploads(base, tokens):
    note = "A long note about this contact. " * 8
    lines = ["first_name,last_name,email,notes"] + [f"Bulk,Person{i},bulk{i}@people.test,{note}" for i in range(400)]
    content = "\n".join(lines).encode()
    assert len(content) > 64 * 1024
    with api(base, tokens["admin"]) as admin:
        job = upload(admin, "contacts", "bulk.csv", content)
        assert job["report"]["created"] == 400 and admin.get("/contacts").json()["total"] == 400


def test_csv_export_applies_filters_and_redaction_and_round_trips(base, tokens):
    with api(base, tokens["admin"]) as admin:
        upload(admin, "deals", "salesforce_opportunities.csv", preset="salesforce", create_accounts="true")
        rows = read_csv(admin.get("/deals", headers={"Accept": "text/csv"}))
        assert len(rows) == 5 and rows[0]["amount"]
        acme = next(r for r in rows if r["deal_name"] == "Acme Corp - Platform Expansion")
        assert (acme["account"], acme["owner"], acme["stage"], acme["amount"]) == (
            "Acme Corp",
            "john@nexa.test",
            "negotiation",
            "45000.00",
        )
        assert json.loads(acme["custom_fields"]) == {"Next Step": "Send MSA redlines", "Fiscal Period": "Q1-2025"}
        won = read_csv(admin.get("/deals", params={"stage": "closed_won"}, headers={"Accept": "text/csv"}))
        assert [r["deal_name"] for r in won] == ["Globex - Renewal 2025"]
        assert len(read_csv(admin.get("/deals", params={"limit": 2}, headers={"Accept": "text/csv"}))) == 2
        assert admin.get("/deals").json()["total"] == 5  # JSON unchanged
        exported = admin.get("/deals", headers={"Accept": "text/csv"}).content
        again = upload(admin, "deals", "deals.csv", exported, update_existing="true")["report"]
        assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (0, 0, 5, 0), again
    with api(base, tokens["sam"]) as sam:
        rows = read_csv(sam.get("/deals", headers={"Accept": "text/csv"}))
        assert len(rows) == 5 and "amount" not in rows[0] and "total_mrr" not in rows[0]
    with api(base, tokens["john"]) as john:
        mine = read_csv(john.get("/deals", headers={"Accept": "text/csv"}))
        assert len(mine) == john.get("/deals").json()["total"] == 5  # same team as Maria: reads hers too


def _nexa(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return nexa(*args, env={"DATABASE_URL": database_url, "COLUMNS": "160"})


def test_cli_import_and_export_round_trip(database_url, tokens, tmp_path):
    run = _nexa(
        database_url,
        "import",
        "accounts",
        str(IMPORTS / "accounts_windows1252_semicolon.csv"),
        "--preset",
        "salesforce",
        "--as",
        "admin@nexa.test",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["created"], report["failed"], report["encoding"]) == (4, 2, "cp1252")
    shown = _nexa(
        database_url,
        "import",
        "accounts",
        str(IMPORTS / "accounts_windows1252_semicolon.csv"),
        "--preset",
        "salesforce",
        "--as",
        "admin@nexa.test",
        "--dry-run",
    )
    assert (
        "0 would be created" in shown.stdout and "4 unchanged" in shown.stdout and "Nonexistent Holding" in shown.stdout
    )
    exported = _nexa(database_url, "export", "accounts", "--as", "admin@nexa.test", "--where", "q=Société")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {r["account_name"]: r["parent_account"] for r in rows} == {
        "Société Générale": "",
        "Société Générale Digital": "Société Générale",
    }
    path = tmp_path / "accounts.csv"
    path.write_text(exported.stdout, encoding="utf-8")
    back = json.loads(
        _nexa(
            database_url, "import", "accounts", str(path), "--as", "admin@nexa.test", "--update-existing", "--json"
        ).stdout
    )
    assert (back["created"], back["updated"], back["unchanged"], back["failed"]) == (0, 0, 2, 0), back
    refused = _nexa(database_url, "import", "accounts", str(path), "--as", "admin@nexa.test", "--map", "nonsense")
    assert refused.returncode == 2 and "map" in refused.stdout
