"""`nexa records`: the API resources from the terminal, generated from their rows (same schemas, rights and JSON)."""

from __future__ import annotations

import json

from sqlalchemy import select

from store.models import AuditEntry, Lead
from store.models.enums import Role
from tests.support import factories
from tests.support.cli import nexa_async as nexa


async def test_create_list_get_and_update_a_lead_through_its_resource_row(db, database_url):
    async with db.session() as s:
        await factories.user(s, name="John", email="john@nexa.test", team="East")
        await factories.user(s, name="Sam", email="sam@nexa.test", role=Role.support, team="Support")
    env = {"DATABASE_URL": database_url, "COLUMNS": "200"}
    made = await nexa(
        "records",
        "create",
        "leads",
        "--as",
        "john@nexa.test",
        "first_name=Dana",
        "last_name=Whitfield",
        "email=dana@brightwave.io",
        "company=Brightwave",
        "source=website",
        env=env,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    lead = json.loads(made.stdout)
    assert lead["name"] == "Dana Whitfield" and lead["status"] == "new"
    listed = json.loads(
        (
            await nexa(
                "records", "list", "leads", "--as", "john@nexa.test", "--where", "q=brightwave", "--json", env=env
            )
        ).stdout
    )
    assert listed["total"] == 1 and listed["items"] == [lead]
    changed = await nexa("records", "update", "leads", lead["id"], "--as", "john@nexa.test", "title=CTO", env=env)
    assert changed.returncode == 0, changed.stdout
    assert json.loads(changed.stdout)["title"] == "CTO"
    assert (
        json.loads((await nexa("records", "get", "leads", lead["id"], "--as", "john@nexa.test", env=env)).stdout)[
            "title"
        ]
        == "CTO"
    )
    async with db.session() as s:
        assert (await s.get(Lead, lead["id"])).title == "CTO"
        actions = set(await s.scalars(select(AuditEntry.action)))
    assert {"cli:leads.create", "cli:leads.update"} <= actions


async def test_bad_input_and_missing_rights_are_clear_errors_and_write_nothing(db, database_url):
    async with db.session() as s:
        await factories.user(s, name="Sam", email="sam@nexa.test", role=Role.support, team="Support")
    env = {"DATABASE_URL": database_url, "COLUMNS": "200"}
    cases = [
        (
            (
                "records",
                "create",
                "leads",
                "--as",
                "sam@nexa.test",
                "first_name=Dana",
                "last_name=W",
                "email=not-an-email",
            ),
            "email",
        ),
        (
            (
                "records",
                "create",
                "leads",
                "--as",
                "sam@nexa.test",
                "first_name=Dana",
                "last_name=W",
                "email=dana@b.io",
                "source=website",
            ),
            "may not",
        ),
        (("records", "list", "gadgets", "--as", "sam@nexa.test"), "resource: 'gadgets' is not one of leads"),
        (("records", "create", "tasks", "--as", "sam@nexa.test", "title"), "fields: 'title' is not field=value"),
    ]
    for args, says in cases:
        done = await nexa(*args, env=env)
        assert done.returncode == 2 and says in done.stdout, (args, done.stdout, done.stderr)
    async with db.session() as s:
        assert await s.scalar(select(Lead.id)) is None
