"""One real PostgreSQL per test worker (embedded, or DATABASE_URL's server), migrated once, emptied before each test."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from store.db import Database, upgrade
from store.server import start_embedded
from store.settings import Settings

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... under pytest-xdist (pyproject addopts), else ""
TEST_DB = "nexa_test" + (f"_{WORKER}" if WORKER else "")


@pytest.fixture(scope="session")
def database_url() -> str:
    """A freshly migrated test database on the embedded server (or on DATABASE_URL's server)."""
    if os.environ.get("DATABASE_URL"):
        base = Settings().database_url.replace("postgresql+psycopg://", "postgresql://")  # type: ignore[union-attr]
        admin = base
    else:
        kept = os.environ.get("NEXA_TEST_HOME")  # a server to reuse across runs; else one deleted when the run ends
        home = Path(kept or tempfile.mkdtemp(prefix="nexa-test-")) / WORKER  # one server per worker
        admin = start_embedded(home / "pgdata", temporary=not kept).replace("postgresql+psycopg://", "postgresql://")
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
        tables = (
            await conn.execute(
                text(
                    "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', 'procrastinate_workers')"
                )
            )
        ).scalar_one()
        await conn.execute(text("SET session_replication_role = replica"))
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await conn.execute(text("SET session_replication_role = DEFAULT"))
        for (sequence,) in await conn.execute(
            text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
                "AND sequencename <> 'procrastinate_workers_id_seq'"
            )
        ):
            await conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture
async def db(database: Database) -> Database:
    """The test database, emptied before the test."""
    await empty_database(database)
    return database
