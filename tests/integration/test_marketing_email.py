"""Mass email through a real SMTP server (aiosmtpd): headers, merge fields, one message per recipient, suppression,
bounces, one reused connection, and bad input refused with nothing sent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from store.clock import pinned
from store.errors import Conflict, InvalidInput, PermissionDenied
from store.jobs.defer import defer
from store.jobs.queue import list_jobs, open_queue
from store.models import CampaignMember, Contact, MassEmail, MassEmailSend, Suppression
from store.models.enums import MassEmailStatus, RecordType, SendStatus
from store.services.campaigns import CampaignService
from store.services.lists import ListService
from store.services.mass_email import MassEmailService
from store.services.timeline import timeline
from store.settings import Settings
from tests.support.factories import SYSTEM
from tests.support.job_tasks import drain
from tests.support.marketing import BODY, html_of, parsed, settings_for
from tests.support.smtp import Inbox, smtp_server


async def _email(
    db, marketing_crm, body: str = BODY, subject: str = "Hi {{ contact.first_name }}", list_id=None
) -> MassEmail:
    async with db.session() as s:
        return await MassEmailService(s, marketing_crm["boss"]).create(
            marketing_crm["campaign"].id,
            {"subject": subject, "body": body, "list_id": list_id or marketing_crm["vip"].id},
        )


async def test_a_send_delivers_one_message_per_recipient_with_headers_merge_fields_footer_and_suppression(
    db, marketing_crm
):
    with smtp_server(Inbox(refuse={"bob@big.test": "550 5.1.1 <bob@big.test>: no such user"})) as (inbox, url):
        settings = settings_for(url)
        mass = await _email(db, marketing_crm)
        async with db.session() as s:
            audience = await MassEmailService(s, marketing_crm["boss"]).send(mass.id, settings)
        assert (audience.recipients, audience.suppressed) == (3, 1) and inbox.messages == []
        await drain(db, settings)
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["ann@big.test", "dee@big.test"]
    assert (
        all(len(m.rcpt_tos) == 1 for m in inbox.messages) and inbox.sessions == 1
    )  # one connection for the whole send
    messages = {m.rcpt_tos[0]: parsed(m) for m in inbox.messages}
    ann = messages["ann@big.test"]
    assert ann["Subject"] == "Hi Ann" and ann["From"] == "news@nexa.test" and ann["To"] == "ann@big.test"
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://nexa\.test/u/\d+-0-[\w-]+>", ann["List-Unsubscribe"])
    assert len({m["Message-ID"] for m in messages.values()}) == 2 and ann["Message-ID"].startswith(f"<{mass.id}.")
    body = html_of(ann)
    assert "Dear Ann at Big Co" in body and "Nexa Inc., 1 Main Street, Springfield" in body
    assert "https://nexa.test/offer" not in body and re.search(r'href="http://nexa\.test/t/c/\d+-0-[\w-]+"', body)
    assert re.search(r'<img src="http://nexa\.test/t/o/[\w-]+\.gif"', body)
    assert "Dear Dee at Big Co" in html_of(messages["dee@big.test"])
    async with db.session() as s:
        rows = dict((await s.execute(select(MassEmailSend.address, MassEmailSend.status))).all())
        assert rows == {
            "ann@big.test": SendStatus.sent,
            "bob@big.test": SendStatus.bounced,
            "dee@big.test": SendStatus.sent,
        }
        assert (await s.get(Suppression, "bob@big.test")).reason == "bounced"
        members = dict((await s.execute(select(CampaignMember.contact_id, CampaignMember.status))).all())
        assert (
            members[marketing_crm["people"]["bob"].id] == "bounced"
            and members[marketing_crm["people"]["ann"].id] == "sent"
        )
        assert (await s.get(MassEmail, mass.id)).status is MassEmailStatus.sent
        bob_timeline = await timeline(s, RecordType.contact, marketing_crm["people"]["bob"].id)
        assert any(a.action == "bounced" and "550" in a.subject for a in bob_timeline)
    # Bounced and unsubscribed addresses get nothing from any later campaign email.
    async with db.session() as s:
        other = await CampaignService(s, SYSTEM).create(
            {"name": "Webinar", "type": "webinar", "owner_id": marketing_crm["boss"].user_id}
        )
        later = await MassEmailService(s, marketing_crm["boss"]).create(
            other.id, {"subject": "Join", "body": "<p>Hi</p>", "list_id": marketing_crm["vip"].id}
        )
        audience = await MassEmailService(s, marketing_crm["boss"]).audience(later.id)
    assert (audience.recipients, audience.suppressed) == (2, 2)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("<p>{{ contact.favourite_color }}</p>", "contact.favourite_color"),
        ("<p>{{ coupon_code }}</p>", "coupon_code"),
        ("<p>{% if contact.first_name %}</p>", "template error on line 1"),
    ],
)
async def test_an_unknown_merge_field_is_refused_naming_it(db, marketing_crm, body, named):
    async with db.session() as s:
        with pytest.raises(InvalidInput) as bad:
            await MassEmailService(s, marketing_crm["boss"]).create(
                marketing_crm["campaign"].id, {"subject": "x", "body": body}
            )
    assert bad.value.field == "body" and named in bad.value.reason


async def test_no_sendable_recipients_send_twice_and_a_rep_are_refused_and_nothing_is_sent(db, marketing_crm):
    with smtp_server() as (inbox, url):
        settings = settings_for(url)
        async with db.session() as s:
            only_cid = await ListService(s, SYSTEM).create({"name": "Only Cid"})
            await ListService(s, SYSTEM).add(only_cid.id, {"contact_ids": [marketing_crm["people"]["cid"].id]})
        nobody = await _email(db, marketing_crm, list_id=only_cid.id)
        with pytest.raises(InvalidInput) as empty:
            async with db.session() as s:
                await MassEmailService(s, marketing_crm["boss"]).send(nobody.id, settings)
        assert (
            empty.value.field == "list_id"
            and "no sendable recipients" in empty.value.reason
            and "1 suppressed" in empty.value.reason
        )
        with pytest.raises(PermissionDenied):
            async with db.session() as s:
                await MassEmailService(s, marketing_crm["rep"]).send(nobody.id, settings)
        with pytest.raises(InvalidInput) as unset:
            async with db.session() as s:
                await MassEmailService(s, marketing_crm["boss"]).send(nobody.id, Settings(smtp_url=url))
        assert unset.value.field == "NEXA_MAIL_ADDRESS"
        mass = await _email(db, marketing_crm)
        async with db.session() as s:
            await MassEmailService(s, marketing_crm["boss"]).send(mass.id, settings)
        with pytest.raises(Conflict) as twice:
            async with db.session() as s:
                await MassEmailService(s, marketing_crm["boss"]).send(mass.id, settings)
        assert twice.value.field == "status" and "already scheduled" in twice.value.reason
        async with db.session() as s:
            assert (
                await s.scalar(
                    select(func.count()).select_from(MassEmailSend).where(MassEmailSend.email_id == nobody.id)
                )
                == 0
            )
        async with open_queue(db.url) as queue:
            assert [j.args for j in await list_jobs(queue) if j.task == "campaigns.send"] == [
                {"email_id": str(mass.id)}
            ]
        await drain(db, settings)
    assert len(inbox.messages) == 3


async def test_preview_test_send_and_pause_resume(db, marketing_crm):
    with smtp_server() as (inbox, url):
        settings = settings_for(url)
        mass = await _email(db, marketing_crm)
        async with db.session() as s:
            service = MassEmailService(s, marketing_crm["boss"])
            shown = await service.preview(mass.id, settings, contact_id=marketing_crm["people"]["dee"].id)
            await service.test_send(mass.id, settings, to="maria@nexa.test")
        assert (
            shown["subject"] == "Hi Dee"
            and "Dear Dee at Big Co" in shown["html"]
            and "Dear Dee at Big Co" in shown["text"]
        )
        (test,) = inbox.messages
        assert test.rcpt_tos == ["maria@nexa.test"] and parsed(test)["Subject"].startswith("[TEST] Hi ")
        async with db.session() as s:
            await MassEmailService(s, marketing_crm["boss"]).send(mass.id, settings)
            await MassEmailService(s, marketing_crm["boss"]).pause(mass.id)
        await drain(db, settings)
        assert len(inbox.messages) == 1  # paused: the job stops before sending
        async with db.session() as s:
            await MassEmailService(s, marketing_crm["boss"]).resume(mass.id)
        await drain(db, settings)
    assert sorted(m.rcpt_tos[0] for m in inbox.messages[1:]) == ["ann@big.test", "bob@big.test", "dee@big.test"]


async def test_each_recipient_gets_a_sent_entry_written_in_bulk_and_becomes_delivered_when_no_bounce_came_in_time(
    db, marketing_crm, clock
):
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    with smtp_server(Inbox(refuse={"bob@big.test": "550 5.1.1 no such user"})) as (inbox, url):
        settings = settings_for(url)
        mass = await _email(db, marketing_crm)
        async with db.session() as s:
            await MassEmailService(s, marketing_crm["boss"]).send(mass.id, settings)
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            await drain(db, settings)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(inbox.messages) == 2
    assert (
        len([q for q in statements if "INSERT INTO activities" in q]) == 2
    )  # one for both "sent" entries, one for Bob's bounce
    async with db.session() as s:
        for name in ("ann", "dee"):
            (entry,) = [
                a for a in await timeline(s, RecordType.contact, marketing_crm["people"][name].id) if a.action == "sent"
            ]
            assert entry.subject == f"Campaign email 'Hi {{{{ contact.first_name }}}}' sent to {name}@big.test"
            assert entry.details["email_id"] == str(mass.id) and entry.occurred_at == clock
        assert not [
            a for a in await timeline(s, RecordType.contact, marketing_crm["people"]["bob"].id) if a.action == "sent"
        ]

    async def statuses() -> dict[str, str]:
        await drain(db, settings)
        async with db.session() as s:
            rows = await s.execute(
                select(Contact.first_name, CampaignMember.status).join(
                    CampaignMember, CampaignMember.contact_id == Contact.id
                )
            )
            return dict(rows.all())

    for hours, expected in ((23, "sent"), (25, "delivered")):
        with pinned(clock + timedelta(hours=hours)):
            async with db.session() as s:
                await defer(s, "campaigns.delivered", timestamp=hours)
            assert await statuses() == {"Ann": expected, "Dee": expected, "Bob": "bounced"}
