"""Mass email and dynamic lists at size: messages/s to a local SMTP sink with one worker, and list evaluation p95.

    .venv/bin/python bench/mass_email.py [--recipients 10000] [--contacts 100000] [--runs 40]

Embedded PostgreSQL under a temporary NEXA_HOME (or DATABASE_URL). 100k contacts over 2,000 accounts are
loaded in SQL. Dynamic lists: three filters (CTOs at enterprise accounts; no activity in 90 days at mid-market
or smb accounts; opened a campaign email in 30 days or lead score >= 75) are counted `--runs` times each through
`ListService` (one SQL query each); p50/p95 in ms. Mass email: a static list of N contacts, one campaign email
sent by a manager; one `nexa worker` (concurrency 1) sends it to an aiosmtpd sink that only counts; the clock runs
from the send's commit until the email is `sent` (worker start-up not counted). The worker's CPU time per message
is printed too (on a shared, loaded machine wall-clock rates understate what one worker does). Peak memory is the
worker's VmHWM, for a small send and the full one (flat when the list size does not grow it).
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

from aiosmtpd.controller import Controller
from common import pct, throwaway_settings
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select, text

from store.access import Actor
from store.db import Database
from store.models import ContactList, ContactListMember, MassEmail
from store.models.enums import MassEmailStatus
from store.services.campaigns import CampaignService
from store.services.lists import ListService
from store.services.mass_email import MassEmailService
from store.settings import Settings
from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
SYSTEM = Actor.system()
FILTERS = {
    "CTOs at enterprise accounts": {
        "and": [
            {"field": "contact.title", "op": "contains", "value": "cto"},
            {"field": "account.tier", "op": "eq", "value": "enterprise"},
        ]
    },
    "quiet 90 days at mid-market/smb": {
        "and": [
            {"field": "contact.last_activity", "op": "not_within_days", "value": 90},
            {"field": "account.tier", "op": "in", "value": ["mid-market", "smb"]},
        ]
    },
    "opened in 30 days or lead score >= 75": {
        "or": [
            {"field": "activity.campaign_email_opened", "op": "within_days", "value": 30},
            {"field": "lead.score", "op": "gte", "value": 75},
        ]
    },
}


class Sink:
    """An SMTP server that accepts and counts."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.count += 1
        return "250 OK"


async def load(db: Database, contacts: int) -> None:
    """2,000 accounts and `contacts` contacts (titles, tiers, activity dates spread), in a few SQL statements."""
    async with db.session() as s:
        await s.execute(
            text(
                "INSERT INTO accounts (account_name, tier, industry) SELECT 'Bench account ' || g, "
                "(ARRAY['enterprise','mid-market','smb','startup'])[1 + g % 4], (ARRAY['Software','Retail','Finance'])[1 + g % 3] "
                "FROM generate_series(1, 2000) g"
            )
        )
        await s.execute(text("SET LOCAL statement_timeout = 0"))
        await s.execute(
            text(
                "INSERT INTO contacts (first_name, last_name, email, title, account_id, last_activity) "
                "SELECT 'First' || g, 'Last' || g, 'c' || g || '@bench.test', (ARRAY['CTO','CFO','VP Sales','Engineer','Cto Office'])[1 + g % 5], "
                "a.ids[1 + g % 2000], now() - ((g % 400) || ' days')::interval "
                "FROM generate_series(1, :n) g, (SELECT array_agg(id ORDER BY account_name) AS ids FROM accounts) a"
            ),
            {"n": contacts},
        )
        await s.execute(text("ANALYZE accounts; ANALYZE contacts"))


async def lists_bench(db: Database, runs: int) -> list[tuple[str, int, float, float]]:
    rows = []
    for name, criteria in FILTERS.items():
        timings, count = [], 0
        for _ in range(runs):
            async with db.session() as s:
                start = time.perf_counter()
                count, _ = await ListService(s, SYSTEM).preview(criteria, limit=10)
                timings.append((time.perf_counter() - start) * 1000)
        rows.append((name, count, pct(timings, 50), pct(timings, 95)))
    return rows


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def send_bench(
    db: Database, recipients: int, env: dict[str, str], settings: Settings, sink: Sink
) -> tuple[float, int, float]:
    """Seconds from the send's commit to `sent`, the worker's peak memory (kB) and its CPU seconds for the send."""
    async with db.session() as s:
        everyone = ContactList(name=f"Bench {recipients} {time.time_ns()}")
        s.add(everyone)
        await s.flush()
        await s.execute(
            insert(ContactListMember).from_select(
                ["list_id", "contact_id"],
                select(text(f"'{everyone.id}'::uuid"), text("id"))
                .select_from(text("contacts"))
                .order_by(text("email"))
                .limit(recipients),
            )
        )
        campaign = await CampaignService(s, SYSTEM).create({"name": f"Bench {time.time_ns()}", "type": "email"})
        mass = await MassEmailService(s, SYSTEM).create(
            campaign.id,
            {
                "subject": "Hello {{ contact.first_name }}",
                "list_id": everyone.id,
                "body": "<html><body><p>Dear {{ contact.first_name }} {{ contact.last_name }} at {{ account.name }},</p>"
                '<p>Our <a href="https://nexa.test/offer">Q4 offer</a> is here.</p></body></html>',
            },
        )
    log = Path(tempfile.mkdtemp(prefix="nexa-bench-worker-")) / "worker.log"
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("nexa")), "worker", "--concurrency", "1"],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        await asyncio.sleep(4)  # up and idle
        before, cpu = sink.count, cpu_s(worker.pid)
        async with db.session() as s:
            await MassEmailService(s, SYSTEM).send(mass.id, settings)
        start = time.perf_counter()
        while True:
            async with db.session() as s:
                if (await s.get(MassEmail, mass.id)).status is MassEmailStatus.sent:
                    break
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - start
        assert sink.count - before == recipients, f"{sink.count - before} messages for {recipients} recipients"
        return seconds, peak_kb(worker.pid), cpu_s(worker.pid) - cpu
    finally:
        worker.terminate()
        worker.wait(timeout=60)


async def main(args: argparse.Namespace) -> None:
    settings, _home = throwaway_settings()
    db = Database.open(settings)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp_url = f"smtp://127.0.0.1:{controller.port}"
    settings = Settings(
        smtp_url=smtp_url, mail_postal_address="Nexa Inc., 1 Main Street, Springfield", secret_key="bench"
    )
    env = os.environ | {
        "DATABASE_URL": db.url,
        "NEXA_SMTP_URL": smtp_url,
        "NEXA_MAIL_ADDRESS": settings.mail_postal_address or "",
        "NEXA_SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "NEXA_JOBS_POLL": "0.2",
    }
    try:
        await load(db, args.contacts)
        lists = await lists_bench(db, args.runs)
        small = await send_bench(db, max(args.recipients // 5, 1), env, settings, sink)
        full = await send_bench(db, args.recipients, env, settings, sink)
    finally:
        controller.stop()
        await db.close()
    table = Table(
        "dynamic list over " + f"{args.contacts:,} contacts",
        "members",
        "p50 ms",
        "p95 ms",
        title="Dynamic list evaluation (count)",
    )
    for name, count, p50, p95 in lists:
        table.add_row(name, f"{count:,}", f"{p50:.1f}", f"{p95:.1f}")
    Console().print(table)
    table = Table(
        "recipients",
        "seconds",
        "messages/s",
        "worker CPU ms/message",
        "worker peak memory (MB)",
        title=f"Mass email, one worker, local SMTP sink (load average {os.getloadavg()[0]:.1f})",
    )
    for n, (seconds, peak, cpu) in ((max(args.recipients // 5, 1), small), (args.recipients, full)):
        table.add_row(f"{n:,}", f"{seconds:.1f}", f"{n / seconds:.0f}", f"{cpu * 1000 / n:.2f}", f"{peak / 1024:.0f}")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    asyncio.run(main(parser.parse_args()))
