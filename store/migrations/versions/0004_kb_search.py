"""knowledge-base search: chunk title/visibility, full-text vector (GIN), HNSW indexes on every embedding

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TSV = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(heading, '')), 'B') || "
    "setweight(to_tsvector('english', content), 'C')"
)
EMBEDDED = ("kb_chunks", "conversation_messages", "ticket_messages")


def upgrade() -> None:
    op.add_column("kb_chunks", sa.Column("title", sa.String(length=500), server_default="", nullable=False))
    op.add_column(
        "kb_chunks",
        sa.Column(
            "visibility",
            sa.Enum("public", "internal", name="visibility", native_enum=False, create_constraint=True, length=32),
            server_default="public",
            nullable=False,
        ),
    )
    op.add_column(
        "kb_chunks", sa.Column("tsv", postgresql.TSVECTOR(), sa.Computed(TSV, persisted=True), nullable=False)
    )
    op.create_index("ix_kb_chunks_tsv", "kb_chunks", ["tsv"], postgresql_using="gin")
    for table in EMBEDDED:
        op.create_index(
            f"ix_{table}_embedding",
            table,
            ["embedding"],
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        )


def downgrade() -> None:
    for table in EMBEDDED:
        op.drop_index(f"ix_{table}_embedding", table_name=table)
    op.drop_index("ix_kb_chunks_tsv", table_name="kb_chunks")
    op.drop_column("kb_chunks", "tsv")
    op.drop_column("kb_chunks", "visibility")
    op.drop_column("kb_chunks", "title")
