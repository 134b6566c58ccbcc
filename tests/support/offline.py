"""The offline model, warmed once per worker, and the seeded demo CRM to talk to it about."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from assistant.agent import Agent
from store.access import Actor
from store.auth import actor_for_email
from store.db import Database
from store.models import Task
from store.models.enums import TaskStatus
from store.seed import seed

if TYPE_CHECKING:
    from assistant.offline_model import OfflineModel


@pytest.fixture(scope="session")
def offline() -> OfflineModel:
    """The offline model, warmed up once for every test that talks to it."""
    from assistant.offline_model import OfflineModel
    from store.embeddings import default_embedder

    model = OfflineModel(default_embedder())
    model.warm_up()
    return model


@pytest.fixture
async def demo_chat(db: Database, clock, offline: OfflineModel) -> tuple[Agent, Callable[[str], Awaitable[Actor]]]:
    """The demo CRM seeded at the test's clock, the offline agent over it, and `as_(email)` for a demo user's actor."""
    await seed(db)

    async def as_(email: str) -> Actor:
        async with db.session() as s:
            return await actor_for_email(s, email)

    return Agent(db, offline), as_


async def open_follow_up(db: Database, user_id: Any) -> Task:
    """One of the user's open "Follow up #N" tasks of the demo CRM."""
    async with db.session() as session:
        tasks = await session.scalars(
            select(Task).where(
                Task.assignee_id == user_id, Task.status != TaskStatus.done, Task.title.like("Follow up #%")
            )
        )
        return tasks.first() or pytest.fail("the demo CRM gives the user no open follow-up task")


async def record_id(db: Database, model: Any, **where: object) -> str:
    """The id of the one record of `model` matching `where` (e.g. a demo deal by its name)."""
    async with db.session() as session:
        return str((await session.scalars(select(model.id).filter_by(**where))).one())
