"""Mail in by IMAP (imap-tools): each inbox with a mailbox (`inboxes.imap_url`, else NEXA_IMAP_URL_<NAME>) is read for
messages whose UID is above the last one stored, oldest first.

Two ways to read, one bookkeeping. `watch_inboxes` (run by every `nexa worker`, and by `nexa serve`'s in-process
worker) keeps a connection per inbox in IMAP IDLE when the server advertises it and reads as soon as the server
reports EXISTS; the `inbox.poll` job reads every minute the inboxes nobody watches (servers without IDLE, or no
watcher running). One reader per mailbox at a time across processes: each holds a PostgreSQL advisory lock on
its own connection (`reader_lock`).

Bookkeeping: the inbox row keeps the folder's UIDVALIDITY and the last UID ingested. Each message is ingested and
the UID recorded in one transaction, so a reader stopped at any point resumes after the last committed message:
nothing is fetched twice or skipped. When the server's UIDVALIDITY changes (the folder was recreated), every
message is read again; ingesting is idempotent by Message-ID, so nothing is stored twice. Messages are fetched with
BODY.PEEK[]: they stay unread on the server. A read takes at most `batch` messages (the next one continues).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
import zlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import psycopg
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from sqlalchemy import select

from store.db import Database
from store.errors import InvalidInput
from store.inbox.ingest import ingest
from store.jobs.queue import conninfo
from store.models import Inbox
from store.settings import Settings

log = logging.getLogger(__name__)
BATCH = 200
IDLE_S = 300.0  # IDLE is re-issued this often (RFC 2177: at most 29 minutes; shorter outlives NAT timeouts)
IDLE_SLICE_S = 1.0  # how long one blocking wait may hold the thread: a watcher stops within this
SUPERVISE_S = 30.0  # how often the watchers' supervisor looks for new inboxes, changed mailboxes and ended watchers
T = TypeVar("T")


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
            raise InvalidInput(
                "imap_url", "expected imap://, imap+starttls:// or imaps://user:password@host[:port][/folder]"
            )
        mode, port = modes[parts.scheme]
        return cls(
            parts.hostname,
            parts.port or port,
            mode,
            unquote(parts.username),
            unquote(parts.password or ""),
            unquote(parts.path.strip("/")) or "INBOX",
        )

    def connect(self) -> BaseMailBox:
        kind = {"plain": MailBoxUnencrypted, "starttls": MailBoxStartTls, "ssl": MailBox}[self.mode]
        mailbox: BaseMailBox = kind(self.host, self.port, timeout=60).login(
            self.username, self.password, initial_folder=self.folder
        )
        return mailbox


class Connection:
    """One logged-in IMAP connection driven from asyncio: imaplib blocks and is not thread-safe, so every call runs
    in order on the connection's own thread (a long IDLE never holds a thread of the loop's shared pool)."""

    def __init__(self, mailbox: BaseMailBox, thread: ThreadPoolExecutor, capabilities: set[str]) -> None:
        self._box, self._thread, self.capabilities = mailbox, thread, capabilities

    @classmethod
    async def open(cls, url: str) -> Connection:
        """Connect and log in; the capabilities are asked again after login (servers may advertise more then)."""
        target = ImapTarget.parse(url)

        def connect() -> tuple[BaseMailBox, set[str]]:
            mailbox = target.connect()
            _, data = mailbox.client.capability()
            return mailbox, set(data[-1].decode().upper().split())

        thread = ThreadPoolExecutor(1, thread_name_prefix="imap")
        try:
            mailbox, capabilities = await asyncio.get_running_loop().run_in_executor(thread, connect)
        except BaseException:
            thread.shutdown(wait=False)
            raise
        return cls(mailbox, thread, capabilities)

    async def _run(self, call: Callable[..., T], *args: Any) -> T:
        """Run one blocking call on the connection's thread; when cancelled, wait for it to end before returning."""
        future = asyncio.get_running_loop().run_in_executor(self._thread, call, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            with suppress(Exception):
                await future
            raise

    @property
    def idle(self) -> bool:
        """Whether the server advertises IDLE (RFC 2177)."""
        return "IDLE" in self.capabilities

    async def uidvalidity(self) -> int:
        return int((await self._run(self._box.folder.status, None, ["UIDVALIDITY"]))["UIDVALIDITY"])

    async def new_uids(self, after: int, batch: int) -> list[int]:
        uids = await self._run(self._box.uids, f"UID {after + 1}:*")
        return sorted(int(u) for u in uids if int(u) > after)[:batch]  # "n:*" always names the last one

    async def fetch(self, uid: int) -> bytes:
        kind, data = await self._run(self._box.client.uid, "FETCH", str(uid), "(BODY.PEEK[])")
        for item in data or []:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        raise OSError(f"IMAP FETCH of UID {uid} returned no message ({kind})")

    async def wait_for_mail(self, seconds: float) -> bool:
        """IDLE until the server reports new mail (EXISTS) or `seconds` pass; whether it did."""
        await self._run(self._box.idle.start)
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                responses = await self._run(
                    self._box.idle.poll, min(IDLE_SLICE_S, max(deadline - time.monotonic(), 0.0))
                )
                if any(line.rstrip().upper().endswith(b"EXISTS") for line in responses):
                    return True
            return False
        finally:
            await self._run(self._box.idle.stop)

    async def close(self) -> None:
        try:
            with suppress(Exception):  # a dropped connection has nothing left to log out of
                await self._run(self._box.logout)
        finally:
            self._thread.shutdown(wait=False)


@dataclass
class PollResult:
    inbox: str
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    uidvalidity_reset: bool = False


def imap_url(inbox: Inbox) -> str | None:
    """The inbox's mailbox: its own setting, else NEXA_IMAP_URL_<NAME> (upper case, '-' as '_')."""
    return inbox.imap_url or os.environ.get("NEXA_IMAP_URL_" + re.sub(r"[^A-Z0-9]", "_", inbox.name.upper())) or None


async def _mailbox_of(db: Database, inbox_name: str) -> str:
    async with db.session() as session:
        inbox = await session.scalar(select(Inbox).where(Inbox.name == inbox_name))
    if inbox is None:
        raise InvalidInput("inbox", f"no inbox '{inbox_name}'")
    url = imap_url(inbox)
    if url is None:
        raise InvalidInput(
            "imap_url", f"inbox {inbox_name} has no mailbox (set its imap_url or NEXA_IMAP_URL_{inbox_name.upper()})"
        )
    return url


async def read_new(
    db: Database, inbox_name: str, connection: Connection, settings: Settings, *, batch: int = BATCH
) -> PollResult:
    """Ingest up to `batch` new messages of the inbox from an open connection (see the module's docstring)."""
    async with db.session() as session:
        inbox = await session.scalar(select(Inbox).where(Inbox.name == inbox_name))
        if inbox is None:
            raise InvalidInput("inbox", f"no inbox '{inbox_name}'")
        validity, last_uid = inbox.imap_uidvalidity, inbox.imap_last_uid
    result = PollResult(inbox_name)
    server_validity = await connection.uidvalidity()
    if validity is not None and validity != server_validity:
        log.warning(
            "inbox %s: UIDVALIDITY changed (%s -> %s); reading the folder again", inbox_name, validity, server_validity
        )
        last_uid, result.uidvalidity_reset = 0, True
    if validity != server_validity:
        async with db.session() as session:
            row = await session.scalar(select(Inbox).where(Inbox.name == inbox_name).with_for_update())
            row.imap_uidvalidity, row.imap_last_uid = server_validity, last_uid  # type: ignore[union-attr]
    for uid in await connection.new_uids(last_uid, batch):
        raw = await connection.fetch(uid)
        async with db.session() as session:
            row = await session.scalar(select(Inbox).where(Inbox.name == inbox_name).with_for_update())
            if row.imap_uidvalidity != server_validity or row.imap_last_uid >= uid:  # type: ignore[union-attr]
                continue  # another reader got here first
            outcome = (await ingest(session, row, raw, settings)).outcome  # type: ignore[arg-type]
            row.imap_last_uid = uid  # type: ignore[union-attr]
        result.fetched += 1
        result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
    return result


async def poll_inbox(db: Database, inbox_name: str, settings: Settings, *, batch: int = BATCH) -> PollResult:
    """Connect, ingest up to `batch` new messages of the inbox, log out."""
    connection = await Connection.open(await _mailbox_of(db, inbox_name))
    try:
        return await read_new(db, inbox_name, connection, settings, batch=batch)
    finally:
        await connection.close()


async def polled_inboxes(db: Database) -> list[str]:
    """Names of the inboxes that have a mailbox to read."""
    return sorted(await mailboxes(db))


async def mailboxes(db: Database) -> dict[str, str]:
    """Inbox name -> mailbox URL, for the inboxes that have one."""
    async with db.session() as session:
        return {i.name: url for i in await session.scalars(select(Inbox)) if (url := imap_url(i))}


@asynccontextmanager
async def reader_lock(db: Database, inbox_name: str) -> AsyncIterator[bool]:
    """Whether this block may read the inbox's mailbox: a session advisory lock on a connection of its own (not
    the pool's), held for the block and released at its end, so one process at a time reads a mailbox; released
    with the connection if the process dies."""
    key = zlib.crc32(f"nexa.inbox.reader:{inbox_name}".encode()) - 2**31
    async with await psycopg.AsyncConnection.connect(conninfo(db.url), autocommit=True) as conn:
        got = (await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone())[0]  # type: ignore[index]
        try:
            yield bool(got)
        finally:
            if got:  # let go now: the server ends a closed connection's session (and its locks) a moment later
                with suppress(psycopg.Error):
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


async def watch_inbox(db: Database, inbox_name: str, settings: Settings, *, idle_s: float = IDLE_S) -> str:
    """Read the inbox's new mail as it arrives: catch up, then IDLE until EXISTS (or `idle_s`), read, again, until
    cancelled. Returns at once, with why, when another process reads the mailbox ("elsewhere") or the server does
    not advertise IDLE ("no-idle": the minute poll reads it). Connection errors propagate."""
    async with reader_lock(db, inbox_name) as mine:
        if not mine:
            return "elsewhere"
        connection = await Connection.open(await _mailbox_of(db, inbox_name))
        try:
            if not connection.idle:
                return "no-idle"
            while True:
                result = await read_new(db, inbox_name, connection, settings)
                if result.fetched:
                    log.info("inbox %s: %d new message(s) %s", inbox_name, result.fetched, result.outcomes)
                if result.fetched < BATCH:
                    await connection.wait_for_mail(idle_s)
        finally:
            await connection.close()


async def watch_inboxes(
    db: Database, settings: Settings, *, every: float = SUPERVISE_S, idle_s: float = IDLE_S
) -> None:
    """Keep one `watch_inbox` per inbox with a mailbox, until cancelled: start watchers for new inboxes, restart
    those whose mailbox changed or whose connection failed (at the next look), stop those whose inbox is gone.
    A mailbox without IDLE is left to the minute poll until its URL changes."""
    watchers: dict[str, tuple[str, asyncio.Task[str]]] = {}
    no_idle: dict[str, str] = {}
    try:
        while True:
            try:
                wanted = await mailboxes(db)
            except Exception:  # a database hiccup must not end the supervisor; the next look tries again
                log.exception("listing the inboxes to watch failed")
                wanted = {name: url for name, (url, _) in watchers.items()}
            for name, (url, task) in list(watchers.items()):
                if task.done():
                    del watchers[name]
                    if not task.cancelled() and task.exception() is not None:
                        log.error("watching inbox %s failed: %s (retrying)", name, task.exception())
                    elif not task.cancelled() and task.result() == "no-idle":
                        log.info("inbox %s: the IMAP server has no IDLE; the minute poll reads it", name)
                        no_idle[name] = url
                elif wanted.get(name) != url:
                    task.cancel()
                    with suppress(BaseException):
                        await task
                    del watchers[name]
            for name, url in wanted.items():
                if name not in watchers and no_idle.get(name) != url:
                    watchers[name] = (
                        url,
                        asyncio.create_task(watch_inbox(db, name, settings, idle_s=idle_s), name=f"imap-idle:{name}"),
                    )
            await asyncio.sleep(every)
    finally:
        for _, task in watchers.values():
            task.cancel()
        for _, task in watchers.values():
            with suppress(BaseException):
                await task
