"""The migrations and the SQLAlchemy models agree: an empty database migrated to head (the session's test database)
leaves autogenerate nothing to write, so `nexa db revision` starts from a clean slate."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store.models.base import Base

# What autogenerate cannot see from the models, each written by hand in a migration:
IGNORED_TABLE_PREFIXES = ("procrastinate_",)  # the job queue's own schema (procrastinate's migrations, 0010_jobs)
IGNORED_INDEXES = frozenset({  # GIN trigram indexes over expressions (0001_initial_schema), for name search
    "ix_leads_name_trgm", "ix_contacts_name_trgm", "ix_accounts_name_trgm", "ix_deals_name_trgm",
})


def _include(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    table = obj if kind == "table" else getattr(obj, "table", None)
    if table is not None and table.name.startswith(IGNORED_TABLE_PREFIXES):
        return False
    return not (kind == "index" and name in IGNORED_INDEXES)


def _diff(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _include})
    return compare_metadata(context, Base.metadata)


async def test_migrating_to_head_leaves_no_autogenerate_diff(database):
    async with database.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == [], "the models and the migrations differ (write a migration):\n" + "\n".join(map(str, diff))
