"""Knowledge-base articles and their embedded chunks."""

from __future__ import annotations

import uuid
from typing import ClassVar

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Entity, IdMixin, enum_column
from store.models.enums import Visibility


class KbArticle(Entity):
    """A help-center article; `source` is its file path, URL or external id."""

    __tablename__ = "kb_articles"
    record_type: ClassVar[str] = "kb_article"

    title: Mapped[str] = mapped_column(sa.String(500))
    source: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    visibility: Mapped[Visibility] = enum_column(Visibility, default=Visibility.public)
    content: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str | None] = mapped_column(
        sa.String(20)
    )  # troubleshooting, howto or reference (store.knowledge.sections)
    content_hash: Mapped[str] = mapped_column(sa.String(64))  # of the text and its passages (`ingest.indexed`)


class KbChunk(IdMixin, Base):
    """A passage of an article with its embedding and full-text vector.

    `title` and `visibility` repeat the article's so that filtered vector search stays in one
    index scan (pgvector iterative scans) and full-text search weighs titles.
    """

    __tablename__ = "kb_chunks"
    __table_args__ = (
        sa.Index("ix_kb_chunks_tsv", "tsv", postgresql_using="gin"),
        sa.Index(
            "ix_kb_chunks_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(500), server_default="")
    visibility: Mapped[Visibility] = enum_column(Visibility, default=Visibility.public)
    heading: Mapped[str | None] = mapped_column(sa.String(500))
    section: Mapped[str | None] = mapped_column(sa.String(20))  # symptom, cause, fix, steps, limits, rule or overview
    content: Mapped[str] = mapped_column(sa.Text)
    tsv: Mapped[str] = mapped_column(
        TSVECTOR,
        sa.Computed(
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(heading, '')), 'B') || "
            "setweight(to_tsvector('english', content), 'C')",
            persisted=True,
        ),
    )
    embedding: Mapped[list[float] | None] = mapped_column(Vector(384))
    embedding_model: Mapped[str | None] = mapped_column(sa.String(200))


# How many chunks hold each full-text lexeme (lexeme '': the chunks themselves), as signed rows whose sums are the
# figures: appended by the statement triggers of migration 0015_kb_lexemes on every INSERT (COPY included), UPDATE of a
# chunk's text and DELETE of kb_chunks, emptied by a TRUNCATE, folded to one row per lexeme by `kb_lexemes_compact()`.
# The knowledge-base search picks its full-text candidates by these figures (store/knowledge/search.py).
kb_lexemes = sa.Table(
    "kb_lexemes",
    Base.metadata,
    sa.Column("lexeme", sa.Text, nullable=False),
    sa.Column("chunks", sa.BigInteger, nullable=False),
    sa.Index("ix_kb_lexemes_lexeme", "lexeme"),
)
