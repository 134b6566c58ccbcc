"""Engine, sessions and migrations: one `Database` per process."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import psycopg
from pgvector.psycopg import register_vector_async
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from store.server import start_embedded
from store.settings import Settings, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=]*=(.*)$", re.M)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")
# pgvector's HNSW scans on every connection: keep scanning until a filtered query has its LIMIT of rows
# (results re-sorted by the caller), with a wider candidate list than the default 40. Set per connection so
# that a search is one statement.
HNSW_OPTIONS = "-c hnsw.iterative_scan=relaxed_order -c hnsw.ef_search=100"
DbSession: TypeAlias = AsyncSession  # one turn's or request's unit of work, as the layers above store name it


def resolve_url(settings: Settings) -> str:
    """The SQLAlchemy URL: DATABASE_URL when set, else the embedded server (started on demand)."""
    if settings.database_url:
        return _driver(settings.database_url)
    return start_embedded(settings.pgdata)


def _driver(url: str) -> str:
    """`url` with psycopg as the driver (postgres:// and postgresql:// URLs are accepted)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and `url`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def head_revisions() -> set[str]:
    """The revisions no migration names as its `down_revision`, read from the files' text: every start checks them,
    and importing Alembic and every migration (some import heavy libraries) would cost a third of `nexa ask`."""
    named: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for key, value in _REVISION_LINE.findall(path.read_text()):
            (named if key == "revision" else parents).update(_QUOTED.findall(value))
    return named - parents


def needs_upgrade(url: str) -> bool:
    """True unless the database stands at the one newest migration (anything else, Alembic's upgrade sorts out)."""
    heads = head_revisions()
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            current = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except psycopg.errors.UndefinedTable:
        return True
    return len(heads) != 1 or current != heads


def _engine(url: str, settings: Settings) -> AsyncEngine:
    """The pool. No ping per checkout (a round trip per request): connections are replaced after
    NEXA_POOL_RECYCLE seconds, and a dropped one (a database restart) fails its one request with a 503 and
    invalidates every connection of the pool that is older, so the next requests connect afresh."""
    return create_async_engine(
        url,
        pool_size=settings.pool_size,
        max_overflow=0,
        pool_timeout=5,
        pool_recycle=settings.pool_recycle_s,
        connect_args={"options": f"-c statement_timeout={settings.statement_timeout_ms} {HNSW_OPTIONS}"},
    )


async def psycopg_connection(session: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under `session` (its transaction's), for what only the driver does: pipeline mode, COPY."""
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert isinstance(raw, psycopg.AsyncConnection), "a pooled connection always holds its psycopg connection"
    return raw


async def vector_connection(session: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under `session`, able to send and read pgvector values in binary (pgvector's adapter, set
    up once per pooled connection): a vector travels as its floats, not as text formatted and parsed number by number.
    A numpy array passed as a parameter then goes as a `vector`."""
    raw = await psycopg_connection(session)
    if raw.adapters.types.get("vector") is None:
        await register_vector_async(raw)
    return raw


class Database:
    """The process's connection pool and session factory."""

    def __init__(self, url: str, *, settings: Settings | None = None) -> None:
        settings = settings or get_settings()
        self.url = url
        self.engine = _engine(url, settings)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.statements = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )
        replica = settings.database_replica_url
        self.replica = _engine(_driver(replica), settings) if replica else None

    @classmethod
    def open(cls, settings: Settings | None = None, *, migrate: bool = True) -> Database:
        """Resolve the URL (starting the embedded server if needed) and migrate on first use."""
        settings = settings or get_settings()
        url = resolve_url(settings)
        if migrate and needs_upgrade(url):
            upgrade(url)
        return cls(url, settings=settings)

    @classmethod
    @asynccontextmanager
    async def opened(cls, settings: Settings | None = None, *, migrate: bool = True) -> AsyncIterator[Database]:
        """`open`, yield the database, and close its pools however the block ends: the CLI's and scripts' one way in."""
        db = cls.open(settings, migrate=migrate)
        try:
            yield db
        finally:
            await db.close()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on any error."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncSession]:
        """A session whose statements commit by themselves, for a read that is one statement: no BEGIN and COMMIT
        round trips, and its connection is taken from the pool at the statement, not before."""
        async with self.statements() as session:
            yield session

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection whose every statement commits by itself: one round trip for a single atomic statement."""
        async with self.engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A read-only session for analytics (pipeline, forecasts, alerts): on the replica when
        NEXA_DATABASE_REPLICA_URL is set, else on the primary."""
        async with AsyncSession(self.replica or self.engine, expire_on_commit=False) as session:
            await session.execute(text("SET TRANSACTION READ ONLY"))
            try:
                yield session
            finally:
                await session.rollback()

    async def check_ready(self) -> None:
        """Raise unless the database answers and has been migrated."""
        async with self.session() as session:
            await session.execute(text("SELECT 1 FROM alembic_version"))

    async def close(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.dispose()
