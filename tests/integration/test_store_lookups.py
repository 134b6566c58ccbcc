"""The lookups the adapters used to write themselves, now in store: users behind a sign-in, and help-center listings."""

from __future__ import annotations

import pytest

from store.access import Actor
from store.auth import actor_for
from store.errors import NotFound
from store.knowledge.articles import article_index, public_article, readable_articles_page
from store.models import KbArticle, KbChunk
from store.models.enums import Visibility
from store.services.users import UserService
from tests.support import factories


async def test_sign_in_lookups_see_active_users_only(db):
    async with db.session() as s:
        gone = await factories.user(s, email="gone@nexa.test", is_active=False, slack_user_id="U1", api_token_hash="h1")
        users = UserService(s)
        with pytest.raises(NotFound) as err:
            await users.active_by_email("gone@nexa.test")
        assert err.value.field == "email" and err.value.reason == "no active user with email gone@nexa.test"
        assert await users.by_email("gone@nexa.test") is gone  # assigning work may still name them
        assert await users.active_by_token_hash("h1") is None and await users.active_by_slack_id("U1") is None


async def test_a_slack_id_moves_from_a_deactivated_user_to_the_active_one(db):
    async with db.session() as s:
        gone = await factories.user(s, email="gone@nexa.test", is_active=False, slack_user_id="U1")
        john = await factories.user(s, email="john@nexa.test")
        users = UserService(s)
        await users.link_slack(await users.active_by_email("john@nexa.test"), "U1")
        assert await users.active_by_slack_id("U1") is john and gone.slack_user_id is None


async def _articles(s) -> None:
    for title, visibility in (
        ("Billing", Visibility.internal),
        ("Aliases", Visibility.public),
        ("Cancel", Visibility.public),
    ):
        s.add(
            KbArticle(
                title=title, source=f"{title}.md", visibility=visibility, content=f"{title} text", content_hash=title
            )
        )
    await s.flush()


async def test_article_listings_keep_each_caller_to_what_they_may_read(db):
    async with db.session() as s:
        await _articles(s)
        john = actor_for(await factories.user(s, email="john@nexa.test"))
        rows, total = await readable_articles_page(s, john, limit=2, offset=1)
        assert [a.title for a in rows] == ["Billing", "Cancel"] and total == 3
        rows, total = await readable_articles_page(s, Actor.customer("session-1"), limit=10, offset=0)
        assert [a.title for a in rows] == ["Aliases", "Cancel"] and total == 2
        internal, public = (await readable_articles_page(s, john, limit=2, offset=0))[0][::-1]
        assert await public_article(s, public.id) is public and await public_article(s, internal.id) is None


async def test_the_operators_index_counts_chunks(db):
    async with db.session() as s:
        await _articles(s)
        billing = (await readable_articles_page(s, Actor.system(), limit=1, offset=1))[0][0]
        s.add(KbChunk(article_id=billing.id, ordinal=0, content="Billing text"))
        await s.flush()
        assert [(a.title, a.visibility, a.chunks) for a in await article_index(s)] == [
            ("Aliases", Visibility.public, 0),
            ("Billing", Visibility.internal, 1),
            ("Cancel", Visibility.public, 0),
        ]
