"""HTTP load benchmark: `nexa serve` on loopback driven by concurrent async clients.

    .venv/bin/python bench/api_load.py [--clients 8] [--requests 200] [--turns 40]

Seeds a throwaway CRM (embedded PostgreSQL under a temporary NEXA_HOME, or DATABASE_URL, which must
be empty), starts `nexa serve` in its own process, then prints requests/s and p50/p95 latency for a
list endpoint, a create endpoint and an offline chat turn, and the time to the first streamed event
of a widget answer (target p50 <= 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import time
from collections.abc import Awaitable, Callable

import httpx
from common import pct, start_server, throwaway_settings
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from bots.http.auth import issue_token
from store.db import Database
from store.embeddings import default_embedder
from store.models import User
from store.seed import seed
from store.settings import Settings

FIRST_EVENT_TARGET_S = 1.0
console = Console(width=max(110, shutil.get_terminal_size().columns))
QUESTIONS = [
    "How do I reset my password?",
    "What does SYNC-502 mean?",
    "How can I export my pipeline to CSV?",
    "Can I turn on two-factor authentication?",
    "Why was my invoice higher this month?",
]


async def prepare(settings: Settings) -> str:
    """Seed the demo CRM with its help center; return a bearer token for John."""
    async with Database.opened(settings) as db:
        await seed(db, embedder=default_embedder())
        async with db.session() as session:
            john = await session.scalar(select(User).where(User.email == "john@nexa.test"))
            return await issue_token(session, john)


async def drive(n: int, clients: int, call: Callable[[int], Awaitable[float]]) -> tuple[float, list[float]]:
    """Run `call(i)` n times with `clients` at once; the wall time and each call's seconds."""
    queue = list(range(n))
    timings: list[float] = []

    async def worker() -> None:
        while queue:
            timings.append(await call(queue.pop()))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - start, timings


async def measure(
    base: str, token: str, clients: int, requests: int, turns: int
) -> list[tuple[str, int, float, list[float]]]:
    auth = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=120, limits=limits) as http:

        async def timed(request: Awaitable[httpx.Response]) -> float:
            start = time.perf_counter()
            response = await request
            response.raise_for_status()
            return time.perf_counter() - start

        async def first_event(i: int) -> float:
            session = (await http.post("/api/v1/widget/session")).json()["session"]
            start = time.perf_counter()
            headers = {"X-Nexa-Session": session, "Accept": "text/event-stream"}
            async with http.stream(
                "POST", "/api/v1/widget/messages", json={"message": QUESTIONS[i % len(QUESTIONS)]}, headers=headers
            ) as response:
                lines = response.aiter_lines()
                async for line in lines:
                    if line.startswith("event:"):
                        elapsed = time.perf_counter() - start
                        break
                async for _ in lines:  # read the rest of the answer
                    pass
            return elapsed

        scenarios = [
            (
                "GET /api/v1/leads?limit=20",
                requests,
                lambda i: timed(http.get("/api/v1/leads", params={"limit": 20, "offset": i % 50})),
            ),
            (
                "POST /api/v1/tasks",
                requests,
                lambda i: timed(http.post("/api/v1/tasks", json={"title": f"Load task {i}"})),
            ),
            (
                "POST /api/v1/chat (offline turn)",
                turns,
                lambda i: timed(http.post("/api/v1/chat", json={"message": "what's my pipeline?"})),
            ),
            ("widget answer: first SSE event", turns, first_event),
        ]
        results = []
        for name, n, call in scenarios:
            await drive(min(n, clients * 2), clients, call)  # warm-up
            wall, timings = await drive(n, clients, call)
            results.append((name, n, wall, timings))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--requests", type=int, default=400, help="requests per CRUD scenario (default 400)")
    parser.add_argument("--turns", type=int, default=60, help="chat turns / widget answers (default 60)")
    args = parser.parse_args()
    settings, home = throwaway_settings()
    env = os.environ | {
        "NEXA_HOME": str(settings.home),
        "NEXA_WIDGET_PER_IP": "100000",
        "NEXA_WIDGET_PER_SESSION": "100000",
        "NEXA_API_PER_MINUTE": "1000000",
    }
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        env.pop(var, None)
    token = asyncio.run(prepare(settings))
    process, base = start_server(env)
    try:
        results = asyncio.run(measure(base, token, args.clients, args.requests, args.turns))
    finally:
        process.terminate()
        process.wait(timeout=20)
        if home:
            shutil.rmtree(home, ignore_errors=True)
    table = Table(
        title=f"nexa serve on loopback, {args.clients} concurrent clients (offline model, embedded PostgreSQL)"
    )
    for column in ("scenario", "requests", "req/s", "p50 ms", "p95 ms"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for name, n, wall, timings in results:
        table.add_row(
            name, str(n), f"{n / wall:.1f}", f"{1000 * pct(timings, 50):.1f}", f"{1000 * pct(timings, 95):.1f}"
        )
    console.print(table)
    first = [t for name, _, _, t in results if name.startswith("widget")][0]
    verdict = "PASS" if pct(first, 50) <= FIRST_EVENT_TARGET_S else "FAIL"
    console.print(
        f"widget time to first streamed event: p50 {pct(first, 50):.2f} s (target <= {FIRST_EVENT_TARGET_S:.0f} s): {verdict}"
    )


if __name__ == "__main__":
    main()
