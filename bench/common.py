"""What the benchmarks share: a throwaway home for the embedded server, a `nexa serve` process, percentiles."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

from store.settings import Settings

# The benchmarks run as scripts (`python bench/x.py`); some use the tests' helpers (tests.support), so the repository
# root goes on the import path when this module is imported, as every benchmark does first.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def throwaway_settings() -> tuple[Settings, Path | None]:
    """The settings, with NEXA_HOME in a new temporary folder unless DATABASE_URL names a server (then None)."""
    settings = Settings()
    if settings.database_url:
        return settings, None
    home = Path(tempfile.mkdtemp(prefix="nexa-bench-"))
    os.environ["NEXA_HOME"] = str(home)
    return replace(settings, home=home), home


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`nexa serve` on a free loopback port, returned once /ready answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    nexa = Path(sys.executable).with_name("nexa")
    process = subprocess.Popen(
        [str(nexa), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a shared, loaded machine can take minutes to import and warm up
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("nexa serve did not become ready")


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (1-99)."""
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]
