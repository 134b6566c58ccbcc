"""The `nexa` command line run in the test process (typer's CliRunner): no new interpreter to start, no models to load
again. Tests of the process boundary itself (imports, stdin of a real pipe, exit on a signal) start `nexa` instead."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import traceback

from rich.console import Console
from typer.testing import CliRunner

from bots.cli import app
from store.settings import get_settings


def nexa(*args: str, env: dict[str, str | None], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `nexa ARGS` with `env` over this process's environment (None unsets a variable), settings read afresh.

    The answer has a finished process's fields: `returncode`, `stdout`, and `stderr` (with the traceback of a crash).
    """
    get_settings.cache_clear()
    # A module's rich Console keeps the COLUMNS of when it was imported: give each the width this run asks for.
    consoles = [
        c
        for name, m in list(sys.modules.items())
        if name.startswith("bots.")
        for c in vars(m).values()
        if isinstance(c, Console)
    ]
    widths = [c._width for c in consoles]
    for console in consoles:
        console._width = int(env["COLUMNS"]) if env.get("COLUMNS") else None
    try:
        result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    finally:
        get_settings.cache_clear()
        for console, width in zip(consoles, widths, strict=True):
            console._width = width
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["nexa", *args], result.exit_code, result.stdout, stderr)


async def nexa_async(*args: str, env: dict[str, str | None], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`nexa` from an async test: in a thread, since the command runs its own event loop."""
    return await asyncio.to_thread(nexa, *args, env=env, stdin=stdin)
