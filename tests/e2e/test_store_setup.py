"""The embedded server, migrations on first use, the seed and the `nexa` commands, run for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from store.db import alembic_config, head_revisions, needs_upgrade
from store.models import Account, Contact, Deal, Lead, Ticket, User
from store.models.enums import DealStage, LeadStatus
from store.seed import is_seeded, seed

NEXA = [sys.executable, "-c", "from bots.cli import app; app()"]


def _nexa(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = os.environ | {"NEXA_HOME": str(home), "COLUMNS": "120"}
    env.pop("DATABASE_URL", None)
    return subprocess.run([*NEXA, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


def test_demo_starts_embedded_postgres_migrates_seeds_and_reuses_it(tmp_path):
    first = _nexa(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert (
        "Sarah Johnson" in first.stdout
        and "Acme Corp - Enterprise Plan" in first.stdout
        and "Open pipeline" in first.stdout
    )
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()
    again = _nexa(tmp_path, "seed")
    assert again.returncode == 0 and "already loaded" in again.stdout
    upgrade = _nexa(tmp_path, "db", "upgrade")
    assert upgrade.returncode == 0 and "newest migration" in upgrade.stdout


def test_the_newest_migration_read_from_the_files_is_alembics_head(database_url):
    assert head_revisions() == {ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()}


async def test_migrated_schema_matches_the_models(database_url):
    assert not needs_upgrade(database_url)
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as conn:
        extensions = {row[0] for row in conn.execute("SELECT extname FROM pg_extension")}
        assert {"vector", "citext"} <= extensions
        column = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'kb_chunks'::regclass AND attname = 'embedding'"
        ).fetchone()
        assert column[0] == "vector(384)"


async def test_audit_log_is_append_only(db):
    async with db.session() as s:
        await s.execute(
            text("INSERT INTO audit_log (actor_label, channel, action, status) VALUES ('x', 'cli', 'test', 'ok')")
        )
    async with db.engine.connect() as conn:
        try:
            await conn.execute(text("UPDATE audit_log SET status = 'forged'"))
            raise AssertionError("audit_log accepted an UPDATE")
        except Exception as err:  # noqa: BLE001 - any refusal by the trigger
            assert "append-only" in str(err)
        await conn.rollback()


async def test_seed_tells_the_specs_story_reproducibly(db):
    await seed(db)
    assert await is_seeded(db)
    async with db.session() as s:
        names = set(await s.scalars(select(User.email)))
        assert {"john@nexa.test", "mike@nexa.test", "maria@nexa.test", "sam@nexa.test", "admin@nexa.test"} <= names
        acme = await s.scalar(select(Account).where(Account.account_name == "Acme Corp"))
        children = set(await s.scalars(select(Account.account_name).where(Account.parent_account_id == acme.id)))
        assert children == {"Acme USA", "Acme UK", "Acme APAC"}
        titles = dict(
            (
                await s.execute(
                    select(Contact.first_name + " " + Contact.last_name, Contact.title).where(
                        Contact.account_id == acme.id
                    )
                )
            ).all()
        )
        assert (
            titles["Tom Smith"] == "Procurement Director"
            and titles["Lisa Chen"] == "IT Manager"
            and "Sarah Johnson" in titles
        )
        deal = await s.scalar(select(Deal).where(Deal.deal_name == "Acme Corp - Enterprise Plan"))
        assert deal.amount == 50000 and deal.account_id == acme.id
        sarah = await s.scalar(select(Lead).where(Lead.email == "sarah.johnson@acme.test"))
        assert sarah.status is LeadStatus.converted and sarah.converted_deal_id == deal.id
        statuses = set(await s.scalars(select(Lead.status).distinct()))
        stages = set(await s.scalars(select(Deal.stage).distinct()))
        assert statuses == set(LeadStatus) and stages == set(DealStage)
        assert await s.scalar(select(func.count()).select_from(Ticket).where(Ticket.number == 1042)) == 1
        first_names = list(await s.scalars(select(Contact.email).order_by(Contact.email).limit(5)))
    # a second load of the same seed into an emptied database produces the same generated rows
    async with db.engine.begin() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ).scalar_one()
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    await seed(db)
    async with db.session() as s:
        assert list(await s.scalars(select(Contact.email).order_by(Contact.email).limit(5))) == first_names
