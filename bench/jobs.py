"""Job throughput per worker: a trivial job and an email delivery to a local SMTP sink (aiosmtpd).

    .venv/bin/python bench/jobs.py [--jobs 2000] [--emails 500] [--concurrency 1 4]

Embedded PostgreSQL under a temporary NEXA_HOME (or DATABASE_URL). For each concurrency, one
`nexa worker --concurrency C` process is started and left idle, then N jobs are queued in one
transaction; the clock runs from the commit until the last job is `succeeded` (emails: `sent`),
so worker start-up is not counted. The trivial job is `test.noop` (tests/support/job_tasks.py); the email
job is the real `emails.deliver` (claim, SMTP to the sink, mark sent, timeline entries).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import throwaway_settings
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select, text

from store.auth import actor_for
from store.db import Database
from store.jobs.defer import defer
from store.models import EmailMessage
from store.models.enums import EmailStatus
from store.services import EmailService
from tests.support import factories
from tests.support.smtp import smtp_server

ROOT = Path(__file__).resolve().parent.parent


def _worker(concurrency: int, env: dict[str, str]) -> subprocess.Popen:
    log = Path(tempfile.mkdtemp(prefix="nexa-bench-worker-")) / "worker.log"
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("nexa")), "worker", "--concurrency", str(concurrency)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


async def _until(db: Database, query, n: int) -> float:
    start = time.perf_counter()
    while True:
        async with db.session() as s:
            if (await s.scalar(query)) >= n:
                return time.perf_counter() - start
        await asyncio.sleep(0.05)


async def _reset(db: Database) -> None:
    async with db.session() as s:
        await s.execute(
            text(
                "TRUNCATE procrastinate_jobs, procrastinate_events, email_messages, activities, activity_links CASCADE"
            )
        )


async def noop_run(db: Database, n: int) -> float:
    async with db.session() as s:
        for _ in range(n):
            await defer(s, "test.noop")
    done = select(func.count()).select_from(text("procrastinate_jobs")).where(text("status = 'succeeded'"))
    return await _until(db, done, n)


async def email_run(db: Database, n: int, smtp_url: str) -> float:
    from store.settings import Settings

    settings = Settings(smtp_url=smtp_url)
    async with db.session() as s:
        user = await factories.user(s, name="Bench", email=f"bench{time.time_ns()}@nexa.test")
        contact = await factories.contact(s, owner_id=user.id, email=f"sink{time.time_ns()}@bench.test")
        service = EmailService(s, actor_for(user))
        ids = [(await service.draft(contact_id=contact.id))[0].id for _ in range(n)]
    async with db.session() as s:
        service = EmailService(s, actor_for(user))
        for email_id in ids:
            await service.send(email_id, settings)
    sent = select(func.count()).select_from(EmailMessage).where(EmailMessage.status == EmailStatus.sent)
    return await _until(db, sent, n)


async def main(args: argparse.Namespace) -> None:
    settings, _home = throwaway_settings()
    db = Database.open(settings)
    rows = []
    with smtp_server() as (inbox, smtp_url):
        env = os.environ | {
            "DATABASE_URL": db.url,
            "NEXA_JOB_MODULES": "tests.support.job_tasks",
            "NEXA_SMTP_URL": smtp_url,
            "PYTHONPATH": str(ROOT),
            "HF_HUB_OFFLINE": "1",
        }
        for concurrency in args.concurrency:
            worker = _worker(concurrency, env)
            try:
                await asyncio.sleep(3)  # the worker is up and idle
                await _reset(db)
                seconds = await noop_run(db, args.jobs)
                rows.append(("trivial job (test.noop)", concurrency, args.jobs, seconds))
                print(rows[-1], flush=True)
                await _reset(db)
                received = len(inbox.messages)
                seconds = await email_run(db, args.emails, smtp_url)
                assert len(inbox.messages) - received == args.emails, "every email delivered once"
                rows.append(("email to the SMTP sink (emails.deliver)", concurrency, args.emails, seconds))
                print(rows[-1], flush=True)
            finally:
                worker.terminate()
                worker.wait(timeout=60)
    await db.close()
    table = Table("job", "worker concurrency", "jobs", "seconds", "jobs/s", title="Job throughput, one worker process")
    for name, concurrency, n, seconds in rows:
        table.add_row(name, str(concurrency), str(n), f"{seconds:.2f}", f"{n / seconds:.0f}")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--emails", type=int, default=500)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    asyncio.run(main(parser.parse_args()))
