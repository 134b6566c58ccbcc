"""IMAP polling against a real Dovecot: new mail is ingested once, across restarts and a UIDVALIDITY change."""

from __future__ import annotations

import imaplib

import pytest
from sqlalchemy import func, select

from store.errors import InvalidInput
from store.inbox.imap import poll_inbox, polled_inboxes
from store.inbox.service import InboxService
from store.models import Inbox, InboxMessage
from store.settings import Settings
from tests.support.factories import SYSTEM
from tests.support.imap import dovecot
from tests.support.inbox_mail import mail

SETTINGS = Settings()


@pytest.fixture(scope="module")
def imap_server():
    with dovecot({"support": "s3cret"}) as (host, port):
        yield host, port


def _append(server, *raws: bytes, folder: str = "INBOX") -> None:
    client = imaplib.IMAP4(*server)
    client.login("support", "s3cret")
    for raw in raws:
        client.append(folder, None, None, raw)
    client.logout()


def _recreate(server, folder: str) -> None:
    """Delete and create the folder again: the server gives it a new UIDVALIDITY and restarts its UIDs."""
    client = imaplib.IMAP4(*server)
    client.login("support", "s3cret")
    client.delete(folder)
    client.create(folder)
    client.logout()


async def _count(db) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(InboxMessage))


async def test_polling_ingests_each_message_once_across_restarts_and_a_new_uidvalidity(db, clock, imap_server):
    host, port = imap_server
    folder = "Support"
    client = imaplib.IMAP4(host, port)
    client.login("support", "s3cret")
    client.create(folder)
    client.logout()
    async with db.session() as s:
        await InboxService(s, SYSTEM).create_inbox(
            name="support",
            address="support@nexa.test",
            team="Support",
            imap_url=f"imap://support:s3cret@{host}:{port}/{folder}",
        )
    assert await polled_inboxes(db) == ["support"]

    _append(
        imap_server,
        mail(message_id="<i1@g>"),
        mail(message_id="<i2@g>", subject="Re: SSO login fails", in_reply_to="<i1@g>"),
        folder=folder,
    )
    first = await poll_inbox(db, "support", SETTINGS)
    assert first.fetched == 2 and first.outcomes == {"new_thread": 1, "threaded": 1}
    again = await poll_inbox(db, "support", SETTINGS)  # a restart reads the bookkeeping: nothing new, nothing twice
    assert again.fetched == 0 and await _count(db) == 2

    _append(imap_server, mail(message_id="<i3@g>", subject="Billing"), folder=folder)
    assert (await poll_inbox(db, "support", SETTINGS, batch=1)).fetched == 1
    async with db.session() as s:
        inbox = await s.scalar(select(Inbox))
        assert inbox.imap_last_uid == 3 and inbox.imap_uidvalidity

    _recreate(imap_server, folder)  # new UIDVALIDITY; two old messages come back with new UIDs, one is new
    _append(
        imap_server,
        mail(message_id="<i1@g>"),
        mail(message_id="<i3@g>", subject="Billing"),
        mail(message_id="<i4@g>", subject="New"),
        folder=folder,
    )
    reset = await poll_inbox(db, "support", SETTINGS)
    assert reset.uidvalidity_reset and reset.outcomes == {"duplicate": 2, "new_thread": 1}
    assert await _count(db) == 4


async def test_a_wrong_mailbox_is_a_clear_error(db, clock, imap_server):
    async with db.session() as s:
        await InboxService(s, SYSTEM).create_inbox(name="nobox", address="nobox@nexa.test", team="Support")
    with pytest.raises(InvalidInput, match="no mailbox"):
        await poll_inbox(db, "nobox", SETTINGS)
    host, port = imap_server
    async with db.session() as s:
        (await s.scalar(select(Inbox))).imap_url = f"imap://support:wrong@{host}:{port}/INBOX"
    with pytest.raises(Exception, match="(?i)auth|login"):
        await poll_inbox(db, "nobox", SETTINGS)


async def test_nexa_inbox_poll_reads_new_mail(db, clock, imap_server, database_url):
    import os

    from tests.support.cli import nexa_async

    host, port = imap_server
    async with db.session() as s:
        await InboxService(s, SYSTEM).create_inbox(name="cli", address="cli@nexa.test", team="Support")
    _append(imap_server, mail(to="cli@nexa.test", message_id="<cli1@g>"), folder="INBOX")
    env: dict[str, str | None] = {
        "DATABASE_URL": database_url,
        "NEXA_IMAP_URL_CLI": f"imap://support:s3cret@{host}:{port}/INBOX",
    }
    done = await nexa_async("inbox", "poll", "cli", env=env)
    assert done.returncode == 0, done.stderr
    assert "cli: 1 message(s): new_thread 1" in " ".join(done.stdout.split())
    assert os.environ.get("NEXA_IMAP_URL_CLI") is None


async def _wait_for(predicate, seconds: float) -> float:
    """Seconds until the async predicate holds (fails after `seconds`)."""
    import asyncio
    import time

    start = time.monotonic()
    while not await predicate():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def test_idle_watcher_reads_mail_as_it_arrives_and_a_restart_fetches_nothing_again(
    db, clock, imap_server, monkeypatch
):
    import asyncio
    from contextlib import suppress

    from store.inbox import imap

    fetched: list[int] = []
    real_fetch = imap.Connection.fetch

    async def counting_fetch(self, uid):  # the real FETCH, with a record of the UIDs asked for
        fetched.append(uid)
        return await real_fetch(self, uid)

    monkeypatch.setattr(imap.Connection, "fetch", counting_fetch)
    host, port = imap_server
    client = imaplib.IMAP4(host, port)
    client.login("support", "s3cret")
    client.create("Idle")
    client.logout()
    async with db.session() as s:
        await InboxService(s, SYSTEM).create_inbox(
            name="idle", address="idle@nexa.test", team="Support", imap_url=f"imap://support:s3cret@{host}:{port}/Idle"
        )
    _append(imap_server, mail(message_id="<w1@g>"), folder="Idle")  # waiting before the watcher starts: caught up first

    async def count_is(n):
        return await _count(db) == n

    # No poll job runs here and the IDLE is re-issued only after 10 minutes: only the server's EXISTS can wake it.
    supervisor = asyncio.create_task(imap.watch_inboxes(db, SETTINGS, every=0.2, idle_s=600))
    try:
        await _wait_for(lambda: count_is(1), 20)
        await asyncio.sleep(0.5)  # let it settle into IDLE
        async with imap.reader_lock(db, "idle") as free:
            assert not free  # one reader per mailbox: the minute poll and other workers keep off
        assert await imap.watch_inbox(db, "idle", SETTINGS) == "elsewhere"
        _append(
            imap_server, mail(message_id="<w2@g>", subject="Re: SSO login fails", in_reply_to="<w1@g>"), folder="Idle"
        )
        assert await _wait_for(lambda: count_is(2), 5) < 5
    finally:
        supervisor.cancel()
        with suppress(asyncio.CancelledError):
            await supervisor
    assert fetched == [1, 2]

    restarted = asyncio.create_task(
        imap.watch_inbox(db, "idle", SETTINGS, idle_s=600)
    )  # a new process: reads the bookkeeping
    try:
        await asyncio.sleep(1.5)
        assert fetched == [1, 2] and not restarted.done()
        _append(imap_server, mail(message_id="<w3@g>", subject="Billing"), folder="Idle")
        await _wait_for(lambda: count_is(3), 5)
    finally:
        restarted.cancel()
        with suppress(asyncio.CancelledError):
            await restarted
    assert fetched == [1, 2, 3]
    async with db.session() as s:
        assert (await s.scalar(select(Inbox).where(Inbox.name == "idle"))).imap_last_uid == 3
    async with imap.reader_lock(db, "idle") as free:
        assert free  # a stopped watcher lets go of the mailbox


async def test_a_server_without_idle_is_left_to_the_minute_poll(db, clock):
    from store.inbox import imap

    no_idle = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS\n"
    with dovecot({"support": "s3cret"}, extra_config=no_idle) as (host, port):
        async with db.session() as s:
            await InboxService(s, SYSTEM).create_inbox(
                name="plain",
                address="plain@nexa.test",
                team="Support",
                imap_url=f"imap://support:s3cret@{host}:{port}/INBOX",
            )
        _append((host, port), mail(message_id="<p1@g>"))
        assert await imap.watch_inbox(db, "plain", SETTINGS) == "no-idle"
        async with imap.reader_lock(db, "plain") as free:
            assert free
            assert (await poll_inbox(db, "plain", SETTINGS)).fetched == 1


async def test_nexa_worker_keeps_the_mailbox_in_idle(db, clock, imap_server, database_url, tmp_path):
    """`nexa worker` runs the watchers: it takes the mailbox's reader lock, mail appended on the server arrives in
    seconds (the minute poll skips a watched mailbox), and a stopped worker lets go of the mailbox."""
    import asyncio
    import time

    from store.inbox import imap
    from tests.support.live import start_worker

    host, port = imap_server
    client = imaplib.IMAP4(host, port)
    client.login("support", "s3cret")
    client.create("Worker")
    client.logout()
    async with db.session() as s:
        await InboxService(s, SYSTEM).create_inbox(
            name="worker",
            address="worker@nexa.test",
            team="Support",
            imap_url=f"imap://support:s3cret@{host}:{port}/Worker",
        )
    worker = start_worker(database_url, tmp_path / "worker.log", NEXA_JOBS_POLL="0.5")
    try:

        async def watching():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            async with imap.reader_lock(db, "worker") as free:
                return not free

        await _wait_for(watching, 180)
        await asyncio.sleep(1)  # past its first read, into IDLE
        started = time.monotonic()
        _append(imap_server, mail(to="worker@nexa.test", message_id="<wk1@g>"), folder="Worker")

        async def arrived():
            return await _count(db) == 1

        # seconds, not the minute poll's (it skips a watched mailbox); 30 leaves room for a busy machine
        await _wait_for(arrived, 30)
        assert time.monotonic() - started < 30
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    async with imap.reader_lock(db, "worker") as free:
        assert free
