"""The hourly `maintenance.prune` job: expired idempotency keys, passed rate-limit windows and week-old finished jobs
go; what is still live stays (times are the database's own, as the rows were written)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select, text

from store.jobs import maintenance
from store.jobs.defer import defer
from store.jobs.queue import app
from store.settings import Settings
from tests.support.job_tasks import drain

SETTINGS = replace(Settings(), job_modules=("tests.support.job_tasks",))


async def test_the_prune_deletes_what_expired_and_keeps_what_is_live(db):
    async with db.session() as s:
        await s.execute(
            text(
                "INSERT INTO idempotency_keys (caller, key, request_hash, status_code, created_at) VALUES "
                "('amy', 'old', 'h', 201, now() - interval '25 hours'), "
                "('amy', 'running', 'h', NULL, now() - interval '26 hours'), "
                "('amy', 'fresh', 'h', 201, now() - interval '23 hours')"
            )
        )
        await s.execute(
            text(
                "INSERT INTO rate_windows (rule, key, hits, resets_at) VALUES "
                "('rate_api', 'gone', 3, now() - interval '1 second'), ('rate_widget_ip', 'gone', 9, now() - interval '2 hours'), "
                "('rate_api', 'live', 3, now() + interval '30 seconds')"
            )
        )
        week_old = await defer(s, "test.noop")
        recent = await defer(s, "test.noop")
        failed = await defer(s, "test.fail")
    await drain(db, SETTINGS)
    async with db.session() as s:
        await s.execute(
            text("UPDATE procrastinate_events SET at = at - interval '8 days' WHERE job_id IN (:a, :b)"),
            {"a": week_old, "b": failed},
        )
        await defer(s, "maintenance.prune", timestamp=0)
    await drain(db, SETTINGS)
    async with db.session() as s:
        assert (await s.scalars(text("SELECT key FROM idempotency_keys"))).all() == ["fresh"]
        assert (await s.execute(text("SELECT rule, key FROM rate_windows"))).all() == [("rate_api", "live")]
        left = (
            await s.execute(
                text("SELECT id, status::text FROM procrastinate_jobs WHERE task_name LIKE 'test.%' ORDER BY id")
            )
        ).all()
        assert left == [(recent, "succeeded"), (failed, "failed")]  # a failed job waits for `nexa jobs --retry`
        assert (
            await s.scalar(text("SELECT count(*) FROM procrastinate_events WHERE job_id = :id"), {"id": week_old}) == 0
        )


def test_the_prune_is_scheduled_every_hour():
    (task,) = [t for t in app.periodic_registry.periodic_tasks.values() if t.task is maintenance.prune]
    assert task.cron == "17 * * * *"


async def test_the_pipeline_compaction_folds_each_key_to_one_row(db, clock):
    from store.models import pipeline_summary
    from tests.support import factories

    async with db.session() as s:
        deal = await factories.deal(s, amount=1000)
        await factories.deal(s, amount=500)
        await s.execute(text("UPDATE deals SET amount = amount + 1 WHERE id = :id"), {"id": deal.id})
    async with db.session() as s:
        assert await s.scalar(text("SELECT count(*) FROM pipeline_summary")) == 3  # two deals, then 0 deals and 1 more
        await defer(s, "pipeline.compact", timestamp=0)
    await drain(db, SETTINGS)
    async with db.session() as s:
        assert (await s.execute(select(pipeline_summary.c.deals, pipeline_summary.c.amount))).all() == [(2, 1501)]
    (task,) = [t for t in app.periodic_registry.periodic_tasks.values() if t.task is maintenance.compact_pipeline]
    assert task.cron == "* * * * *"
