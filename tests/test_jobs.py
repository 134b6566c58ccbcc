"""Background jobs in this process: email delivery at most once, the job listing and retry of a failed job."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from store.auth import actor_for
from store.errors import Conflict, InvalidInput, NotFound
from store.jobs.defer import defer
from store.jobs.queue import list_jobs, open_queue, retry_failed
from store.models import EmailMessage
from store.models.enums import EmailStatus, RecordType
from store.services import EmailService
from store.services.email_delivery import DeliveryFailed, deliver
from store.services.timeline import timeline
from store.settings import Settings
from tests import factories
from tests.job_tasks import drain
from tests.smtp import free_port, smtp_server


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
            (job,) = await list_jobs(queue, status="queued")
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
            assert [j.status for j in await list_jobs(queue)] == ["succeeded", "succeeded"]


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
    settings = replace(Settings(), job_modules=("tests.job_tasks",))
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
        (done,) = await list_jobs(queue, status="succeeded")
        with pytest.raises(InvalidInput, match="not failed"):
            await retry_failed(queue, done.id)
        with pytest.raises(NotFound):
            await retry_failed(queue, 10**9)
        await retry_failed(queue, failing)
        assert [j.id for j in await list_jobs(queue, status="queued")] == [failing]
    async with db.session() as s:
        assert (await s.scalar(select(EmailMessage))) is None
