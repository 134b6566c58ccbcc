"""`nexa ask`, `nexa chat` and `nexa demo` as a user runs them, over a real embedded PostgreSQL in their own NEXA_HOME
(in this process: tests/e2e/test_store_setup.py and tests/e2e/test_cli_startup.py start real `nexa` processes)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import nexa
from tests.support.paths import DATA


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("nexa-home")
    assert _nexa(path, "seed").returncode == 0
    return path


def _nexa(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return nexa(*args, env={"NEXA_HOME": str(home), "COLUMNS": "160", "DATABASE_URL": None}, stdin=stdin)


def _ask(home: Path, message: str, *extra: str) -> dict:
    run = _nexa(home, "ask", "--as", "john@nexa.test", "--json", *extra, message)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_ask_json_prints_one_object_and_yes_approves(home):
    first = _ask(home, "move Acme Enterprise Plan to proposal")
    assert (
        set(first) == {"conversation_id", "answer", "outcome", "tool_calls", "pending"}
        and first["outcome"] == "proposed"
    )
    assert [c["name"] for c in first["tool_calls"]] == ["search_crm", "move_deal_stage"] and all(
        c["ok"] for c in first["tool_calls"]
    )
    assert first["pending"][0]["tool"] == "move_deal_stage" and first["pending"][0]["arguments"]["stage"] == "proposal"
    done = _ask(home, "yes", "--conversation", first["conversation_id"])
    assert (
        done["answer"].startswith("Done: Move deal Acme Corp - Enterprise Plan to proposal") and done["pending"] == []
    )
    assert done["outcome"] == "applied"
    view = _ask(home, "show me the Acme Corp - Enterprise Plan deal")
    assert "proposal" in view["answer"]


def test_an_unknown_user_is_a_clear_error(home):
    run = _nexa(home, "ask", "--as", "nobody@nexa.test", "hi")
    assert run.returncode == 2 and "error: email: no active user with email nobody@nexa.test" in run.stdout


def test_users_token_prints_a_new_bearer_token_for_active_users_only(home):
    run = _nexa(home, "users", "token", "john@nexa.test")
    assert run.returncode == 0 and run.stdout.startswith("nexa_"), run.stderr
    missing = _nexa(home, "users", "token", "nobody@nexa.test")
    assert missing.returncode == 2 and "error: email: no active user with email nobody@nexa.test" in missing.stdout


def test_demo_reads_one_message_per_line_from_a_pipe(home):
    run = _nexa(
        home, "demo", stdin="what's my pipeline?\ncreate a ticket for Sarah Johnson: login loop, urgent\nno\nquit\n"
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Contact 360" in out and "offline" in out and "Your pipeline by stage" in out
    assert "Open a urgent ticket: Login loop for Sarah Johnson" in out and "Cancelled" in out


def test_kb_commands(home):
    corpus = str(DATA / "kb")
    ingested = _nexa(home, "kb", "ingest", "--now", corpus)
    assert ingested.returncode == 0 and "added" in ingested.stdout
    again = _nexa(home, "kb", "ingest", "--now", corpus)
    assert "added 0, updated 0" in again.stdout
    queued = _nexa(home, "kb", "ingest", str(Path(corpus) / "exp-503.md"))
    assert "queued 1 article(s) to ingest (0 already queued)" in queued.stdout
    assert (
        "queued 0 article(s) to ingest (1 already queued)"
        in _nexa(home, "kb", "ingest", str(Path(corpus) / "exp-503.md")).stdout
    )
    jobs = _nexa(home, "jobs", "--status", "queued").stdout
    assert "kb.ingest: 1 queued" in jobs and '"source":' in jobs
    found = json.loads(_nexa(home, "kb", "search", "--json", "--limit", "3", "EXP-503").stdout)
    assert found[0]["title"] == "Export queue is full" and {"article_id", "source", "title", "score", "snippet"} <= set(
        found[0]
    )
    assert found[0]["source"].endswith("exp-503.md")
    stop_words = _nexa(home, "kb", "search", "the of and")
    assert stop_words.returncode == 0 and "only stop words or punctuation" in stop_words.stdout
    assert "Internal: refund approval limits" not in _nexa(home, "kb", "search", "refund approval limits").stdout
    listed = _nexa(home, "kb", "list").stdout
    assert "Export queue is full" in listed
    shown = _nexa(home, "kb", "show", "kb-2fa")
    assert "Turn on two-factor authentication" in shown.stdout and "recovery codes" in shown.stdout
    assert _nexa(home, "kb", "delete", "kb-2fa").returncode == 0
    assert _nexa(home, "kb", "show", "kb-2fa").returncode == 2


def test_audit_shows_the_trail_to_an_admin(home):
    assert _nexa(home, "ask", "--as", "john@nexa.test", "what's my pipeline?").returncode == 0
    shown = _nexa(home, "audit", "--as", "admin@nexa.test", "--action", "tool:")
    assert shown.returncode == 0 and "tool:pipeline_summary" in shown.stdout and "john@nexa.test" in shown.stdout
    assert _nexa(home, "audit", "--as", "nobody@nexa.test").returncode == 2


def test_lists_and_campaigns_commands(home):
    lists = _nexa(home, "lists", "ls", "--as", "maria@nexa.test")
    assert lists.returncode == 0, lists.stderr
    assert "Enterprise Prospects" in lists.stdout and "dynamic" in lists.stdout and "VIP" in lists.stdout
    members = _nexa(home, "lists", "members", "enterprise prospects", "--as", "maria@nexa.test")
    assert members.returncode == 0 and "Sarah Johnson" in members.stdout, members.stdout + members.stderr
    bad = _nexa(
        home, "lists", "preview", '{"field": "contact.shoe", "op": "eq", "value": "9"}', "--as", "maria@nexa.test"
    )
    assert bad.returncode == 2 and "criteria.field: unknown field 'contact.shoe'" in bad.stdout
    shown = _nexa(home, "campaigns", "show", "Q4 Promo", "--as", "maria@nexa.test")
    assert shown.returncode == 0 and "Q4 Promo" in shown.stdout and "roi:" in shown.stdout, shown.stdout + shown.stderr
    bad_step = _nexa(
        home,
        "campaigns",
        "step",
        "Nurture",
        "Hi",
        "-",
        "--delay-hours",
        "-1",
        "--as",
        "maria@nexa.test",
        stdin="<p>x</p>",
    )
    assert bad_step.returncode == 2 and "delay_hours" in bad_step.stdout, bad_step.stdout + bad_step.stderr
    steps = _nexa(home, "campaigns", "steps", "Nurture", "--as", "maria@nexa.test")
    assert steps.returncode == 0 and steps.stdout.strip() == "", steps.stdout + steps.stderr
