"""Alembic environment: runs migrations online, serialised by a transaction-level advisory lock."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from store.models import Base
from store.revisions import include_object

LOCK_KEY = 727274  # serialises concurrent upgrades of the same database


def run() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: sqlalchemy.url is not set")
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, compare_type=True, include_object=include_object
        )
        with context.begin_transaction():
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
            context.run_migrations()
    engine.dispose()


run()
