"""The shared inbox: inboxes, conversations, messages (raw MIME kept), attachments, notes, presence

Revision ID: 0011_inbox
Revises: 0011_rate_limits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_inbox"
down_revision = "0011_rate_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inboxes",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("address", postgresql.CITEXT(), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("support", "sales", name="inboxkind", native_enum=False, create_constraint=True, length=32),
            server_default="support",
            nullable=False,
        ),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("secret_hash", sa.String(length=128), nullable=True),
        sa.Column("imap_url", sa.String(length=500), nullable=True),
        sa.Column("imap_uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("imap_last_uid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_assignee_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_assignee_id"], ["users.id"], name=op.f("fk_inboxes_last_assignee_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inboxes")),
        sa.UniqueConstraint("address", name=op.f("uq_inboxes_address")),
        sa.UniqueConstraint("name", name=op.f("uq_inboxes_name")),
    )
    op.create_index(op.f("ix_inboxes_last_assignee_id"), "inboxes", ["last_assignee_id"], unique=False)
    op.create_index(op.f("ix_inboxes_team"), "inboxes", ["team"], unique=False)
    op.create_table(
        "inbox_conversations",
        sa.Column("inbox_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("deal_id", sa.Uuid(), nullable=True),
        sa.Column("customer_email", postgresql.CITEXT(), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "pending",
                "snoozed",
                "closed",
                name="conversationstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="open",
            nullable=False,
        ),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column(
            "priority",
            sa.Enum(
                "low", "medium", "high", "urgent", name="priority", native_enum=False, create_constraint=True, length=32
            ),
            server_default="medium",
            nullable=False,
        ),
        sa.Column("automated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("first_response_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("summary_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intent", sa.String(length=50), nullable=True),
        sa.Column("sentiment", sa.String(length=20), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_inbox_conversations_assignee_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_inbox_conversations_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_inbox_conversations_deal_id_deals"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_inbox_conversations_inbox_id_inboxes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_inbox_conversations_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_conversations")),
    )
    op.create_index(op.f("ix_inbox_conversations_assignee_id"), "inbox_conversations", ["assignee_id"], unique=False)
    op.create_index(op.f("ix_inbox_conversations_contact_id"), "inbox_conversations", ["contact_id"], unique=False)
    op.create_index(op.f("ix_inbox_conversations_deal_id"), "inbox_conversations", ["deal_id"], unique=False)
    op.create_index(op.f("ix_inbox_conversations_inbox_id"), "inbox_conversations", ["inbox_id"], unique=False)
    op.create_index(
        "ix_inbox_conversations_inbox_status_last",
        "inbox_conversations",
        ["inbox_id", "status", "last_message_at"],
        unique=False,
    )
    op.create_index(op.f("ix_inbox_conversations_status"), "inbox_conversations", ["status"], unique=False)
    op.create_index(op.f("ix_inbox_conversations_ticket_id"), "inbox_conversations", ["ticket_id"], unique=False)
    op.create_table(
        "inbox_messages",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("inbox_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("inbound", "outbound", name="direction", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "normal",
                "auto_reply",
                "bulk",
                "bounce",
                "loop",
                name="mailkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="normal",
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "received",
                "queued",
                "sending",
                "sent",
                "failed",
                name="deliverystate",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="received",
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("in_reply_to", sa.String(length=998), nullable=True),
        sa.Column("references", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("from_address", sa.String(length=320), nullable=True),
        sa.Column("from_name", sa.String(length=300), nullable=True),
        sa.Column("to_addresses", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("cc_addresses", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("subject", sa.String(length=500), server_default="", nullable=False),
        sa.Column("text_body", sa.Text(), server_default="", nullable=False),
        sa.Column("reply_text", sa.Text(), server_default="", nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("raw_mime", sa.LargeBinary(), nullable=True),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_inbox_messages_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_messages_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_inbox_messages_inbox_id_inboxes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint("inbox_id", "message_id", name="uq_inbox_messages_inbox_message_id"),
        sa.UniqueConstraint("seq", name=op.f("uq_inbox_messages_seq")),
    )
    op.create_index(op.f("ix_inbox_messages_author_id"), "inbox_messages", ["author_id"], unique=False)
    op.create_index(op.f("ix_inbox_messages_conversation_id"), "inbox_messages", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_inbox_messages_message_id"), "inbox_messages", ["message_id"], unique=False)
    op.create_table(
        "inbox_notes",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentions", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_inbox_notes_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_notes_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_notes")),
    )
    op.create_index(op.f("ix_inbox_notes_author_id"), "inbox_notes", ["author_id"], unique=False)
    op.create_index(op.f("ix_inbox_notes_conversation_id"), "inbox_notes", ["conversation_id"], unique=False)
    op.create_table(
        "inbox_presence",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("viewing", "drafting", name="presencestate", native_enum=False, create_constraint=True, length=32),
            server_default="viewing",
            nullable=False,
        ),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_presence_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inbox_presence_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name=op.f("pk_inbox_presence")),
    )
    op.create_table(
        "inbox_attachments",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("dropped", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["inbox_messages.id"],
            name=op.f("fk_inbox_attachments_message_id_inbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_attachments")),
    )
    op.create_index(op.f("ix_inbox_attachments_message_id"), "inbox_attachments", ["message_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_inbox_attachments_message_id"), table_name="inbox_attachments")
    op.drop_table("inbox_attachments")
    op.drop_table("inbox_presence")
    op.drop_index(op.f("ix_inbox_notes_conversation_id"), table_name="inbox_notes")
    op.drop_index(op.f("ix_inbox_notes_author_id"), table_name="inbox_notes")
    op.drop_table("inbox_notes")
    op.drop_index(op.f("ix_inbox_messages_message_id"), table_name="inbox_messages")
    op.drop_index(op.f("ix_inbox_messages_conversation_id"), table_name="inbox_messages")
    op.drop_index(op.f("ix_inbox_messages_author_id"), table_name="inbox_messages")
    op.drop_table("inbox_messages")
    op.drop_index(op.f("ix_inbox_conversations_ticket_id"), table_name="inbox_conversations")
    op.drop_index(op.f("ix_inbox_conversations_status"), table_name="inbox_conversations")
    op.drop_index("ix_inbox_conversations_inbox_status_last", table_name="inbox_conversations")
    op.drop_index(op.f("ix_inbox_conversations_inbox_id"), table_name="inbox_conversations")
    op.drop_index(op.f("ix_inbox_conversations_deal_id"), table_name="inbox_conversations")
    op.drop_index(op.f("ix_inbox_conversations_contact_id"), table_name="inbox_conversations")
    op.drop_index(op.f("ix_inbox_conversations_assignee_id"), table_name="inbox_conversations")
    op.drop_table("inbox_conversations")
    op.drop_index(op.f("ix_inboxes_team"), table_name="inboxes")
    op.drop_index(op.f("ix_inboxes_last_assignee_id"), table_name="inboxes")
    op.drop_table("inboxes")
