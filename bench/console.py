"""Console pages' server time: the pipeline board on the demo seed, per kind of user.

    PYTHONPATH=. .venv/bin/python bench/console.py [--requests 200] [--scale 1]

Seeds a throwaway CRM (embedded PostgreSQL under a temporary NEXA_HOME, or DATABASE_URL, which must be empty),
signs the demo users in through the sign-in form, then requests /console/pipeline in-process (Litestar's test
client: no network, no browser), one request at a time, and prints p50/p95/max per user with the page's size.
The same for the task board and the dashboards' pipeline JSON, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import time

from common import pct, throwaway_settings
from litestar.testing import AsyncTestClient
from rich.console import Console
from rich.table import Table

from bots.http.app import create_app
from store.db import Database
from store.seed import seed
from store.signin import DEMO_PASSWORD

USERS = [
    ("john@nexa.test", "rep: own team"),
    ("maria@nexa.test", "manager: own team"),
    ("admin@nexa.test", "admin: every deal"),
]
PAGES = ["/console/pipeline", "/console/tasks", "/console/data/pipeline.json"]
console = Console(width=max(110, shutil.get_terminal_size().columns))


async def sign_in(client: AsyncTestClient, email: str) -> None:
    form = await client.get("/console/signin")
    token = re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', form.text).group(1)  # type: ignore[union-attr]
    done = await client.post(
        "/console/signin", data={"email": email, "password": DEMO_PASSWORD, "_csrf": token}, follow_redirects=False
    )
    assert done.status_code == 303, done.text


async def main(requests: int, scale: int) -> None:
    settings, _ = throwaway_settings()
    db = Database.open(settings)
    started = time.perf_counter()
    counts = await seed(db, scale=scale)
    console.print(f"seeded {counts.deals} deals in {time.perf_counter() - started:.0f} s")
    app = create_app(db, settings=settings)
    table = Table(title=f"Console server time, {requests} sequential requests each (in-process)")
    for column in ("page", "user", "p50 ms", "p95 ms", "max ms", "KB"):
        table.add_column(column, justify="right" if column.endswith(("ms", "KB")) else "left")
    async with AsyncTestClient(app, base_url="https://console.bench") as client:
        for email, who in USERS:
            client.cookies.clear()
            await sign_in(client, email)
            for path in PAGES:
                await client.get(path)  # warm: templates compiled, pool connected
                timings, size = [], 0
                for _ in range(requests):
                    start = time.perf_counter()
                    response = await client.get(path)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, response.text[:300]
                    size = len(response.content)
                table.add_row(
                    path,
                    f"{email} ({who})",
                    f"{pct(timings, 50):.1f}",
                    f"{pct(timings, 95):.1f}",
                    f"{max(timings):.1f}",
                    f"{size / 1024:.0f}",
                )
    console.print(table)
    await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.scale))
