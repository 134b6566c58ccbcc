"""Mail in by IMAP polling (imap-tools): each inbox with a mailbox (`inboxes.imap_url`, else NEXA_IMAP_URL_<NAME>) is
read for messages whose UID is above the last one stored, oldest first.

Bookkeeping: the inbox row keeps the folder's UIDVALIDITY and the last UID ingested. Each message is ingested and
the UID recorded in one transaction, so a poller stopped at any point resumes after the last committed message:
nothing is fetched twice or skipped. When the server's UIDVALIDITY changes (the folder was recreated), every
message is read again; ingesting is idempotent by Message-ID, so nothing is stored twice. Messages are fetched with
BODY.PEEK[]: they stay unread on the server. A poll reads at most `batch` messages (the next poll continues).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from sqlalchemy import select

from store.db import Database
from store.errors import InvalidInput
from store.inbox.ingest import ingest
from store.models import Inbox
from store.settings import Settings

log = logging.getLogger(__name__)
BATCH = 200


@dataclass(frozen=True)
class ImapTarget:
    """imap://user:password@host[:port][/folder], imap+starttls:// or imaps:// (the default folder is INBOX)."""

    host: str
    port: int
    mode: str
    username: str
    password: str
    folder: str

    @classmethod
    def parse(cls, url: str) -> ImapTarget:
        parts = urlsplit(url)
        modes = {"imap": ("plain", 143), "imap+starttls": ("starttls", 143), "imaps": ("ssl", 993)}
        if parts.scheme not in modes or not parts.hostname or not parts.username:
            raise InvalidInput("imap_url", "expected imap://, imap+starttls:// or imaps://user:password@host[:port][/folder]")
        mode, port = modes[parts.scheme]
        return cls(parts.hostname, parts.port or port, mode, unquote(parts.username), unquote(parts.password or ""),
                   unquote(parts.path.strip("/")) or "INBOX")

    def connect(self) -> BaseMailBox:
        kind = {"plain": MailBoxUnencrypted, "starttls": MailBoxStartTls, "ssl": MailBox}[self.mode]
        mailbox: BaseMailBox = kind(self.host, self.port, timeout=60).login(self.username, self.password, initial_folder=self.folder)
        return mailbox


@dataclass
class PollResult:
    inbox: str
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    uidvalidity_reset: bool = False


def imap_url(inbox: Inbox) -> str | None:
    """The inbox's mailbox: its own setting, else NEXA_IMAP_URL_<NAME> (upper case, '-' as '_')."""
    return inbox.imap_url or os.environ.get("NEXA_IMAP_URL_" + re.sub(r"[^A-Z0-9]", "_", inbox.name.upper())) or None


def _new_uids(mailbox: BaseMailBox, after: int, batch: int) -> list[int]:
    uids = sorted(int(u) for u in mailbox.uids(f"UID {after + 1}:*") if int(u) > after)  # "n:*" always names the last one
    return uids[:batch]


def _fetch(mailbox: BaseMailBox, uid: int) -> bytes:
    kind, data = mailbox.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    raise OSError(f"IMAP FETCH of UID {uid} returned no message ({kind})")


async def poll_inbox(db: Database, inbox_name: str, settings: Settings, *, batch: int = BATCH) -> PollResult:
    """Fetch and ingest the inbox's new messages (see the module's docstring)."""
    async with db.session() as session:
        inbox = await session.scalar(select(Inbox).where(Inbox.name == inbox_name))
        if inbox is None:
            raise InvalidInput("inbox", f"no inbox '{inbox_name}'")
        url, validity, last_uid = imap_url(inbox), inbox.imap_uidvalidity, inbox.imap_last_uid
    if url is None:
        raise InvalidInput("imap_url", f"inbox {inbox_name} has no mailbox (set its imap_url or NEXA_IMAP_URL_{inbox_name.upper()})")
    result = PollResult(inbox_name)
    mailbox = await asyncio.to_thread(ImapTarget.parse(url).connect)
    try:
        status = await asyncio.to_thread(mailbox.folder.status, None, ["UIDVALIDITY"])
        server_validity = int(status["UIDVALIDITY"])
        if validity is not None and validity != server_validity:
            log.warning("inbox %s: UIDVALIDITY changed (%s -> %s); reading the folder again", inbox_name, validity, server_validity)
            last_uid, result.uidvalidity_reset = 0, True
        if validity != server_validity:
            async with db.session() as session:
                row = await session.scalar(select(Inbox).where(Inbox.name == inbox_name).with_for_update())
                row.imap_uidvalidity, row.imap_last_uid = server_validity, last_uid  # type: ignore[union-attr]
        for uid in await asyncio.to_thread(_new_uids, mailbox, last_uid, batch):
            raw = await asyncio.to_thread(_fetch, mailbox, uid)
            async with db.session() as session:
                row = await session.scalar(select(Inbox).where(Inbox.name == inbox_name).with_for_update())
                if row.imap_uidvalidity != server_validity or row.imap_last_uid >= uid:  # type: ignore[union-attr]
                    continue  # another poller got here first
                outcome = (await ingest(session, row, raw, settings)).outcome  # type: ignore[arg-type]
                row.imap_last_uid = uid  # type: ignore[union-attr]
            result.fetched += 1
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
    finally:
        await asyncio.to_thread(mailbox.logout)
    return result


async def polled_inboxes(db: Database) -> list[str]:
    """Names of the inboxes that have a mailbox to poll."""
    async with db.session() as session:
        return [i.name for i in await session.scalars(select(Inbox).order_by(Inbox.name)) if imap_url(i)]
