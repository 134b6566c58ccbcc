"""The help-center articles a caller may read: customers the public ones, CRM users all of them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, CallerRole, require
from store.errors import NotFound
from store.models import KbArticle
from store.models.enums import Visibility


def visible_to(actor: Actor) -> tuple[Visibility, ...]:
    return (Visibility.public,) if actor.role is CallerRole.customer else (Visibility.public, Visibility.internal)


async def readable_articles(session: AsyncSession, actor: Actor, *, limit: int = 500) -> list[KbArticle]:
    """The articles the caller may read, by title."""
    require(actor, "kb", "read")
    stmt = select(KbArticle).where(KbArticle.visibility.in_(visible_to(actor))).order_by(KbArticle.title).limit(limit)
    return list(await session.scalars(stmt))


async def readable_article(session: AsyncSession, actor: Actor, article_id: uuid.UUID | str) -> KbArticle:
    """One article the caller may read, or NotFound (an article they may not read does not exist for them)."""
    require(actor, "kb", "read")
    try:
        key = uuid.UUID(str(article_id))
    except ValueError:
        raise NotFound("article_id", f"'{article_id}' is not a valid id") from None
    article = await session.get(KbArticle, key)
    if article is None or article.visibility not in visible_to(actor):
        raise NotFound("article_id", f"no article {article_id}")
    return article
