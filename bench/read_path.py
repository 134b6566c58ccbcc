"""Read path: `GET /api/v1/leads?limit=20` on `nexa serve` against a bare Litestar app running the same SELECT.

    .venv/bin/python bench/read_path.py [--clients 8] [--requests 600] [--rounds 2]

Seeds a throwaway CRM (embedded PostgreSQL under a temporary NEXA_HOME, or an empty DATABASE_URL), then starts two
single-process uvicorn servers on the one database: `nexa serve`, and the anchor, a bare Litestar app whose one
handler runs the leads page's SELECT (the rep's team visibility, newest first, LIMIT 20) on a plain SQLAlchemy
connection and returns the rows. Both are driven by the same concurrent clients, in alternating rounds (the machine
is shared: only the ratio measured in one run means anything). Prints requests/s, p50 and p95 of each and the ratios
(target: Nexa's p50 within 2x of the anchor's), with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import pct, start_server, throwaway_settings
from sqlalchemy import select

from bots.http.auth import issue_token
from store.db import Database
from store.models import User
from store.seed import seed
from store.settings import Settings

ANCHOR_SQL = """
SELECT leads.* FROM leads
WHERE leads.assigned_to_id IS NULL OR leads.assigned_to_id = :me
   OR leads.assigned_to_id IN (SELECT users.id FROM users WHERE users.team = :team)
ORDER BY leads.created_at DESC LIMIT :limit OFFSET :offset
"""


def anchor():  # noqa: ANN201 (a Litestar app, built by uvicorn --factory in its own process)
    """The bare app: one route, one pooled connection per request, the SELECT, the rows as JSON."""
    from litestar import Litestar, get
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(os.environ["ANCHOR_DATABASE_URL"], pool_size=10, max_overflow=0)
    me, team = os.environ["ANCHOR_USER"], os.environ["ANCHOR_TEAM"]

    @get("/api/v1/leads")
    async def leads(limit: int = 20, offset: int = 0) -> dict:
        async with engine.connect() as conn:
            rows = (
                (await conn.execute(text(ANCHOR_SQL), {"me": me, "team": team, "limit": limit, "offset": offset}))
                .mappings()
                .all()
            )
        return {"items": [dict(r) for r in rows]}

    return Litestar([leads], on_shutdown=[engine.dispose])


async def prepare(settings: Settings) -> tuple[str, str, str, str]:
    """Seed the demo CRM (scale 2); the database URL, a token for John, his id and team."""
    async with Database.opened(settings) as db:
        await seed(db, scale=2)
        async with db.session() as session:
            john = await session.scalar(select(User).where(User.email == "john@nexa.test"))
            return db.url, await issue_token(session, john), str(john.id), john.team or ""


def start_anchor(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "read_path:anchor",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=Path(__file__).parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/api/v1/leads", timeout=2).raise_for_status()
            return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the anchor app did not start")


async def drive(base: str, token: str, clients: int, n: int) -> tuple[float, list[float]]:
    """n requests of the leads page from `clients` concurrent clients: wall seconds and each request's seconds."""
    queue, timings = list(range(n)), []
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_connections=clients),
        timeout=60,
    ) as http:

        async def worker() -> None:
            while queue:
                i = queue.pop()
                start = time.perf_counter()
                (await http.get("/api/v1/leads", params={"limit": 20, "offset": i % 50})).raise_for_status()
                timings.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return time.perf_counter() - start, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600, help="requests per round and server")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (anchor, nexa, anchor, nexa, ...)")
    args = parser.parse_args()
    settings, home = throwaway_settings()
    url, token, me, team = asyncio.run(prepare(settings))
    env = os.environ | {
        "NEXA_HOME": str(settings.home),
        "NEXA_API_PER_MINUTE": "1000000",
        "DATABASE_URL": url,
        "ANCHOR_DATABASE_URL": url,
        "ANCHOR_USER": me,
        "ANCHOR_TEAM": team,
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        env.pop(var, None)
    nexa, nexa_base = start_server(env)
    bare, bare_base = start_anchor(env)
    figures: dict[str, tuple[float, list[float]]] = {"anchor": (0.0, []), "nexa": (0.0, [])}
    try:
        for base in (bare_base, nexa_base):
            asyncio.run(drive(base, token, args.clients, args.clients * 10))  # warm-up
        for _ in range(args.rounds):
            for name, base in (("anchor", bare_base), ("nexa", nexa_base)):
                wall, timings = asyncio.run(drive(base, token, args.clients, args.requests))
                figures[name] = (figures[name][0] + wall, figures[name][1] + timings)
    finally:
        for process in (nexa, bare):
            process.terminate()
            process.wait(timeout=20)
        if home:
            shutil.rmtree(home, ignore_errors=True)
    print(
        f"GET /api/v1/leads?limit=20, {args.clients} clients, {args.rounds} x {args.requests} requests each, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    rows = {}
    for name, (wall, timings) in figures.items():
        rows[name] = (len(timings) / wall, 1000 * pct(timings, 50), 1000 * pct(timings, 95))
        print(f"  {name:7} {rows[name][0]:8.1f} req/s   p50 {rows[name][1]:7.2f} ms   p95 {rows[name][2]:7.2f} ms")
    ratio = rows["nexa"][1] / rows["anchor"][1]
    print(
        f"  nexa/anchor: p50 {ratio:.2f}x, p95 {rows['nexa'][2] / rows['anchor'][2]:.2f}x, "
        f"throughput {rows['anchor'][0] / rows['nexa'][0]:.2f}x slower (target p50 <= 2x): {'PASS' if ratio <= 2 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
