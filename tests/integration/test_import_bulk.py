"""The bulk path of contact imports: a batch the database refuses is written row by row, so only the bad row fails."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from store.auth import actor_for
from store.imports import Importer, ImportOptions
from store.models import Activity, Contact
from store.models.enums import Role
from tests.support import factories


def _file(rows: list[str]) -> io.BytesIO:
    return io.BytesIO("\n".join(["first_name,last_name,email,external_id,custom_fields", *rows]).encode())


async def _admin(db):
    async with db.session() as session:
        return actor_for(await factories.user(session, name="Ada Admin", email="admin@nexa.test", role=Role.admin))


async def test_a_row_the_database_refuses_fails_alone_and_the_rest_of_its_batch_is_written(db):
    admin = await _admin(db)
    rows = [f'Pat,N{i},p{i}@bulk.test,X{i},"{{""n"": {i}}}"' for i in range(60)]
    rows[45] = (
        'Nul,Char,nul@bulk.test,X45,"{""n"": ""a\\u0000b""}"'  # valid JSON every rule accepts; PostgreSQL's jsonb does not
    )
    report = await Importer(db, admin, "contacts", ImportOptions(batch=20)).run(_file(rows))
    assert (report.rows, report.created, report.failed) == (60, 59, 1)
    [error] = report.errors
    assert error.row == 47 and error.reason.startswith("refused by the database")  # the header is row 1
    async with db.session() as session:
        emails = set(await session.scalars(select(Contact.email)))
        assert len(emails) == 59 and "nul@bulk.test" not in emails and "p59@bulk.test" in emails
        marked = await session.scalar(
            select(func.count()).select_from(Activity).where(Activity.details["imported"].astext == "true")
        )
        assert marked == 59
        pat = await session.scalar(select(Contact).where(Contact.email == "p44@bulk.test"))
        assert (pat.external_id, pat.custom_fields, pat.owner_id, pat.lifecycle_stage) == (
            "X44",
            {"n": 44},
            admin.user_id,
            "lead",
        )

    again = await Importer(db, admin, "contacts", ImportOptions(batch=20)).run(_file(rows))
    assert (again.created, again.unchanged, again.failed) == (0, 59, 1)


async def test_rows_repeating_a_key_of_their_batch_are_the_same_record(db):
    admin = await _admin(db)
    rows = [
        "Ann,One,ann@bulk.test,A1,",
        "Ann,Again,ANN@bulk.test,A2,",
        "Bob,One,bob@bulk.test,B1,",
        "Bob,Other,bob2@bulk.test,B1,",
        "Bad,Mail,not-an-email,C1,",
    ]
    report = await Importer(db, admin, "contacts", ImportOptions()).run(_file(rows))
    assert (report.created, report.unchanged, report.failed) == (2, 2, 1)
    assert [(e.row, e.column) for e in report.errors] == [(6, "email")]
    dry = await Importer(db, admin, "contacts", ImportOptions(dry_run=True)).run(
        _file([*rows, "New,One,new@bulk.test,N1,"])
    )
    assert (dry.created, dry.unchanged, dry.failed) == (1, 4, 1)
    updated = await Importer(db, admin, "contacts", ImportOptions(update_existing=True)).run(_file(rows))
    assert (updated.created, updated.updated, updated.failed) == (0, 2, 1)
    async with db.session() as session:
        names = {c.email: c.last_name for c in await session.scalars(select(Contact))}
    assert names == {"ann@bulk.test": "Again", "bob@bulk.test": "Other"}
