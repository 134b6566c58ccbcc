"""Test fixtures: one real PostgreSQL (embedded, or DATABASE_URL) per run, a clean database per test."""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from store.access import Actor
from store.clock import pinned
from store.db import Database, upgrade
from store.server import start_embedded
from store.settings import Settings
from tests.live import SECRET_KEY, SharedServers
from tests.smtp import Inbox, smtp_server

if TYPE_CHECKING:
    from assistant.offline_model import OfflineModel

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... under pytest-xdist (pyproject addopts), else ""
TEST_DB = "nexa_test" + (f"_{WORKER}" if WORKER else "")


def _loopback(host: object) -> bool:
    if not isinstance(host, str) or host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def refuse_network():
    """Tests never reach a real model endpoint (or anything off this machine)."""
    original = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise RuntimeError(f"tests may not connect to {address[0]}: fake it on loopback")
        return original(self, address)

    socket.socket.connect = guarded
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        os.environ.pop(var, None)
    yield
    socket.socket.connect = original


@pytest.fixture(scope="session")
def database_url() -> str:
    """A freshly migrated test database on the embedded server (or on DATABASE_URL's server)."""
    if os.environ.get("DATABASE_URL"):
        base = Settings().database_url.replace("postgresql+psycopg://", "postgresql://")  # type: ignore[union-attr]
        admin = base
    else:
        home = Path(os.environ.get("NEXA_TEST_HOME") or tempfile.mkdtemp(prefix="nexa-test-")) / WORKER  # one server per worker
        admin = start_embedded(home / "pgdata").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEST_DB}"')
    head, _, tail = admin.partition("?")
    url = head.rsplit("/", 1)[0] + f"/{TEST_DB}" + (f"?{tail}" if tail else "")
    url = url.replace("postgresql://", "postgresql+psycopg://")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
async def database(database_url: str):
    db = Database(database_url, settings=Settings())
    yield db
    await db.close()


async def empty_database(database: Database) -> None:
    """Every table emptied and every sequence restarted (ticket numbers start at 1001 again).

    The job workers' registrations stay: a live server's worker keeps running across tests, and a job it is running
    (a deal's insight refresh, say) can deadlock with the TRUNCATE: PostgreSQL aborts one side, and then this tries again."""
    for attempt in range(5):
        try:
            return await _empty(database)
        except OperationalError as err:
            if not isinstance(err.orig, psycopg.errors.DeadlockDetected) or attempt == 4:
                raise


async def _empty(database: Database) -> None:
    async with database.engine.begin() as conn:
        tables = (await conn.execute(text(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', 'procrastinate_workers')"
        ))).scalar_one()
        await conn.execute(text("SET session_replication_role = replica"))
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await conn.execute(text("SET session_replication_role = DEFAULT"))
        for (sequence,) in await conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
                                                         "AND sequencename <> 'procrastinate_workers_id_seq'")):
            await conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture
async def db(database: Database) -> Database:
    """The test database, emptied before the test."""
    await empty_database(database)
    return database


SYSTEM = Actor.system()


# Seven consecutive days, Monday to Sunday, each at another hour (00:30, 07:30, ... 18:30, 23:59 on Sunday):
# a date-sensitive test runs on each with `@EACH_DAY_OF_A_WEEK`, so it passes on any weekday and hour.
WEEK = [datetime(2026, 6, 8, 0, 30, tzinfo=UTC) + timedelta(days=i, hours=7 * (i % 4)) for i in range(6)]
WEEK.append(datetime(2026, 6, 14, 23, 59, tzinfo=UTC))
DEFAULT_NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # a Wednesday morning
EACH_DAY_OF_A_WEEK = pytest.mark.parametrize("clock", WEEK, indirect=True, ids=lambda at: at.strftime("%a%H%M"))


@pytest.fixture
def clock(request) -> Iterator[datetime]:
    """store.clock pinned for the test: to the parametrized moment (EACH_DAY_OF_A_WEEK), else to DEFAULT_NOW.

    Request it before the fixtures that seed data, so the data is built at that moment too.
    """
    with pinned(getattr(request, "param", DEFAULT_NOW)) as at:
        yield at


@pytest.fixture(scope="session")
def offline() -> OfflineModel:
    """The offline model, warmed up once for every test that talks to it."""
    from assistant.offline_model import OfflineModel
    from store.embeddings import default_embedder

    model = OfflineModel(default_embedder())
    model.warm_up()
    return model


SERVERS = SharedServers()


def _server_name(node: pytest.Item | pytest.Module) -> str | None:
    marker = node.get_closest_marker("server")
    return marker.args[0] if marker else None


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules that share a `nexa serve` configuration (`pytest.mark.server`) run one after another, after the rest.

    Under pytest-xdist (`--dist loadgroup`) a module, or all the modules of one shared server, go to one worker: its
    module-scoped servers and browsers start once, and so does each shared server.
    """
    items.sort(key=lambda item: (_server_name(item) is not None, _server_name(item) or ""))
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            name = _server_name(item)
            item.add_marker(pytest.mark.xdist_group(f"server-{name}" if name else item.nodeid.split("::")[0]))


def pytest_sessionfinish() -> None:
    SERVERS.keep(None)


@pytest.fixture(scope="module", autouse=True)
def _only_this_modules_server(request) -> None:
    """A shared server of another configuration stops before this module runs (its worker would take our jobs)."""
    SERVERS.keep(_server_name(request.node))


@pytest.fixture(scope="session")
def mailbox() -> Iterator[tuple[Inbox, str]]:
    """One real SMTP server for the session (the "mail" shared server delivers to it): its inbox and NEXA_SMTP_URL."""
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def shared_server(request, database_url: str) -> str:
    """The base URL of the `nexa serve` named by the module's `pytest.mark.server(name)`, shared by the modules that
    name it: "plain" (the default settings) or "mail" (SMTP to `mailbox`, NEXA_SECRET_KEY=SECRET_KEY, 0.5 s job poll)."""
    name = _server_name(request.node)
    if name == "plain":
        return SERVERS.get(name, database_url)
    if name == "mail":
        url = request.getfixturevalue("mailbox")[1]
        return SERVERS.get(name, database_url, NEXA_SMTP_URL=url, NEXA_SECRET_KEY=SECRET_KEY, NEXA_JOBS_POLL="0.5")
    raise LookupError(f"{request.node.name}: mark the module with pytest.mark.server('plain' or 'mail')")
