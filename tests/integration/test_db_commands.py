"""`Database.opened` (the CLI's way in) and `nexa db revision` (Alembic autogenerate against the models)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, Index, Integer, String, Table, text

from store.db import Database
from store.errors import InvalidInput
from store.models import Base
from store.revisions import NothingToWrite, write_revision
from store.settings import Settings
from tests.support.cli import nexa


async def test_opened_closes_the_pools_when_the_block_fails(database_url):
    settings = Settings(database_url=database_url)
    with pytest.raises(RuntimeError):
        async with Database.opened(settings) as db:
            async with db.session() as session:
                assert await session.scalar(text("SELECT 1")) == 1
            assert db.engine.pool.checkedin() == 1  # the session's connection went back to the pool
            raise RuntimeError("the command failed")
    assert db.engine.pool.checkedin() == 0  # disposed: no connection left open behind the command


def _head() -> str:
    from alembic.script import ScriptDirectory

    from store.db import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def test_revision_with_no_model_change_writes_nothing(database_url, tmp_path):
    with pytest.raises(NothingToWrite, match="nothing to write"):
        write_revision(database_url, "no change", into=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_revision_writes_the_new_table_as_the_next_numbered_migration(database_url, tmp_path):
    head = _head()
    scratch = Table(
        "scratch_gadgets",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("label", String(80), nullable=False),
        Column("embedding", Vector(8)),
        Index("ix_scratch_gadgets_label", "label"),
    )
    try:
        path = write_revision(database_url, "Add scratch gadgets!", into=tmp_path)
    finally:
        Base.metadata.remove(scratch)
    number = int(head.split("_")[0]) + 1
    assert path == tmp_path / f"{number:04d}_add_scratch_gadgets.py"
    source = path.read_text()
    assert f"revision = '{number:04d}_add_scratch_gadgets'" in source and f"down_revision = '{head}'" in source
    assert "op.create_table('scratch_gadgets'" in source and "op.create_index('ix_scratch_gadgets_label'" in source
    assert "op.drop_table('scratch_gadgets')" in source
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(path)], capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout  # its imports are the ones it uses (pgvector's among them), sorted
    compile(source, str(path), "exec")


def test_revision_message_must_name_something(database_url, tmp_path):
    with pytest.raises(InvalidInput, match="message"):
        write_revision(database_url, "!!!", into=tmp_path)


def test_nexa_db_revision_refuses_an_empty_revision(database_url):
    done = nexa("db", "revision", "-m", "nothing changed", env={"DATABASE_URL": database_url, "COLUMNS": "200"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "No revision: the models and the migrations agree" in done.stdout
    bad = nexa("db", "revision", "-m", "???", env={"DATABASE_URL": database_url, "COLUMNS": "200"})
    assert bad.returncode == 2 and "message: must contain a letter or a digit" in bad.stdout
