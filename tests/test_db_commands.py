"""`Database.opened` (the CLI's way in) and `nexa db revision` (Alembic autogenerate against the models)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from store.db import Database
from store.settings import Settings


async def test_opened_closes_the_pools_when_the_block_fails(database_url):
    settings = Settings(database_url=database_url)
    with pytest.raises(RuntimeError):
        async with Database.opened(settings) as db:
            async with db.session() as session:
                assert await session.scalar(text("SELECT 1")) == 1
            assert db.engine.pool.checkedin() == 1  # the session's connection went back to the pool
            raise RuntimeError("the command failed")
    assert db.engine.pool.checkedin() == 0  # disposed: no connection left open behind the command
