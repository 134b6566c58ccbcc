"""Background jobs in this process: email delivery at most once, listing and retrying jobs, alerts, scoring, KB."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, insert, select, update

from store.auth import actor_for
from store.clock import pinned
from store.embeddings import default_embedder
from store.errors import Conflict, InvalidInput, NotFound
from store.jobs.defer import defer
from store.jobs.queue import list_jobs, open_queue, retry_failed
from store.knowledge import queue_ingest, queue_reindex, read_paths
from store.models import EmailMessage, KbArticle, KbChunk, Lead, PostedAlert, ScoringModel, Ticket
from store.models.enums import EmailStatus, RecordType
from store.services import EmailService
from store.services.email_delivery import DeliveryFailed, deliver
from store.services.timeline import timeline
from store.settings import Settings
from tests.support import factories
from tests.support.fake_slack import FakeSlack, running
from tests.support.job_tasks import drain
from tests.support.paths import DATA
from tests.support.smtp import free_port, smtp_server
from tests.support.tickets import SPIKE_DAY, TODAY, accounts_with_tickets, ticket


async def _approved_email(db, settings: Settings):
    async with db.session() as s:
        john = await factories.user(s, name="John")
        sarah = await factories.contact(s, first_name="Sarah", owner_id=john.id, email="sarah@acme.test")
        email, _ = await EmailService(s, actor_for(john)).draft(contact_id=sarah.id)
        await EmailService(s, actor_for(john)).send(email.id, settings)
    return email, john, sarah


async def _status(db, email_id) -> EmailStatus:
    async with db.session() as s:
        return (await s.get(EmailMessage, email_id)).status


async def test_an_approved_email_is_queued_then_sent_once_even_when_its_job_runs_again(db):
    with smtp_server() as (inbox, url):
        settings = Settings(smtp_url=url)
        email, john, sarah = await _approved_email(db, settings)
        assert await _status(db, email.id) is EmailStatus.queued and inbox.messages == []
        async with open_queue(db.url) as queue:
            (job,) = [
                j for j in await list_jobs(queue, status="queued") if not j.task.startswith(("alerts.", "scoring."))
            ]
        assert job.task == "emails.deliver" and job.args == {"email_id": str(email.id)}
        with pytest.raises(Conflict):  # approving it a second time queues nothing
            async with db.session() as s:
                await EmailService(s, actor_for(john)).send(email.id, settings)
        await drain(db, settings)
        (envelope,) = inbox.messages
        assert envelope.rcpt_tos == ["sarah@acme.test"] and f"Message-ID: <{email.id}@".encode() in envelope.content
        async with db.session() as s:
            await defer(s, "emails.deliver", email_id=str(email.id))  # the same job once more, as a retry would
        await drain(db, settings)
        assert len(inbox.messages) == 1
        async with db.session() as s:
            sent = await s.get(EmailMessage, email.id)
            assert sent.status is EmailStatus.sent and sent.sent_at is not None
            assert [a.action for a in await timeline(s, RecordType.contact, sarah.id)].count("sent") == 1
        async with open_queue(db.url) as queue:
            assert [j.status for j in await list_jobs(queue) if j.task == "emails.deliver"] == [
                "succeeded",
                "succeeded",
            ]


async def test_a_delivery_cut_off_after_its_claim_is_never_sent_again(db):
    with smtp_server() as (inbox, url):
        settings = Settings(smtp_url=url)
        email, *_ = await _approved_email(db, settings)
        async with db.session() as s:  # the state a worker killed in the middle of SMTP leaves behind
            (await s.get(EmailMessage, email.id)).status = EmailStatus.sending
        assert await deliver(db, email.id, settings, last_attempt=False) is None
        assert inbox.messages == [] and await _status(db, email.id) is EmailStatus.failed


async def test_an_smtp_failure_queues_the_email_again_until_the_last_attempt(db):
    with smtp_server() as (_, url):
        email, *_ = await _approved_email(db, Settings(smtp_url=url))
    refused = Settings(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(DeliveryFailed):
        await deliver(db, email.id, refused, last_attempt=False)
    assert await _status(db, email.id) is EmailStatus.queued
    with pytest.raises(DeliveryFailed):
        await deliver(db, email.id, refused, last_attempt=True)
    assert await _status(db, email.id) is EmailStatus.failed


async def test_a_failed_job_is_listed_and_retried_by_id(db):
    settings = replace(Settings(), job_modules=("tests.support.job_tasks",))
    async with db.session() as s:
        failing = await defer(s, "test.fail")
        assert await defer(s, "test.noop", queueing_lock="once") is not None
        assert await defer(s, "test.noop", queueing_lock="once") is None  # one of them waits at a time
    await drain(db, settings)
    async with open_queue(db.url) as queue:
        assert [(j.id, j.task) for j in await list_jobs(queue, status="failed")] == [(failing, "test.fail")]
        with pytest.raises(InvalidInput) as err:
            await list_jobs(queue, status="stuck")
        assert err.value.field == "status"
        (done,) = [j for j in await list_jobs(queue, status="succeeded") if j.task == "test.noop"]
        with pytest.raises(InvalidInput, match="not failed"):
            await retry_failed(queue, done.id)
        with pytest.raises(NotFound):
            await retry_failed(queue, 10**9)
        await retry_failed(queue, failing)
        assert [j.id for j in await list_jobs(queue, status="queued")] == [failing]
    async with db.session() as s:
        assert (await s.scalar(select(EmailMessage))) is None


# -- periodic and knowledge-base jobs -------------------------------------------------------------------------------


async def test_the_alert_scan_posts_each_new_alert_to_slack_once(db):
    with running(FakeSlack(closed={"C-CLOSED"})) as slack:
        settings = replace(
            Settings(), slack_bot_token="xoxb-test", slack_api_url=slack.api_url, slack_alerts_channel="C-CLOSED"
        )
        with pinned(datetime.combine(TODAY, time(18), UTC)):
            async with db.session() as s:
                accounts, _ = await accounts_with_tickets(s, seed=7)
                await s.execute(insert(Ticket), [ticket(accounts["Acme Corp"], SPIKE_DAY, hour=9)] * 12)
            async with db.session() as s:
                await defer(s, "alerts.scan", timestamp=0)
            await drain(db, settings)  # Slack refuses the post: the claim is released and the job is retried
            async with db.session() as s:
                assert await s.scalar(select(func.count()).select_from(PostedAlert)) == 0
            settings = replace(settings, slack_alerts_channel="C-ALERTS")
            for _ in range(2):  # two scans, one post
                async with db.session() as s:
                    await defer(s, "alerts.scan", timestamp=1)
                await drain(db, settings)
        (post,) = slack.find("chat.postMessage", lambda c: c.params.get("channel") == "C-ALERTS")
        assert "Acme Corp" in post.params["text"] and "tickets on Tue 2026-11-24" in post.params["text"]
        async with db.session() as s:
            (claimed,) = (await s.scalars(select(PostedAlert))).all()
            assert claimed.key == "account_tickets:Acme Corp:2026-11-24" and claimed.posted_at is not None


async def test_without_a_channel_the_alert_scan_posts_nothing(db):
    async with db.session() as s:
        await defer(s, "alerts.scan", timestamp=0)
    await drain(db, Settings())
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PostedAlert)) == 0


async def test_a_drain_runs_what_is_queued_and_schedules_no_periodic_task(db):
    # inbox.poll is due every minute and campaigns.drips every five: a waiting worker would defer them by now
    await drain(db, Settings())
    async with open_queue(db.url) as queue:
        assert await list_jobs(queue) == []


async def test_the_nightly_scoring_job_rescores_with_the_rule_prior_below_enough_outcomes(db):
    async with db.session() as s:
        lead = await factories.lead(s)
        expected, lead.score = lead.score, 1  # a stale score that rescoring replaces
    async with db.session() as s:
        await defer(s, "scoring.nightly", timestamp=0)
    await drain(db, Settings())
    async with db.session() as s:
        assert (await s.get(Lead, lead.id)).score == expected != 1
        assert await s.scalar(select(func.count()).select_from(ScoringModel)) == 0
    async with open_queue(db.url) as queue:
        assert [j.status for j in await list_jobs(queue) if j.task == "scoring.nightly"] == ["succeeded"]


async def test_ingestion_and_reembedding_run_as_one_job_per_article_and_per_batch(db, monkeypatch):
    corpus = DATA / "kb"
    async with db.session() as s:
        queued = await queue_ingest(s, read_paths([str(corpus)]))
    assert queued.jobs > 5
    await drain(db, Settings())
    async with db.session() as s:
        articles = await s.scalar(select(func.count()).select_from(KbArticle))
        chunks = await s.scalar(select(func.count()).select_from(KbChunk))
        await s.execute(update(KbChunk).values(embedding_model="old-model"))
    assert articles == queued.jobs and chunks > 0
    monkeypatch.setattr(
        sys.modules["store.knowledge.ingest"], "EMBED_BATCH", 4
    )  # the package re-exports a function `ingest`
    async with db.session() as s:
        assert (await queue_reindex(s, default_embedder().name)).jobs == -(-chunks // 4)
    await drain(db, Settings())
    async with db.session() as s:
        assert (
            await s.scalar(
                select(func.count()).select_from(KbChunk).where(KbChunk.embedding_model == default_embedder().name)
            )
            == chunks
        )
    async with open_queue(db.url) as queue:
        jobs = [j for j in await list_jobs(queue) if j.task.startswith("kb.")]
    assert {j.status for j in jobs} == {"succeeded"} and len(jobs) == queued.jobs + -(-chunks // 4)
