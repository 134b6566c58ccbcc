"""`nexa db revision`: the next migration written by Alembic autogenerate from the models' difference with a
database migrated to head, numbered `00NN_<slug>` and chained to the current head."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from store.db import MIGRATIONS, alembic_config, upgrade
from store.errors import InvalidInput

# What autogenerate cannot see from the models, each written by hand in a migration:
IGNORED_TABLE_PREFIXES = ("procrastinate_",)  # the job queue's own schema (procrastinate's migrations, 0010_jobs)
IGNORED_INDEXES = frozenset(
    {  # GIN trigram indexes over expressions (0001_initial_schema), for name search
        "ix_leads_name_trgm",
        "ix_contacts_name_trgm",
        "ix_accounts_name_trgm",
        "ix_deals_name_trgm",
    }
)


def include_object(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's filter: leave out the objects the models do not declare (see the two lists above)."""
    table = obj if kind == "table" else getattr(obj, "table", None)
    if table is not None and table.name.startswith(IGNORED_TABLE_PREFIXES):
        return False
    return not (kind == "index" and name in IGNORED_INDEXES)


class NothingToWrite(Exception):
    """The models and the migrated database agree: a revision would be empty, so none is written."""


def next_revision_id(message: str, directory: Path = MIGRATIONS) -> str:
    """`00NN_<slug>`: one more than the highest number among the migrations, and the message as a short slug."""
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40].rstrip("_")
    if not slug:
        raise InvalidInput("message", "must contain a letter or a digit (it names the migration file)")
    scripts = ScriptDirectory(str(directory))
    numbers = [int(m.group(1)) for rev in scripts.walk_revisions() if (m := re.match(r"(\d+)_", rev.revision))]
    return f"{max(numbers, default=0) + 1:04d}_{slug}"


def write_revision(url: str, message: str, *, into: Path | None = None) -> Path:
    """Migrate `url` to head, autogenerate the difference with the models and write it as the next revision
    (into `into`, default the migrations' versions folder). Raises NothingToWrite when there is no difference."""
    rev_id = next_revision_id(message)
    upgrade(url)  # autogenerate compares against the head schema
    cfg = alembic_config(url)
    cfg.set_main_option("file_template", "%%(rev)s")
    if into is not None:
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", os.pathsep.join((str(MIGRATIONS / "versions"), str(into))))

    def refuse_empty(context: MigrationContext, revision: Any, directives: list[MigrationScript]) -> None:
        if all(ops.is_empty() for ops in directives[0].upgrade_ops_list):
            directives.clear()

    script = command.revision(
        cfg, message, autogenerate=True, rev_id=rev_id, version_path=into, process_revision_directives=refuse_empty
    )
    if not script:
        raise NothingToWrite("the models and the migrations agree: there is nothing to write, and no file was written")
    assert not isinstance(script, list)  # one head, so one script
    return Path(script.path)
