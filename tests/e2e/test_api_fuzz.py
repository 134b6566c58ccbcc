"""Fuzzing the HTTP API from its own OpenAPI document (schemathesis), against a real `nexa serve`.

Every operation of `/schema/openapi.json` gets schema-valid and schema-violating requests (the
explicit examples, the coverage phase's boundary values and unexpected methods, then random
fuzzing), as an admin so that no permission check stops a request before the code under it runs.
Each response must be below 500, and each 4xx must be `application/problem+json` with a `detail`.
Half of the generated ids in paths, and some in bodies, are replaced by ids of records seeded
before the run, so that reads, patches, stage moves and conversions reach real rows instead of
stopping at a 404.

The list endpoints read their filters from the raw query string, so the OpenAPI document does not
declare them and schemathesis cannot vary them: `test_list_filters_from_the_filter_models` fuzzes
those query strings from the filter models in `bots/http/resources.py`.

Reproducible: a fixed seed and `derandomize`; about 1 to 1.5 minutes on two cores, so it runs with
the rest of the suite in CI (see the README section "Fuzzing the API and property tests").
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime
from schemathesis.checks import not_a_server_error

from bots.http.auth import issue_token
from bots.http.resources import RESOURCES
from store.models import KbArticle
from store.models.enums import Role, Seniority, Visibility
from tests.support import factories
from tests.support.database import empty_database
from tests.support.live import live_server

# A fixed seed and derandomized Hypothesis: every run sends the same requests. NEXA_FUZZ_EXAMPLES and
# NEXA_FUZZ_SEED make a deeper or a different run (see the README section "Fuzzing the API and property tests").
SEED = int(os.environ.get("NEXA_FUZZ_SEED", "20261124"))
MAX_EXAMPLES = int(
    os.environ.get("NEXA_FUZZ_EXAMPLES", "20")
)  # per operation in the fuzzing phase; the coverage phase adds its own
PROBLEM = "application/problem+json"

# Rate limits are not under test here (tests/e2e/test_widget_api.py covers them); the fuzzer sends
# far more than a minute's allowance, so every limit is lifted for this server.
UNLIMITED = {"NEXA_API_PER_MINUTE": "1000000", "NEXA_WIDGET_PER_IP": "1000000", "NEXA_WIDGET_PER_SESSION": "1000000"}

# Classic fuzzing dictionaries: a NUL (PostgreSQL text refuses it), quoting and escapes, bidi and astral
# characters; integers past 32 and 64 bits and below zero (database column and LIMIT/OFFSET ranges).
NASTY_STRINGS = [
    "\x00",
    "nul\x00byte",
    "' OR '1'='1",
    "\\",
    "%00",
    "\u202etxt.exe",
    "\U0001f600",
    "null",
    "-1",
    "remind me in 9999999999 days",
]
BIG_INTEGERS = [-1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**20]
# Instants and dates at and past the ends of what Python and PostgreSQL hold (issue 12: they once broke every read)
EXTREME_INSTANTS = [
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:00:00-05:00",
    "9999-12-31T23:45:00+00:00",
    "1899-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+14:00",
    "2200-01-01T00:00:00-12:00",
]
EXTREME_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"]
# Schemathesis binds a dictionary by type only to parameters that are plainly a string or an integer
# (not `string | null`); the others are bound by name: the free-text and integer fields of the bodies
# and the optional query parameters.
QUERY_TEXT = ["q", "team", "action", "record_id"]
QUERY_INTEGERS = ["limit", "offset"]
TEXT_FIELDS = [
    "first_name",
    "last_name",
    "account_name",
    "deal_name",
    "title",
    "subject",
    "description",
    "notes",
    "body",
    "message",
    "reason",
    "comment",
    "company",
    "industry",
    "location",
    "product",
    "website",
    "department",
]
INTEGER_FIELDS = [
    "employees",
    "duration",
    "contract_term",
    "health_score",
    "score",
    "probability",
    "rating",
    "quantity",
]

# What each fuzzed operation answered, by status: the `reached` fixture checks that the token reached them.
SEEN: dict[str, Counter[int]] = defaultdict(Counter)


@pytest.fixture(scope="module")
async def admin(database) -> dict[str, Any]:
    """An admin (every endpoint reachable) with a bearer token, a rep to own things, and a public article."""
    await empty_database(database)  # this module shares one server and one seed
    async with database.session() as s:
        user = await factories.user(
            s, name="Ada Admin", email="ada@nexa.test", role=Role.admin, team=None, seniority=Seniority.senior
        )
        rep = await factories.user(s, name="Rex Rep", email="rex@nexa.test", role=Role.rep, team="Enterprise")
        token = await issue_token(s, user)
        content = "How to reset your password.\n\nOpen Settings, then Security, then Reset."
        article = KbArticle(
            title="Reset your password",
            source="fuzz/reset.md",
            visibility=Visibility.public,
            content=content,
            content_hash=hashlib.sha256(content.encode()).hexdigest(),
        )
        s.add(article)
        await s.flush()
        return {"token": token, "user_id": str(user.id), "rep_id": str(rep.id), "article_id": str(article.id)}


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "nexa-serve.log"


@pytest.fixture(scope="module")
def base(database_url, admin, server_log) -> Iterator[str]:
    with live_server(database_url, log=server_log, **UNLIMITED) as url:
        yield url


@pytest.fixture(scope="module")
def seeded(base, admin) -> dict[str, str]:
    """One record of each type made through the API, a pending chat approval, and a widget session with a conversation."""
    api = httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {admin['token']}"}, timeout=60)

    def made(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        return response.json()

    ids = {"user": admin["user_id"], "rep": admin["rep_id"], "article": admin["article_id"]}
    ids["parent_account"] = made(api.post("/accounts", json={"account_name": "Initech Holdings"}))["id"]
    ids["account"] = made(
        api.post("/accounts", json={"account_name": "Initech", "parent_account_id": ids["parent_account"]})
    )["id"]
    ids["contact"] = made(
        api.post(
            "/contacts",
            json={
                "first_name": "Peter",
                "last_name": "Gibbons",
                "email": "peter@initech.test",
                "account_id": ids["account"],
            },
        )
    )["id"]
    ids["lead"] = made(
        api.post(
            "/leads",
            json={
                "first_name": "Dana",
                "last_name": "Whitfield",
                "email": "dana@brightwave.test",
                "company": "Brightwave",
                "source": "referral",
            },
        )
    )["id"]
    ids["lead_to_convert"] = made(
        api.post(
            "/leads",
            json={
                "first_name": "Milton",
                "last_name": "Waddams",
                "email": "milton@initech.test",
                "company": "Initech",
                "source": "website",
            },
        )
    )["id"]
    ids["deal"] = made(
        api.post(
            "/deals",
            json={
                "deal_name": "Acme Corp - Enterprise Plan",
                "amount": 50000,
                "account_id": ids["account"],
                "primary_contact_id": ids["contact"],
            },
        )
    )["id"]
    ids["ticket"] = made(api.post("/tickets", json={"subject": "Sync fails", "requester_contact_id": ids["contact"]}))[
        "id"
    ]
    ids["task"] = made(
        api.post("/tasks", json={"title": "Send the specs", "related_type": "deal", "related_id": ids["deal"]})
    )["id"]
    ids["call"] = made(api.post("/calls", json={"contact_id": ids["contact"], "notes": "wants a demo"}))["id"]
    ids["meeting"] = made(
        api.post(
            "/meetings",
            json={"title": "Demo", "start_at": "2030-01-02T10:00:00+00:00", "contact_ids": [ids["contact"]]},
        )
    )["id"]
    ids["note"] = made(
        api.post("/notes", json={"related_type": "deal", "related_id": ids["deal"], "body": "renewal in Q3"})
    )["id"]
    turn = made(api.post("/chat", json={"message": "move Acme Enterprise Plan to proposal"}))
    assert turn["pending"], turn  # a write waiting for approval, so that the approvals operation reaches a real one
    ids["conversation"], ids["approval"] = turn["conversation_id"], turn["pending"][0]["id"]
    widget = httpx.Client(base_url=f"{base}/api/v1/widget", timeout=60)
    ids["widget_session"] = made(widget.post("/session"))["session"]
    made(
        widget.post(
            "/messages",
            json={"message": "how do I reset my password?"},
            headers={"X-Nexa-Session": ids["widget_session"]},
        )
    )
    return ids


@pytest.fixture(scope="module")
def api_schema(base, seeded):
    """The live OpenAPI document, loaded by schemathesis with a fixed seed and the seeded ids as dictionaries."""
    users = [seeded["user"], seeded["rep"]]
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "request-timeout": 60,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "with-security-parameters": False,
                # Now and then a value known to break naive code, in any string or integer of any operation.
                "dictionaries": {
                    "string": {"dictionary": "nasty-strings", "probability": 0.1},
                    "integer": {"dictionary": "big-integers", "probability": 0.1},
                },
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            # Ids in bodies: now and then one that exists, so that links are followed instead of refused.
            "dictionaries": {
                "nasty-strings": {"values": NASTY_STRINGS},
                "big-integers": {"values": BIG_INTEGERS},
                "accounts": {"values": [seeded["account"], seeded["parent_account"]]},
                "contacts": {"values": [seeded["contact"]]},
                "users": {"values": users},
                "records": {"values": [seeded[k] for k in ("lead", "contact", "account", "deal", "ticket")]},
                "emails": {"values": [f"fuzz{n}@example.test" for n in range(50)]},
                "extreme-instants": {"values": EXTREME_INSTANTS},
                "extreme-dates": {"values": EXTREME_DATES},
            },
            "parameters": {
                **{
                    f"body.{field}": {"dictionary": "accounts", "probability": 0.3}
                    for field in ("account_id", "parent_account_id")
                },
                **{
                    f"body.{field}": {"dictionary": "contacts", "probability": 0.3}
                    for field in ("contact_id", "primary_contact_id", "requester_contact_id", "reporting_to_id")
                },
                **{
                    f"body.{field}": {"dictionary": "users", "probability": 0.3}
                    for field in ("owner_id", "assignee_id", "assigned_to_id", "account_owner_id")
                },
                "body.related_id": {"dictionary": "records", "probability": 0.3},
                "body.email": {"dictionary": "emails", "probability": 0.5},
                **{
                    f"body.{field}": {"dictionary": "extreme-instants", "probability": 0.3}
                    for field in ("call_at", "start_at", "end_at")
                },
                **{
                    f"body.{field}": {"dictionary": "extreme-dates", "probability": 0.3}
                    for field in ("close_date", "due_date")
                },
                **{f"body.{field}": {"dictionary": "nasty-strings", "probability": 0.1} for field in TEXT_FIELDS},
                **{f"body.{field}": {"dictionary": "big-integers", "probability": 0.1} for field in INTEGER_FIELDS},
                **{f"query.{name}": {"dictionary": "nasty-strings", "probability": 0.1} for name in QUERY_TEXT},
                **{f"query.{name}": {"dictionary": "big-integers", "probability": 0.1} for name in QUERY_INTEGERS},
            },
        }
    )
    return schemathesis.openapi.from_url(f"{base}/schema/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32's lazy schemas read and rename `item._nodeid`, which pytest 9.2 no longer has
    (its node ids became a property); give the item the attribute so that the per-operation subtests run."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


# The path parameter of each operation and the seeded record that makes it real.
REAL_PATH_IDS = {
    ("/api/v1/leads/{lead_id}/convert", "lead_id"): "lead_to_convert",
    ("/api/v1/leads/{lead_id}/status", "lead_id"): "lead",
    ("/api/v1/deals/{deal_id}/stage", "deal_id"): "deal",
    ("/api/v1/contacts/{contact_id}/timeline", "contact_id"): "contact",
    ("/api/v1/chat/{conversation_id}/approvals/{approval_id}", "conversation_id"): "conversation",
    ("/api/v1/chat/{conversation_id}/approvals/{approval_id}", "approval_id"): "approval",
    ("/kb/articles/{article_id}", "article_id"): "article",
} | {
    (f"/api/v1/{name}/{{record_id}}", "record_id"): key
    for name, key in (
        ("leads", "lead"),
        ("contacts", "contact"),
        ("accounts", "account"),
        ("deals", "deal"),
        ("tickets", "ticket"),
        ("tasks", "task"),
        ("calls", "call"),
        ("meetings", "meeting"),
        ("notes", "note"),
    )
}


def headers_for(path: str, seeded: dict[str, str], token: str) -> dict[str, str]:
    """The widget's customer calls carry a session token; everything else a bearer token."""
    if path.startswith("/api/v1/widget/"):
        return {"X-Nexa-Session": seeded["widget_session"]}
    return {"Authorization": f"Bearer {token}"}


def problem_details(ctx, response, case) -> None:
    """A 4xx answer is RFC 9457 problem+json naming what went wrong."""
    if not 400 <= response.status_code < 500:
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith(PROBLEM), f"a {response.status_code} answered {content_type!r}, not {PROBLEM}"
    if case.method.upper() == "HEAD":
        return  # no body by definition
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"], (
        f"a {response.status_code} problem without a detail: {body!r}"
    )
    assert body.get("status") == response.status_code, f"problem status {body.get('status')} != {response.status_code}"


def last_failure(log: Path, method: str, path: str) -> str:
    """The server's last logged failure of `method path`: bots/http/problems.py logs each 500 as
    "METHOD PATH failed" and its traceback; the heading and the final exception are kept."""
    for _ in range(20):  # the log line may land a moment after the response
        entries = log.read_text(errors="replace").split("\nERROR - ")
        mine = [e for e in entries if e.splitlines()[0].endswith(f"{method} {path} failed")]
        if mine:
            lines = mine[-1].splitlines()
            return "\n".join([lines[0], "  ...", *lines[-8:]])
        time.sleep(0.1)
    return "(no such failure in the server log)"


def server_traceback(log: Path):
    def server_traceback(ctx, response, case) -> None:
        """A 5xx fails with the server's own account of it."""
        if response.status_code >= 500:
            path = response.request.path_url.partition("?")[0]
            raise AssertionError(
                f"{response.status_code} from the server; its log says:\n"
                f"{last_failure(log, response.request.method, path)}"
            )

    return server_traceback


RUN_SPECIFIC = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}| at 0x[0-9a-f]+", re.I)


def heads(case) -> bool:
    """A fair coin decided by the generated case itself, so that every run tosses it the same way for
    the same case. Ids are left out (the seeded ones, and those schemathesis reuses from earlier
    responses, are new in every run), and so are object addresses (the repr of an absent body)."""
    drawn = RUN_SPECIFIC.sub("", repr((case.method, case.path_parameters, case.query, case.headers, case.body)))
    return hashlib.sha256(drawn.encode()).digest()[0] % 2 == 0


@pytest.fixture(scope="module")
def reached(api_schema):
    """After the fuzzer's last case (in its own worker process), guard against a vacuous run: every operation of the
    document was called, and each answered something other than 401 at least once (the token worked)."""
    yield
    operations = {result.ok().label for result in api_schema.get_all_operations()}
    assert not operations - SEEN.keys(), f"never called: {sorted(operations - SEEN.keys())}"
    unauthenticated = sorted(op for op, statuses in SEEN.items() if set(statuses) <= {401})
    assert not unauthenticated, f"only 401s from: {unauthenticated}"


@schema.parametrize()
def test_api_never_fails_and_refuses_in_problem_details(case, seeded, admin, server_log, reached):
    if heads(case):  # half of the cases: the ids in the path name seeded records of the right type
        for name in list(case.path_parameters or {}):
            key = REAL_PATH_IDS.get((case.path, name))
            if key:
                case.path_parameters[name] = seeded[key]
    response = case.call(headers=headers_for(case.path, seeded, admin["token"]), timeout=60)
    SEEN[case.operation.label][response.status_code] += 1
    case.validate_response(response, checks=[not_a_server_error, server_traceback(server_log), problem_details])


def _value_strategy(annotation: Any, seeded: dict[str, str]) -> st.SearchStrategy[str]:
    """Query-string values for one filter field: valid ones of its type, plus garbage."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    kind = args[0] if get_origin(annotation) is not None and args else annotation
    if get_origin(kind) is Annotated:  # Instant, Day: the type under the rules
        kind = get_args(kind)[0]
    garbage = st.text(max_size=30) | st.sampled_from(
        [*NASTY_STRINGS, *map(str, BIG_INTEGERS), "", "0", "true", "1e309", "NaN", "2026-13-45", "x" * 300]
    )
    if isinstance(kind, type) and issubclass(kind, Enum):
        valid = st.sampled_from([m.value for m in kind])
    elif kind is bool:
        valid = st.sampled_from(["true", "false", "1", "0"])
    elif kind is int:
        valid = st.integers(-10, 10_000).map(str)
    elif kind is uuid.UUID:
        valid = st.sampled_from(sorted(v for k, v in seeded.items() if k != "widget_session")) | st.uuids().map(str)
    elif kind in (datetime, AwareDatetime):
        valid = st.datetimes(
            timezones=st.sampled_from([UTC, None, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
        ).map(datetime.isoformat)
        valid |= st.sampled_from(EXTREME_INSTANTS)
    elif kind is date:
        valid = st.dates().map(date.isoformat) | st.sampled_from(EXTREME_DATES)
    else:
        valid = st.text(max_size=50)
    return st.one_of(valid, garbage)


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_list_filters_from_the_filter_models(resource, base, seeded, admin, server_log):
    """GET /api/v1/<records> with any mix of its filters (declared in its filter model, not in the OpenAPI document)."""
    fields = resource.filters.model_fields
    query = st.fixed_dictionaries(
        {},
        optional={name: _value_strategy(f.annotation, seeded) for name, f in fields.items()}
        | {"unknown": st.text(max_size=10)},
    )
    client = httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {admin['token']}"}, timeout=60)

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(params=query)
    @example(params={"offset": str(2**63)})  # past PostgreSQL's bigint
    @example(params={"offset": "-1", "limit": "0"})
    @seed(SEED)
    def run(params: dict[str, str]) -> None:
        response = client.get(f"/{resource.name}", params=params)
        assert response.status_code < 500, (
            f"GET /api/v1/{resource.name}?{response.request.url.query.decode()} -> "
            f"{response.status_code}; the server log says:\n"
            f"{last_failure(server_log, 'GET', f'/api/v1/{resource.name}')}"
        )
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith(PROBLEM), response.text
            assert response.json()["detail"], response.text
        else:
            body = response.json()
            assert body["total"] >= len(body["items"]) and len(body["items"]) <= body["limit"]

    run()
