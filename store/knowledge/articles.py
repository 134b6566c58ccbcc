"""The help-center articles a caller may read (customers the public ones, CRM users all of them), and the operators' index."""

from __future__ import annotations

import uuid
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, CallerRole, require
from store.errors import NotFound
from store.models import KbArticle, KbChunk
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


async def readable_articles_page(
    session: AsyncSession, actor: Actor, *, limit: int, offset: int
) -> tuple[list[KbArticle], int]:
    """One page of the articles the caller may read, by title, and how many there are in all."""
    require(actor, "kb", "read")
    visible = KbArticle.visibility.in_(visible_to(actor))
    total = await session.scalar(select(func.count()).select_from(KbArticle).where(visible))
    rows = await session.scalars(select(KbArticle).where(visible).order_by(KbArticle.title).limit(limit).offset(offset))
    return list(rows), int(total or 0)


async def public_article(session: AsyncSession, article_id: uuid.UUID) -> KbArticle | None:
    """A public article, for anyone (the help center's pages); None for an internal or unknown one."""
    article = await session.get(KbArticle, article_id)
    return article if article is not None and article.visibility is Visibility.public else None


class IndexedArticle(NamedTuple):
    """An article as the operators' listing shows it, with its number of chunks."""

    id: uuid.UUID
    title: str
    visibility: Visibility
    source: str
    chunks: int


async def article_index(session: AsyncSession) -> list[IndexedArticle]:
    """Every article with its number of chunks, by title (the operators' CLI: no caller)."""
    rows = await session.execute(
        select(KbArticle.id, KbArticle.title, KbArticle.visibility, KbArticle.source, func.count(KbChunk.id))
        .outerjoin(KbChunk, KbChunk.article_id == KbArticle.id)
        .group_by(KbArticle.id)
        .order_by(KbArticle.title)
    )
    return [IndexedArticle(*row) for row in rows]
