"""Soak: `nexa serve` under a steady, mixed, rate-limited load for --minutes; does it slow down or grow?

    .venv/bin/python bench/soak.py [--minutes 30] [--rate 1.0] [--warmup 30]

Seeds a throwaway CRM with its help center (embedded PostgreSQL under a temporary NEXA_HOME, or an empty
DATABASE_URL), starts `nexa serve`, then drives each endpoint of the mix at its own fixed rate (about 14 requests/s
in all at --rate 1: below what the shared 2-core machine serves, so that latency measures the server, not a queue):
the leads and deals lists, a lead and a deal, the pipeline, a knowledge-base search, an offline chat turn, a task
created then deleted (the data does not grow from it; the audit trail and the chat conversations do, as in real use)
and a widget question (the task is created with an `Idempotency-Key`, as a retrying client would). Anchors tell a
slower server from a busier machine (the box is shared): `GET /ready` (one `SELECT` through the server), `SELECT 1` on
a connection of this process, bypassing the server, and a fixed 2 ms of Python arithmetic in a thread of this process
(CPU contention alone). After --warmup seconds of the same load, every minute it prints each endpoint's p50/p95, the
mix's p50, the server's RSS (its process and children) and the load average; at the end, last over first minute
and last over first three minutes per endpoint, raw and divided by the CPU anchor's and by `/ready`'s own ratio, RSS
first vs last, and the growth of the tables a long-running server writes to.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import psutil
import psycopg
from common import pct, start_server, throwaway_settings
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bots.http.auth import issue_token
from store.db import Database
from store.embeddings import default_embedder
from store.models import User
from store.seed import seed
from store.settings import Settings

QUESTIONS = [
    "How do I reset my password?",
    "What does SYNC-502 mean?",
    "How can I export my pipeline to CSV?",
    "Can I turn on two-factor authentication?",
    "Why was my invoice higher this month?",
]
CHATS = ["what's my pipeline?", "show my open tasks", "which deals are closing this month?"]
SEARCHES = ["reset password", "export CSV", "invoice", "two-factor", "sync error"]
TABLES = [
    "rate_windows",
    "idempotency_keys",
    "audit_log",
    "conversations",
    "conversation_messages",
    "tasks",
    "procrastinate_jobs",
]
ANCHORS = ("anchor GET /ready", "anchor SELECT 1", "anchor CPU")
NORMALISE = ("anchor CPU", "anchor GET /ready")
SPIN = 40_000  # iterations of the CPU anchor's loop: about 2 ms on an idle core


@dataclass
class Minutes:
    """Each name's latencies (seconds) per minute since the start, counted by when the request finished."""

    start: float = 0.0  # set when the warm-up ends; earlier calls are not recorded
    by_minute: dict[int, dict[str, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, name: str, seconds: float) -> None:
        if self.start and time.monotonic() >= self.start:
            self.by_minute[int((time.monotonic() - self.start) // 60)][name].append(seconds)


def p50_ms(values: list[float]) -> float:
    return 1000 * statistics.median(values) if values else float("nan")


async def prepare(settings: Settings) -> tuple[str, str]:
    """Seed the demo CRM with its help center: the database URL and a bearer token for John."""
    async with Database.opened(settings) as db:
        await seed(db, embedder=default_embedder())
        async with db.session() as session:
            john = await session.scalar(select(User).where(User.email == "john@nexa.test"))
            return db.url, await issue_token(session, john)


def conninfo(url: str) -> str:
    """A libpq connection string for psycopg from the SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def server_rss_mb(pid: int) -> float:
    """Resident memory of the server process and its children."""
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


async def table_rows(conn: psycopg.AsyncConnection) -> dict[str, int]:
    rows = {}
    for table in TABLES:
        rows[table] = (await (await conn.execute(f"SELECT count(*) FROM {table}")).fetchone())[0]  # type: ignore[index]
    return rows


def spin() -> None:
    """The CPU anchor's fixed work."""
    total = 0
    for i in range(SPIN):
        total += i * i % 7


async def soak(base: str, token: str, dsn: str, pid: int, minutes: int, rate: float, warmup: float) -> None:
    record = Minutes(start=time.monotonic() + warmup)
    deadline = record.start + 60 * minutes
    db = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        leads = [r["id"] for r in (await http.get("/api/v1/leads", params={"limit": 50})).json()["items"]]
        deals = [r["id"] for r in (await http.get("/api/v1/deals", params={"limit": 50})).json()["items"]]

        async def ok(response: Awaitable[httpx.Response]) -> None:
            (await response).raise_for_status()

        async def task_round_trip(i: int) -> None:
            made = (
                (
                    await http.post(
                        "/api/v1/tasks",
                        json={"title": f"Soak task {i}"},
                        headers={"Idempotency-Key": f"soak-{time.time_ns()}"},
                    )
                )
                .raise_for_status()
                .json()
            )
            (await http.delete(f"/api/v1/tasks/{made['id']}")).raise_for_status()

        async def widget(i: int) -> None:
            session = (await http.post("/api/v1/widget/session")).raise_for_status().json()["session"]
            await ok(
                http.post(
                    "/api/v1/widget/messages",
                    json={"message": QUESTIONS[i % len(QUESTIONS)]},
                    headers={"X-Nexa-Session": session},
                )
            )

        async def select_one(i: int) -> None:
            await db.execute("SELECT 1")

        async def cpu(i: int) -> None:
            await asyncio.to_thread(spin)

        mix: list[tuple[str, float, Callable[[int], Awaitable[None]]]] = [  # (name, requests/s, call)
            (
                "GET leads?limit=20",
                3.0,
                lambda i: ok(http.get("/api/v1/leads", params={"limit": 20, "offset": i % 40})),
            ),
            (
                "GET deals?limit=20",
                2.0,
                lambda i: ok(http.get("/api/v1/deals", params={"limit": 20, "offset": i % 40})),
            ),
            ("GET leads/{id}", 1.5, lambda i: ok(http.get(f"/api/v1/leads/{leads[i % len(leads)]}"))),
            ("GET deals/{id}", 1.5, lambda i: ok(http.get(f"/api/v1/deals/{deals[i % len(deals)]}"))),
            ("GET pipeline", 1.0, lambda i: ok(http.get("/api/v1/pipeline"))),
            (
                "GET kb/search",
                1.0,
                lambda i: ok(http.get("/api/v1/kb/search", params={"q": SEARCHES[i % len(SEARCHES)]})),
            ),
            (
                "POST chat (offline)",
                0.5,
                lambda i: ok(http.post("/api/v1/chat", json={"message": CHATS[i % len(CHATS)]})),
            ),
            ("POST+DELETE task", 1.0, task_round_trip),
            ("POST widget/messages", 0.5, widget),
            (ANCHORS[0], 1.0, lambda i: ok(http.get("/ready"))),
            (ANCHORS[1], 1.0, select_one),
            (ANCHORS[2], 1.0, cpu),
        ]

        async def steady(name: str, per_second: float, call: Callable[[int], Awaitable[None]]) -> None:
            """Calls at a fixed period (the next one right away when a call overran it), until the deadline."""
            period, i = 1 / (per_second * rate), 0
            due = time.monotonic() + period * (sum(map(ord, name)) % 100) / 100  # spread the first calls
            while due < deadline:
                await asyncio.sleep(max(due - time.monotonic(), 0))
                start = time.perf_counter()
                try:
                    await call(i)
                    record.add(name, time.perf_counter() - start)
                except (httpx.HTTPError, psycopg.Error):
                    record.errors[name] += 1
                i, due = i + 1, max(due + period, time.monotonic())

        rss: dict[int, float] = {}
        rows_before = await table_rows(db)

        async def report() -> None:
            for minute in range(minutes):
                await asyncio.sleep(max(record.start + 60 * (minute + 1) + 0.5 - time.monotonic(), 0))
                rss[minute] = server_rss_mb(pid)
                data = record.by_minute[minute]
                mixed = [t for name, ts in data.items() if name not in ANCHORS for t in ts]
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(
                    f"minute {minute + 1:3}: mix p50 {p50_ms(mixed):7.1f} ms ({len(mixed)} req), "
                    f"RSS {rss[minute]:6.1f} MB, load {load}, errors {sum(record.errors.values())}"
                )
                print(
                    "    "
                    + "  ".join(f"{name} {p50_ms(ts):.1f}/{1000 * pct(ts, 95):.1f}" for name, ts in data.items() if ts),
                    flush=True,
                )

        await asyncio.gather(report(), *(steady(*entry) for entry in mix))
        rows_after = await table_rows(db)
    await db.close()
    summarise(record, rss, rows_before, rows_after, minutes)


def p50s(record: Minutes, minutes: range) -> dict[str, float]:
    """Each name's p50 (ms) over these minutes, and the mix's (every name but the anchors)."""
    merged: dict[str, list[float]] = defaultdict(list)
    for minute in minutes:
        for name, timings in record.by_minute[minute].items():
            merged[name] += timings
            if name not in ANCHORS:
                merged["mix"] += timings
    return {name: p50_ms(timings) for name, timings in merged.items()}


def summarise(
    record: Minutes, rss: dict[int, float], before: dict[str, int], after: dict[str, int], minutes: int
) -> None:
    span = min(3, minutes)
    spans = {
        "1 min": (range(1), range(minutes - 1, minutes)),
        f"{span} min": (range(span), range(minutes - span, minutes)),
    }
    print(
        f"\nlast / first p50 (load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}); the ratio divided by the "
        f"CPU anchor's and by /ready's own ratio tells the server's slowdown from the machine's (target: within 1.10)"
    )
    for label, (early, late) in spans.items():
        first, last = p50s(record, early), p50s(record, late)
        ratios = {name: last[name] / first[name] for name in first}
        print(
            f"  {label} windows: {'first ms':>9} {'last ms':>9}  {'ratio':>6}  "
            + "  ".join(f"/{a.removeprefix('anchor ')}" for a in NORMALISE)
        )
        for name in sorted(first, key=lambda n: (n in ANCHORS, n == "mix", n)):
            print(
                f"  {name:22} {first[name]:9.1f} {last[name]:9.1f}  x{ratios[name]:5.2f}  "
                + "  ".join(f"x{ratios[name] / ratios[a]:5.2f}" for a in NORMALISE)
            )
    print(
        f"server RSS: minute 1 {rss[0]:.1f} MB, minute {minutes} {rss[minutes - 1]:.1f} MB "
        f"(x{rss[minutes - 1] / rss[0]:.3f}, {rss[minutes - 1] - rss[0]:+.1f} MB), peak {max(rss.values()):.1f} MB"
    )
    print("rows: " + ", ".join(f"{t} {before[t]} -> {after[t]}" for t in TABLES))
    if record.errors:
        print("errors: " + ", ".join(f"{n} {c}" for n, c in record.errors.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30, help="how long to soak (default 30)")
    parser.add_argument(
        "--rate", type=float, default=1.0, help="multiplies every endpoint's rate (default 1: ~14 req/s)"
    )
    parser.add_argument(
        "--warmup", type=float, default=30, help="seconds of load before the first minute counts (default 30)"
    )
    args = parser.parse_args()
    settings, home = throwaway_settings()
    url, token = asyncio.run(prepare(settings))
    env = os.environ | {
        "NEXA_HOME": str(settings.home),
        "DATABASE_URL": url,
        "NEXA_WIDGET_PER_IP": "1000000",
        "NEXA_WIDGET_PER_SESSION": "1000000",
        "NEXA_API_PER_MINUTE": "1000000",
    }
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        env.pop(var, None)
    process, base = start_server(env)
    try:
        asyncio.run(soak(base, token, conninfo(url), process.pid, args.minutes, args.rate, args.warmup))
    finally:
        process.terminate()
        process.wait(timeout=20)
        if home:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
