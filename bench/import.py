"""CSV import benchmark: generate a contacts export of N rows (default 100,000) and import it into a throwaway CRM.

Every row passes the services' rules (validation, permission checks, owner and account references, timeline entry
marked imported); new contacts are written a batch at a time (ContactService.create_many: COPY). Imports a tenth of
the file, then the whole file, printing wall time, rows/s, the process's peak RSS after each (flat in the file size)
and the load average around each run (the machine is shared). Target: 100k rows <= 60 s.

    PYTHONPATH=. python bench/import.py [--rows 100000] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import csv
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from common import throwaway_settings
from sqlalchemy import text

from store.access import Actor
from store.auth import actor_for
from store.db import Database
from store.imports import Importer, ImportOptions, ImportReport
from store.models import Account, User
from store.models.enums import Role

TARGET_S = 60.0
ACCOUNTS = 200
OWNERS = 10


def write_file(path: Path, rows: int, start: int = 0) -> None:
    """A HubSpot-shaped contacts export."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "Record ID",
                "First Name",
                "Last Name",
                "Email",
                "Phone Number",
                "Job Title",
                "Company Name",
                "Lifecycle Stage",
                "Contact owner",
                "Favorite Product",
            ]
        )
        for i in range(start, start + rows):
            writer.writerow(
                [
                    f"{900000 + i}",
                    f"First{i}",
                    f"Last{i}",
                    f"person{i}@bench{i % ACCOUNTS}.test",
                    "+1 555 0100",
                    "Engineer",
                    f"Bench Account {i % ACCOUNTS}",
                    "Sales Qualified Lead",
                    f"owner{i % OWNERS}@nexa.test",
                    "Analytics",
                ]
            )


async def prepare(db: Database) -> Actor:
    async with db.session() as session:
        admin = User(name="Bench Admin", email="admin@bench.test", role=Role.admin)
        session.add(admin)
        session.add_all(
            [User(name=f"Owner {n}", email=f"owner{n}@nexa.test", role=Role.rep, team="Bench") for n in range(OWNERS)]
        )
        session.add_all([Account(account_name=f"Bench Account {n}") for n in range(ACCOUNTS)])
        await session.flush()
        return actor_for(admin)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    """The machine's load averages (1, 5, 15 min): the machine is shared, so figures go with the load they ran under."""
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


async def server_cpu(db: Database) -> float:
    """CPU seconds used so far by the database's server processes (the embedded server runs on this machine)."""
    async with db.session() as session:
        pids = list(await session.scalars(text("SELECT pid FROM pg_stat_activity")))
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def timed(db: Database, actor: Actor, path: Path) -> tuple[ImportReport, float, str]:
    """Import `path`; the report, the wall time, and the CPU time of this process and of the database server."""
    cpu, server, start = time.process_time(), await server_cpu(db), time.perf_counter()
    with path.open("rb") as raw:
        report = await Importer(db, actor, "contacts", ImportOptions(preset="hubspot")).run(raw)
    wall = time.perf_counter() - start
    return (
        report,
        wall,
        f"CPU: importer {time.process_time() - cpu:.1f} s, database {await server_cpu(db) - server:.1f} s",
    )


async def run(rows: int) -> None:
    settings, _ = throwaway_settings()
    db = Database.open(settings)
    folder = Path(tempfile.mkdtemp(prefix="nexa-import-"))
    try:
        actor = await prepare(db)
        small, big = folder / "small.csv", folder / "contacts.csv"
        write_file(small, rows // 10, start=10_000_000)
        write_file(big, rows)
        for path, count in ((small, rows // 10), (big, rows)):
            before = load()
            report, seconds, cpu = await timed(db, actor, path)
            print(
                f"{count:>7,} rows ({path.stat().st_size / 1e6:.1f} MB): {report.created:,} created, {report.failed} failed in "
                f"{seconds:.1f} s = {report.rows / seconds:,.0f} rows/s ({cpu}); peak RSS {peak_mb():.0f} MB; {before} -> {load()}"
            )
        print(
            f"100k-row target <= {TARGET_S:.0f} s (scaled from the last file): "
            f"{'PASS' if seconds * 100_000 / rows <= TARGET_S else 'FAIL'}"
        )
        before = load()
        again, seconds, cpu = await timed(db, actor, big)
        print(
            f"re-import (no-op): {again.unchanged:,} unchanged in {seconds:.1f} s = {again.rows / seconds:,.0f} rows/s ({cpu}); "
            f"{before} -> {load()}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database folder")
    args = parser.parse_args()
    _, home = throwaway_settings()
    if home is not None and not args.keep:
        atexit.register(shutil.rmtree, home, ignore_errors=True)
    asyncio.run(run(args.rows))


if __name__ == "__main__":
    main()
