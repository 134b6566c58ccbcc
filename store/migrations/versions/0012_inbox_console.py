"""The support console: the `console` channel (its writes in the audit log under their own channel), and the
conversation list at scale: composite indexes in the list's order (keyset pages), a narrow covering index the view
counts read alone, a change counter that lets the counts be reused until a conversation changes, a partial index for waking snoozed conversations; the status-only and inbox-only indexes give way
to the composites that start with those columns.

Revision ID: 0012_inbox_console
Revises: 0011_catalog2
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_inbox_console"
down_revision = "0011_catalog2"
branch_labels = None
depends_on = None

CHANNELS = ("cli", "api", "slack", "widget", "system", "mcp", "import", "console")


def _channels(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    for table in ("audit_log", "conversations"):
        op.drop_constraint(op.f(f"ck_{table}_channel"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_channel"), table, f"channel IN ({listed})")


def upgrade() -> None:
    op.create_index(
        "ix_inbox_conversations_recent", "inbox_conversations", [sa.text("last_message_at DESC"), sa.text("id DESC")]
    )
    op.create_index(
        "ix_inbox_conversations_assignee_recent",
        "inbox_conversations",
        ["assignee_id", sa.text("last_message_at DESC"), sa.text("id DESC")],
    )
    op.create_index(
        "ix_inbox_conversations_status_recent",
        "inbox_conversations",
        ["status", sa.text("last_message_at DESC"), sa.text("id DESC")],
    )
    op.create_index(
        "ix_inbox_conversations_snoozed",
        "inbox_conversations",
        ["snoozed_until"],
        postgresql_where=sa.text("status = 'snoozed'"),
    )
    op.create_index(
        "ix_inbox_conversations_counts",
        "inbox_conversations",
        ["inbox_id", "status", "assignee_id"],
        postgresql_include=["resolution_due", "first_response_due", "first_response_at"],
    )
    op.drop_index("ix_inbox_conversations_status", table_name="inbox_conversations")
    op.drop_index("ix_inbox_conversations_inbox_id", table_name="inbox_conversations")
    # Every changed conversation row moves this sequence on: the view counts are reused while it stands still.
    op.execute("CREATE SEQUENCE inbox_conversations_changes")
    op.execute(
        "CREATE FUNCTION inbox_conversations_changed() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM nextval('inbox_conversations_changes'); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER inbox_conversations_changed AFTER INSERT OR UPDATE OR DELETE ON inbox_conversations "
        "FOR EACH ROW EXECUTE FUNCTION inbox_conversations_changed()"
    )
    _channels(CHANNELS)


def downgrade() -> None:
    op.execute("DROP TRIGGER inbox_conversations_changed ON inbox_conversations")
    op.execute("DROP FUNCTION inbox_conversations_changed()")
    op.execute("DROP SEQUENCE inbox_conversations_changes")
    # The channel checks keep allowing 'console': the audit log refuses updates and deletes, so its console rows stay.
    op.create_index("ix_inbox_conversations_inbox_id", "inbox_conversations", ["inbox_id"])
    op.create_index("ix_inbox_conversations_status", "inbox_conversations", ["status"])
    op.drop_index("ix_inbox_conversations_counts", table_name="inbox_conversations")
    op.drop_index("ix_inbox_conversations_snoozed", table_name="inbox_conversations")
    op.drop_index("ix_inbox_conversations_status_recent", table_name="inbox_conversations")
    op.drop_index("ix_inbox_conversations_assignee_recent", table_name="inbox_conversations")
    op.drop_index("ix_inbox_conversations_recent", table_name="inbox_conversations")
