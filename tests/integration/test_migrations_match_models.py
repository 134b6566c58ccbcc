"""The migrations and the SQLAlchemy models agree: an empty database migrated to head (the session's test database)
leaves autogenerate nothing to write, so `nexa db revision` starts from a clean slate."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store.models.base import Base
from store.revisions import include_object


def _diff(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
    return compare_metadata(context, Base.metadata)


async def test_migrating_to_head_leaves_no_autogenerate_diff(database):
    async with database.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == [], "the models and the migrations differ (write a migration):\n" + "\n".join(map(str, diff))
