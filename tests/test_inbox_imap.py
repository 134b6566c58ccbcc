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
from tests.conftest import SYSTEM
from tests.imap import dovecot
from tests.inbox_mail import mail

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
        await InboxService(s, SYSTEM).create_inbox(name="support", address="support@nexa.test", team="Support",
                                                  imap_url=f"imap://support:s3cret@{host}:{port}/{folder}")
    assert await polled_inboxes(db) == ["support"]

    _append(imap_server, mail(message_id="<i1@g>"), mail(message_id="<i2@g>", subject="Re: SSO login fails", in_reply_to="<i1@g>"),
            folder=folder)
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
    _append(imap_server, mail(message_id="<i1@g>"), mail(message_id="<i3@g>", subject="Billing"), mail(message_id="<i4@g>", subject="New"),
            folder=folder)
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
    import subprocess

    from tests.live import NEXA, _environment

    host, port = imap_server
    async with db.session() as s:
        await InboxService(s, SYSTEM).create_inbox(name="cli", address="cli@nexa.test", team="Support")
    _append(imap_server, mail(to="cli@nexa.test", message_id="<cli1@g>"), folder="INBOX")
    env = _environment(database_url, {"NEXA_IMAP_URL_CLI": f"imap://support:s3cret@{host}:{port}/INBOX"})
    done = subprocess.run([str(NEXA), "inbox", "poll", "cli"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "cli: 1 message(s): new_thread 1" in " ".join(done.stdout.split())
    assert os.environ.get("NEXA_IMAP_URL_CLI") is None
