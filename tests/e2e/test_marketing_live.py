"""Mass email across processes: a `nexa worker` killed in the middle of a send, and another one finishing it."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from store.models import CampaignMember, MassEmail, MassEmailSend
from store.models.enums import MassEmailStatus, Role, SendStatus
from store.services.campaigns import CampaignService
from store.services.lists import ListService
from store.services.mass_email import MassEmailService
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.live import start_worker
from tests.support.marketing import BODY, settings_for
from tests.support.smtp import Inbox, smtp_server

pytestmark = pytest.mark.slow
ENV = {
    "NEXA_MAIL_ADDRESS": "Nexa Inc., 1 Main Street, Springfield",
    "NEXA_SECRET_KEY": "test-secret",
    "NEXA_PUBLIC_URL": "http://nexa.test",
    "NEXA_SMTP_FROM": "news@nexa.test",
    "NEXA_JOBS_POLL": "0.5",
}


async def _wait(predicate, timeout: float = 60, what: str = "condition") -> None:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what} not met in {timeout} s")
        await asyncio.sleep(0.1)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def test_a_worker_killed_mid_send_resumes_without_sending_anyone_a_second_copy(db, database_url):
    logs = Path(tempfile.mkdtemp(prefix="nexa-mass-kill-"))
    addresses = [f"person{n:02d}@big.test" for n in range(20)]
    async with db.session() as s:
        boss = await factories.user(s, role=Role.manager, team="East", name="Maria")
        people = [
            await factories.contact(s, first_name=f"P{n}", email=a, owner_id=boss.id) for n, a in enumerate(addresses)
        ]
        everyone = await ListService(s, SYSTEM).create({"name": "Everyone"})
        await ListService(s, SYSTEM).add(everyone.id, {"contact_ids": [p.id for p in people]})
        campaign = await CampaignService(s, SYSTEM).create({"name": "Launch", "type": "email", "owner_id": boss.id})
    inbox = Inbox(hold_after=7)  # the 8th message waits for its reply: the worker is killed in that exchange
    with smtp_server(inbox) as (_, url):
        settings = settings_for(url)
        async with db.session() as s:
            mass = await MassEmailService(s, SYSTEM).create(
                campaign.id, {"subject": "Hi {{ contact.first_name }}", "body": BODY, "list_id": everyone.id}
            )
            await MassEmailService(s, SYSTEM).send(mass.id, settings)
        env = ENV | {"NEXA_SMTP_URL": url, "NEXA_JOBS_HEARTBEAT": "0.5", "NEXA_JOBS_STALLED_AFTER": "3"}
        first = start_worker(database_url, logs / "first.log", **env)
        try:
            await _wait(inbox.holding.is_set, timeout=90, what="the 8th message in flight")
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        inbox.release.set()
        second = start_worker(database_url, logs / "second.log", **env)
        try:

            async def finished() -> bool:
                async with db.session() as s:
                    return (await s.get(MassEmail, mass.id)).status is MassEmailStatus.sent

            deadline = time.monotonic() + 90
            while not await finished():
                assert time.monotonic() < deadline, (logs / "second.log").read_text()[-3000:]
                await asyncio.sleep(0.3)
        finally:
            second.terminate()
            second.wait(timeout=30)
    received = [m.rcpt_tos[0] for m in inbox.messages]
    # Nobody twice. The message in flight when the worker died is `unknown` (the server may or may not have taken it):
    # it is not sent again, so that no one gets a second copy; everyone else got exactly one.
    async with db.session() as s:
        statuses = dict(
            (await s.execute(select(MassEmailSend.status, func.count()).group_by(MassEmailSend.status))).all()
        )
        unknown = await s.scalar(select(MassEmailSend.address).where(MassEmailSend.status == SendStatus.unknown))
        members = await s.scalar(
            select(func.count()).select_from(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
        )
    assert len(received) == len(set(received)) == 19, received
    assert statuses == {SendStatus.sent: 19, SendStatus.unknown: 1}, statuses
    assert (
        unknown not in received and sorted(set(received) | {unknown}) == addresses
    )  # (which one was 8th: the send order)
    assert members == 20
