"""Cold start of the command line: `nexa --help` and one `nexa ask` turn, wall time from process start to exit.

Targets (issue 15, quiet machine): `nexa --help` <= 0.5 s, `nexa ask` <= 2 s. The ask runs on the demo CRM in
a throwaway NEXA_HOME (seeded once before timing). This process holds the embedded server while it times, so
it stays up between runs as it does for a user with `nexa serve` running; `--stopped` times the ask with the
server stopped instead (each run then starts it and stops it again at exit). Prints the median and the spread of
`--runs` runs each, then where one ask's time goes (imports, database, embedder, turn, exit), and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NEXA = str(Path(sys.executable).with_name("nexa"))
ASK = ["ask", "what's my pipeline?", "--as", "john@nexa.test"]


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([NEXA, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def phases() -> None:
    """One ask in this (fresh) process, timed by phase: prints "phase wall cpu" lines."""
    started = time.perf_counter()
    marks: list[tuple[str, float, float]] = []
    last = [started, time.process_time()]

    def mark(label: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        marks.append((label, wall - last[0], cpu - last[1]))
        last[:] = [wall, cpu]

    import asyncio

    import bots.cli  # noqa: F401  (what `nexa` imports before it parses the command)
    from assistant.runtime import build_agent
    from store.auth import actor_for_email
    from store.db import Database
    from store.embeddings import default_embedder

    mark("import the CLI and the agent")

    async def turn() -> None:
        async with Database.opened() as db:
            async with db.session() as session:
                actor = await actor_for_email(session, "john@nexa.test")
            mark("database: start/reuse, migrations check, caller")
            agent = build_agent(db)
            default_embedder().embed(["warm up"])
            mark("embedder: import and load the model")
            await agent.run(actor, ASK[1])
            mark("the turn (examples, plan, tool, answer)")

    asyncio.run(turn())
    for label, wall, cpu in marks:
        print(f"{label}\t{wall:.2f}\t{cpu:.2f}")


def split(env: dict[str, str]) -> None:
    """Where one ask's wall time goes (the exit, mostly the embedded server's stop, is the rest of the process's time)."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--phases"], env=env, check=True, capture_output=True, text=True
    ).stdout
    total = time.perf_counter() - start
    rows = [line.split("\t") for line in out.splitlines() if line.count("\t") == 2]
    rows.append(["interpreter start and exit", f"{total - sum(float(r[1]) for r in rows):.2f}", "-"])
    print(f"one ask, {total:.2f} s wall:")
    for label, wall, cpu in rows:
        print(f"  {label:<50} {wall:>6} s wall  {cpu:>5} s cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stopped", action="store_true", help="time the ask with the embedded server stopped")
    parser.add_argument("--phases", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        phases()
        return
    home = tempfile.mkdtemp(prefix="nexa-cold-")
    env = os.environ | {"NEXA_HOME": home, "HF_HUB_OFFLINE": "1"}
    env.pop("DATABASE_URL", None)
    subprocess.run([NEXA, "seed"], env=env, check=True, capture_output=True)
    print(f"first ask   {_timed(ASK, env):.2f} s (embeds the offline model's examples into NEXA_HOME/cache)")
    if not args.stopped:
        from store.server import start_embedded

        start_embedded(Path(home) / "pgdata")  # held until this process exits
    for label, command in (("nexa --help", ["--help"]), ("nexa ask", ASK)):
        times = [_timed(command, env) for _ in range(args.runs)]
        print(
            f"{label:<12} median {statistics.median(times):.2f} s  (min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs)"
        )
    split(env)
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        f" (embedded server {'stopped between runs' if args.stopped else 'kept up'})"
    )


if __name__ == "__main__":
    main()
