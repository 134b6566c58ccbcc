"""A real `nexa serve` process on loopback against the test database, for HTTP and browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from tests.support.paths import ROOT
from tests.support.smtp import free_port

NEXA = Path(sys.executable).with_name("nexa")


def _environment(database_url: str, env: dict[str, str]) -> dict[str, str]:
    """The child's environment: the test database, no model hub, and the checkout on the path (so that
    NEXA_JOB_MODULES=tests.support.job_tasks imports in a child, as it does here)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return os.environ | {"DATABASE_URL": database_url, "HF_HUB_OFFLINE": "1", "PYTHONPATH": path} | env


@contextmanager
def live_server(database_url: str, *, log: Path | None = None, args: tuple[str, ...] = (), **env: str) -> Iterator[str]:
    """Start `nexa serve [args]` on a free port; yield its base URL once /ready answers; stop it after.

    Its output goes to `log` (a temporary file by default), never to a pipe nobody reads (a full pipe blocks the server).
    """
    port = free_port()
    environment = _environment(database_url, env)
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        environment.pop(var, None)
    log = log or Path(tempfile.mkdtemp(prefix="nexa-serve-")) / "serve.log"
    process = subprocess.Popen(
        [str(NEXA), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a shared, loaded machine can take this long to import and warm up
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nexa serve exited: {log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("nexa serve did not become ready in 300 s")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


SECRET_KEY = "shared-test-signing-key-0123456789"  # NEXA_SECRET_KEY of the "mail" server (tests sign links with it)


class SharedServers:
    """`nexa serve` processes shared by consecutive test modules, one per named configuration.

    A module asks for one with `pytestmark = pytest.mark.server("plain")` (or "mail": an SMTP server, a signing key
    and a fast job poll) and the `shared_server` fixture. Starting one takes seconds (imports, model warm-up), so
    modules of one configuration run next to each other (tests/support/servers.py orders them) and share it. When a module
    of another configuration (or of none) starts, the others stop: a server's in-process worker would otherwise take
    that module's jobs.
    """

    def __init__(self) -> None:
        self._running: dict[str, tuple[str, ExitStack]] = {}

    def get(self, name: str, database_url: str, **env: str) -> str:
        """The base URL of the server named `name`, started with `env` if it is not running."""
        if name not in self._running:
            stack = ExitStack()
            self._running[name] = (stack.enter_context(live_server(database_url, **env)), stack)
        return self._running[name][0]

    def keep(self, name: str | None) -> None:
        """Stop every server but `name`."""
        for other in [n for n in self._running if n != name]:
            self._running.pop(other)[1].close()


def start_worker(database_url: str, log: Path, **env: str) -> subprocess.Popen:
    """Start `nexa worker` against the test database (stop it with terminate() or kill())."""
    environment = _environment(database_url, env)
    return subprocess.Popen(
        [str(NEXA), "worker"], env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True
    )


def wait_for(predicate: Callable[[], bool], seconds: float = 180) -> None:
    """Poll `predicate` until it holds (a live server's own worker finishes jobs in its own time; on a loaded machine a
    minute was not always enough)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)
