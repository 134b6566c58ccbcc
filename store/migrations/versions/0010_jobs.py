"""jobs: procrastinate's job queue schema, queued/sending email states, alerts posted to Slack

Revision ID: 0010_jobs
Revises: 0009

The queue's tables and functions are procrastinate's own `schema.sql` for the pinned version
(procrastinate 3.10, see pyproject.toml). A later procrastinate upgrade adds a revision that applies
the library's files in `procrastinate/sql/migrations/` newer than 03.04.00, in their order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

revision = "0010_jobs"
down_revision = "0009"
branch_labels = None
depends_on = None

EMAIL_OLD = ("draft", "sent", "failed", "received")
EMAIL_NEW = ("draft", "queued", "sending", "sent", "failed", "received")


def _email_states(values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_email_messages_emailstatus"), "email_messages", type_="check")
    op.create_check_constraint(op.f("ck_email_messages_emailstatus"), "email_messages", sa.column("status").in_(values))


def upgrade() -> None:
    # The raw driver connection runs the multi-statement script as is (no placeholder parsing of its '%').
    op.get_bind().connection.driver_connection.execute(SchemaManager.get_schema())  # type: ignore[union-attr]  # open: never None
    _email_states(EMAIL_NEW)
    op.create_table(
        "posted_alerts",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("posted_alerts")
    op.execute("UPDATE email_messages SET status = 'draft' WHERE status IN ('queued', 'sending')")
    _email_states(EMAIL_OLD)
    op.execute("""
        DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs,
                             procrastinate_workers CASCADE;
        DO $$ DECLARE f record; BEGIN
            FOR f IN SELECT oid::regprocedure AS sig FROM pg_proc WHERE proname LIKE 'procrastinate\\_%' LOOP
                EXECUTE 'DROP FUNCTION ' || f.sig || ' CASCADE';
            END LOOP;
        END $$;
        DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, procrastinate_job_status;
    """)
