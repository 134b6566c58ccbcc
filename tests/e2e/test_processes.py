"""Several processes on one database: two `nexa serve` (one with two uvicorn workers) and one `nexa worker`; and a
worker killed mid-job."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from assistant.agent import Agent
from bots.http.auth import issue_token
from store.auth import actor_for
from store.jobs.defer import defer
from store.jobs.queue import list_jobs, open_queue
from store.models import EmailMessage, Task
from store.models.enums import EmailStatus, Seniority
from store.settings import Settings
from tests.support import factories
from tests.support.live import live_server, start_worker
from tests.support.scripted_models import ScriptedModel, call
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.slow
PER_MINUTE = 6  # API calls per caller per minute on the two servers below
FAST = {"NEXA_JOB_MODULES": "tests.support.job_tasks", "NEXA_JOBS_POLL": "0.5"}


async def _wait(predicate, timeout: float = 60, what: str = "condition") -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what} not met in {timeout} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - start


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def _statuses(db) -> list[str]:
    async with open_queue(db.url) as queue:
        return [j.status for j in await list_jobs(queue)]


async def test_two_servers_and_a_worker_share_one_database(db, database_url):
    logs = Path(tempfile.mkdtemp(prefix="nexa-procs-"))
    with smtp_server() as (inbox, smtp_url):
        settings = Settings(smtp_url=smtp_url)
        async with db.session() as s:
            john = await factories.user(s, name="John", email="john@nexa.test", seniority=Seniority.senior)
            token = await issue_token(s, john)
            amy_token = await issue_token(s, await factories.user(s, name="Amy", email="amy@nexa.test"))
            sarah = await factories.contact(s, first_name="Sarah", owner_id=john.id, email="sarah@acme.test")
        model = ScriptedModel(
            call("draft_email", {"contact_id": str(sarah.id), "purpose": "demo"}),
            lambda msgs: call(
                "send_email",
                {"email_id": json.loads([m for m in msgs if m.role == "tool"][-1].content)["data"]["email_id"]},
            ),
        )
        proposed = await Agent(db, model, settings=settings).run(
            actor_for(john), "email Sarah about a demo and send it"
        )
        (pending,) = proposed.pending
        env = FAST | {"NEXA_SMTP_URL": smtp_url, "NEXA_API_PER_MINUTE": str(PER_MINUTE)}
        worker = start_worker(database_url, logs / "worker.log", **env)
        try:
            with (
                live_server(database_url, log=logs / "a.log", args=("--workers", "2"), **env) as a,
                live_server(database_url, log=logs / "b.log", **env) as b,
            ):
                http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
                # An Idempotency-Key used on one process replays on the other.
                first = await http.post(
                    f"{a}/api/v1/tasks", json={"title": "Call Ivy"}, headers={"Idempotency-Key": "t-1"}
                )
                again = await http.post(
                    f"{b}/api/v1/tasks", json={"title": "Call Ivy"}, headers={"Idempotency-Key": "t-1"}
                )
                assert first.status_code == again.status_code == 201 and first.json() == again.json()
                assert again.headers.get("idempotent-replayed") == "true"
                # A rate limit counts one caller's requests on both processes together.
                amy = {"Authorization": f"Bearer {amy_token}"}
                codes = [
                    (await http.get(f"{base}/api/v1/tasks", headers=amy)).status_code for base in [a, b] * PER_MINUTE
                ]
                assert codes == [200] * PER_MINUTE + [429] * PER_MINUTE, codes
                # Both processes approve the same send at once: it applies once, and the email goes out once.
                path = f"/api/v1/chat/{proposed.conversation_id}/approvals/{pending.id}"
                answers = await asyncio.gather(*(http.post(f"{base}{path}", json={"approve": True}) for base in (a, b)))
                assert [r.status_code for r in answers] == [200, 200]
                applied = [r.json() for r in answers if any(c["ok"] for c in r.json()["tool_calls"])]
                assert len(applied) == 1, [r.json() for r in answers]
                await _wait(lambda: len(inbox.messages) >= 1, what="the email's delivery")
                # Jobs run once each, whichever of the three workers takes them.
                record = logs / "record.txt"
                async with db.session() as s:
                    for n in range(30):
                        await defer(s, "test.record", path=str(record), token=f"job-{n}")
                await _wait(lambda: len(_lines(record)) >= 30, what="30 jobs")
                await asyncio.sleep(1.5)  # room for a duplicate run to show up
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    tokens = [line.split()[0] for line in _lines(record)]
    assert sorted(tokens) == sorted(f"job-{n}" for n in range(30))
    assert len(inbox.messages) == 1
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Task).where(Task.title == "Call Ivy")) == 1
        assert (await s.scalar(select(EmailMessage))).status is EmailStatus.sent
    assert set(await _statuses(db)) == {"succeeded"}
    print(
        f"workers that ran the 30 jobs (pid: jobs): {dict(sorted({p: [line.split()[1] for line in _lines(record)].count(p) for p in {line.split()[1] for line in _lines(record)}}.items()))}"
    )


async def test_a_job_of_a_killed_worker_runs_again_on_another_and_completes_once(db, database_url):
    logs = Path(tempfile.mkdtemp(prefix="nexa-kill-"))
    trace, release = logs / "trace.txt", logs / "release"
    env = FAST | {"NEXA_JOBS_HEARTBEAT": "0.5", "NEXA_JOBS_STALLED_AFTER": "3"}
    first = start_worker(database_url, logs / "first.log", **env)
    async with db.session() as s:
        job_id = await defer(s, "test.block", path=str(trace), release=str(release))
    try:
        await _wait(
            lambda: _lines(trace) == [f"start {first.pid}"], timeout=90, what="the job's start on the first worker"
        )
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    killed_at = time.monotonic()
    release.touch()  # the job may finish now, on whichever worker runs it next
    second = start_worker(database_url, logs / "second.log", **env)
    try:
        recovered = await _wait(
            lambda: any(line.startswith("done") for line in _lines(trace)), timeout=90, what="the job's completion"
        )
        await asyncio.sleep(2)
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert _lines(trace) == [f"start {first.pid}", f"start {second.pid}", f"done {second.pid}"]
    async with open_queue(db.url) as queue:
        (job,) = [j for j in await list_jobs(queue) if j.task == "test.block"]
    assert (job.id, job.status, job.attempts) == (job_id, "succeeded", 2)  # two runs: the killed one, the finished one
    print(
        f"killed worker's job completed on the second worker {recovered:.1f} s after the kill "
        f"({time.monotonic() - killed_at:.1f} s incl. the wait); stalled after 3 s, checked every 1 s"
    )
