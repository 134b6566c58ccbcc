"""`ContactService.create_many` (the import's bulk path) refuses exactly what `create` refuses, item by item."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from store.auth import actor_for
from store.errors import DomainError
from store.models import Activity, Contact
from store.models.enums import Role
from store.services import ContactService
from tests.support import factories


async def test_each_item_passes_the_rules_of_create_or_comes_back_as_its_error(db):
    async with db.session() as s:
        rep = await factories.user(s, role=Role.rep, team="East")
        other = await factories.user(s, role=Role.rep, team="West")
        mine = await factories.account(s, account_name="Mine", account_owner_id=rep.id)
        theirs = await factories.account(s, account_name="Theirs", account_owner_id=other.id)
        await factories.contact(s, email="taken@example.test")
        actor = actor_for(rep)
        items = [
            {"first_name": "Ok", "last_name": "One", "email": "ok1@example.test", "account_id": mine.id},
            {"first_name": "Bad", "last_name": "Mail", "email": "not-an-email"},
            {"first_name": "For", "last_name": "Other", "email": "o@example.test", "owner_id": other.id},
            {"first_name": "No", "last_name": "Owner", "email": "n@example.test", "owner_id": uuid.uuid4()},
            {"first_name": "Their", "last_name": "Account", "email": "t@example.test", "account_id": theirs.id},
            {"first_name": "No", "last_name": "Account", "email": "na@example.test", "account_id": uuid.uuid4()},
            {"first_name": "Taken", "last_name": "Mail", "email": "TAKEN@example.test"},
            {"first_name": "Ok", "last_name": "Two", "email": "ok2@example.test"},
            {"first_name": "Twice", "last_name": "Here", "email": "ok2@example.test"},
        ]
        results = await ContactService(s, actor).create_many(items)
        one_by_one = []
        for item in items:
            try:
                async with s.begin_nested() as savepoint:
                    await ContactService(s, actor).create(item | {"email": item["email"].replace("ok", "solo")})
                    await savepoint.rollback()
                one_by_one.append(None)
            except DomainError as err:
                one_by_one.append((type(err), err.field))
    bulk = [None if isinstance(r, uuid.UUID) else (type(r), r.field) for r in results]
    assert bulk[:8] == one_by_one[:8]
    assert [b and b[1] for b in bulk] == [
        None,
        "email",
        "contacts",
        "contacts",
        "account_id",
        "account_id",
        "email",
        None,
        "email",
    ]
    async with db.session() as s:
        assert set(await s.scalars(select(Contact.email).where(Contact.owner_id == rep.id))) == {
            "ok1@example.test",
            "ok2@example.test",
        }
        subjects = set(await s.scalars(select(Activity.subject).where(Activity.subject.like("Contact Ok%"))))
        assert subjects == {"Contact Ok One created", "Contact Ok Two created"}
        assert await s.scalar(select(func.count()).select_from(Contact)) == 3
