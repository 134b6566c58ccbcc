"""The shared inbox's service against the real database: ingest, threading, contacts, tickets, deals, views,
assignment, statuses, notes, SLAs and the reply collision rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from store.auth import actor_for
from store.clock import pinned
from store.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from store.inbox.ingest import ingest
from store.inbox.service import InboxService, ReplyCollision, verify_secret
from store.models import Activity, Contact, InboxConversation, InboxMessage, Ticket, TicketMessage
from store.models.enums import Role
from store.models.inbox import ConversationStatus, InboxKind, MailKind
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.inbox_mail import mail

SETTINGS = Settings(smtp_url="smtp://127.0.0.1:9")  # replies only queue here; delivery is tested in test_inbox_smtp


@pytest.fixture
async def world(db, clock):
    async with db.session() as s:
        sam = await factories.user(s, role=Role.support, team="Support", name="Sam Agent", email="sam@nexa.test")
        sue = await factories.user(s, role=Role.support, team="Support", name="Sue Agent", email="sue@nexa.test")
        outsider = await factories.user(s, role=Role.support, team="Billing", name="Olga Outside")
        john = await factories.user(s, role=Role.rep, team="Sales East", name="John Rep")
        support, secret = await InboxService(s, SYSTEM).create_inbox(
            name="support", address="support@nexa.test", team="Support"
        )
        sales, _ = await InboxService(s, SYSTEM).create_inbox(
            name="sales", address="sales@nexa.test", team="Sales East", kind=InboxKind.sales
        )
    return {
        "sam": actor_for(sam),
        "sue": actor_for(sue),
        "outsider": actor_for(outsider),
        "john": actor_for(john),
        "support": support,
        "sales": sales,
        "secret": secret,
        "sam_id": sam.id,
        "sue_id": sue.id,
    }


async def _in(db, inbox, raw):
    async with db.session() as s:
        return await ingest(s, await s.merge(inbox), raw, SETTINGS)


async def test_a_new_thread_opens_a_ticket_makes_an_unverified_contact_and_lands_on_the_timeline(db, world):
    got = await _in(db, world["support"], mail(message_id="<m1@globex.test>"))
    assert got.outcome == "new_thread"
    async with db.session() as s:
        contact = await s.scalar(select(Contact).where(Contact.email == "jane@globex.test"))
        ticket = await s.get(Ticket, got.conversation.ticket_id)
        assert contact.first_name == "Jane" and contact.custom_fields == {"verified": False, "source": "inbox:support"}
        assert (
            ticket.subject == "SSO login fails"
            and ticket.requester_contact_id == contact.id
            and not ticket.requester_verified
        )
        activity = await s.scalar(select(Activity).where(Activity.action == "received"))
        assert "Jane Doe" in activity.subject and "support@nexa.test" in activity.subject
        conversation = await InboxService(s, world["sam"]).get(got.conversation.id)
        assert conversation.first_response_due is not None and conversation.status is ConversationStatus.open


async def test_replies_thread_by_in_reply_to_references_and_ticket_token(db, world):
    first = await _in(db, world["support"], mail(message_id="<m1@globex.test>"))
    by_reply = await _in(
        db,
        world["support"],
        mail(message_id="<m2@globex.test>", subject="Re: SSO login fails", in_reply_to="<m1@globex.test>"),
    )
    by_refs = await _in(
        db,
        world["support"],
        mail(message_id="<m3@globex.test>", subject="Fwd: SSO", references=["<m1@globex.test>", "<unknown@x>"]),
    )
    async with db.session() as s:
        number = (await s.get(Ticket, first.conversation.ticket_id)).number
    by_token = await _in(db, world["support"], mail(message_id="<m4@globex.test>", subject=f"Still broken [#{number}]"))
    unknown = await _in(
        db, world["support"], mail(message_id="<m5@globex.test>", subject="Re: old", in_reply_to="<never-seen@x>")
    )
    assert {by_reply.conversation.id, by_refs.conversation.id, by_token.conversation.id} == {first.conversation.id}
    assert unknown.outcome == "new_thread" and unknown.conversation.id != first.conversation.id
    async with db.session() as s:
        thread = await s.scalars(select(TicketMessage).where(TicketMessage.ticket_id == first.conversation.ticket_id))
        assert len(list(thread)) == 4


async def test_the_same_message_twice_is_stored_once(db, world):
    raw = mail(message_id="<dup@globex.test>")
    assert (await _in(db, world["support"], raw)).outcome == "new_thread"
    again = await _in(db, world["support"], raw)
    assert again.outcome == "duplicate"
    async with db.session() as s:
        assert len(list(await s.scalars(select(InboxMessage)))) == 1


async def test_automated_mail_is_recorded_but_opens_nothing(db, world):
    auto = await _in(
        db,
        world["support"],
        mail(
            sender="noreply@vendor.test",
            message_id="<a1@v>",
            subject="Out of office",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    bulk = await _in(
        db, world["support"], mail(sender="news@vendor.test", message_id="<a2@v>", headers={"Precedence": "bulk"})
    )
    loop = await _in(db, world["support"], mail(sender="support@nexa.test", message_id="<a3@v>"))
    assert (auto.message.kind, bulk.message.kind, loop.message.kind) == (
        MailKind.auto_reply,
        MailKind.bulk,
        MailKind.loop,
    )
    async with db.session() as s:
        assert await s.scalar(select(Ticket)) is None and await s.scalar(select(Contact)) is None
        conversation = await InboxService(s, world["sam"]).get(auto.conversation.id)
        assert (
            conversation.automated
            and conversation.status is ConversationStatus.closed
            and conversation.resolution_due is None
        )
        with pytest.raises(Conflict, match="automated"):
            await InboxService(s, world["sam"]).reply(auto.conversation.id, "hello?", SETTINGS, confirm=True)


async def test_a_sales_inbox_links_the_contacts_open_deal(db, world):
    async with db.session() as s:
        contact = await factories.contact(s, email="buyer@initech.test")
        deal = await factories.deal(s, primary_contact_id=contact.id, stage="proposal")
    got = await _in(db, world["sales"], mail(sender="buyer@initech.test", to="sales@nexa.test", message_id="<s1@i>"))
    assert got.conversation.deal_id == deal.id and got.conversation.ticket_id is None


async def test_views_assignment_and_team_boundaries(db, world):
    one = await _in(db, world["support"], mail(message_id="<v1@g>", subject="SSO login fails"))
    two = await _in(
        db, world["support"], mail(message_id="<v2@g>", subject="Invoice question", sender="bob@initech.test")
    )
    async with db.session() as s:
        sam = InboxService(s, world["sam"])
        assert (await sam.conversations(assignee="none"))[1] == 2
        await sam.claim(one.conversation.id)
        with pytest.raises(Conflict):
            await InboxService(s, world["sue"]).claim(one.conversation.id)
        await sam.assign(two.conversation.id, world["sue_id"])
        mine = await sam.conversations(assignee="me")
        assert mine.total == 1 and mine.items[0].id == one.conversation.id
        counts = await sam.counts()
        assert counts["mine"] == 1 and counts["unassigned"] == 0 and counts["all"] == 2
        with pytest.raises(NotFound):
            await InboxService(s, world["outsider"]).get(one.conversation.id)
        assert (await InboxService(s, world["outsider"]).conversations())[1] == 0
        with pytest.raises(InvalidInput, match="does not work"):
            await sam.assign(two.conversation.id, world["outsider"].user_id)
        with pytest.raises(PermissionDenied):
            await InboxService(s, world["sam"]).create_inbox(name="x", address="x@nexa.test", team="Support")


async def test_pages_follow_the_cursor_and_totals_agree_with_the_counts(db, world, clock):
    got = []
    for i in range(5):
        with pinned(clock + timedelta(minutes=i // 2)):  # two pairs share a moment: the id breaks the tie
            got.append(
                (
                    await _in(
                        db, world["support"], mail(message_id=f"<p{i}@g>", sender=f"p{i}@g.test", subject=f"Page {i}")
                    )
                ).conversation
            )
    async with db.session() as s:
        sam = InboxService(s, world["sam"])
        await sam.assign(got[0].id, world["sue_id"])
        seen, after = [], None
        while True:
            page = await sam.conversations(limit=2, after=after)
            assert page.total == 5 and page.counts["all"] == 5 and page.counts["unassigned"] == 4
            seen += [c.id for c in page.items]
            if page.after is None:
                break
            after = page.after
        expected = sorted(got, key=lambda c: (c.last_message_at, c.id), reverse=True)
        assert seen == [c.id for c in expected]  # every conversation once, most recent first
        assert (await sam.conversations(assignee="none")).total == 4
        assert (await sam.conversations(assignee=world["sue_id"])).total == 1  # counted by its own query
        await s.execute(
            update(InboxConversation).where(InboxConversation.id == got[1].id).values(assignee_id=world["sue_id"])
        )
        again = await sam.conversations(
            assignee="none"
        )  # any change to a conversation, by any writer, is counted at once
        assert again.total == 3 and again.counts["unassigned"] == 3
        assert (await sam.conversations(q="Page 3")).total == 1
        assert (await sam.conversations(inbox="nope")).total == 0
        with pytest.raises(InvalidInput, match="after"):
            await sam.conversations(after="yesterday")
        with pytest.raises(InvalidInput, match="sla"):
            await sam.conversations(sla_state="late")


async def test_round_robin_gives_new_threads_to_each_agent_in_turn(db, world):
    async with db.session() as s:
        inbox, _ = await InboxService(s, SYSTEM).create_inbox(
            name="rr", address="rr@nexa.test", team="Support", rules={"round_robin": True}
        )
    owners = [
        (
            await _in(db, inbox, mail(to="rr@nexa.test", message_id=f"<rr{i}@g>", sender=f"c{i}@g.test"))
        ).conversation.assignee_id
        for i in range(4)
    ]
    assert owners == [world["sam_id"], world["sue_id"], world["sam_id"], world["sue_id"]]


async def test_snooze_wakes_at_its_time_and_status_follows_the_ticket(db, world, clock):
    got = await _in(db, world["support"], mail(message_id="<z1@g>"))
    async with db.session() as s:
        service = InboxService(s, world["sam"])
        with pytest.raises(InvalidInput, match="future"):
            await service.set_status(
                got.conversation.id, ConversationStatus.snoozed, snoozed_until=clock - timedelta(hours=1)
            )
        await service.set_status(
            got.conversation.id, ConversationStatus.snoozed, snoozed_until=clock + timedelta(hours=2)
        )
        assert (await service.conversations(status=ConversationStatus.snoozed))[1] == 1
    with pinned(clock + timedelta(hours=3)):
        async with db.session() as s:
            assert (await InboxService(s, world["sam"]).conversations(status=ConversationStatus.open))[1] == 1
            await InboxService(s, world["sam"]).set_status(got.conversation.id, ConversationStatus.closed)
            assert (await s.get(Ticket, got.conversation.ticket_id)).status.value == "resolved"


async def test_sla_states_follow_the_clock(db, world, clock):
    got = await _in(db, world["support"], mail(message_id="<sla@g>"))  # medium: first response 8 h, resolution 48 h
    async with db.session() as s:
        assert [c.id for c in (await InboxService(s, world["sam"]).conversations(sla_state="on_track"))[0]] == [
            got.conversation.id
        ]
    with pinned(clock + timedelta(hours=7, minutes=30)):
        async with db.session() as s:
            assert (await InboxService(s, world["sam"]).conversations(sla_state="due_soon"))[1] == 1
    with pinned(clock + timedelta(hours=9)):
        async with db.session() as s:
            rows = (await InboxService(s, world["sam"]).conversations(sla_state="breached")).items
            assert InboxService(s, world["sam"]).brief(rows[0])["sla"] == "breached"


async def test_notes_resolve_mentions_of_the_inbox_team(db, world):
    got = await _in(db, world["support"], mail(message_id="<n1@g>"))
    async with db.session() as s:
        note, mentioned = await InboxService(s, world["sam"]).add_note(
            got.conversation.id, "@sue can you check SSO? cc @olga"
        )
        assert [u.email for u in mentioned] == ["sue@nexa.test"] and note.mentions == [world["sue_id"]]


async def test_a_reply_after_someone_elses_reply_must_be_confirmed(db, world):
    got = await _in(db, world["support"], mail(message_id="<c1@g>"))
    async with db.session() as s:
        await InboxService(s, world["sam"]).thread(got.conversation.id)
        await InboxService(s, world["sue"]).thread(got.conversation.id)
    async with db.session() as s:
        sent = await InboxService(s, world["sue"]).reply(
            got.conversation.id, "Sue here: resetting your SSO now.", SETTINGS
        )
        assert sent.in_reply_to == "<c1@g>" and sent.references == ["<c1@g>"] and b"[#1001]" in sent.raw_mime
    with pytest.raises(ReplyCollision) as refused:
        async with db.session() as s:
            await InboxService(s, world["sam"]).reply(got.conversation.id, "Sam here: try again", SETTINGS)
    assert refused.value.status == 409 and refused.value.extra["since"][0]["reply_text"].startswith("Sue here")
    async with db.session() as s:
        await InboxService(s, world["sam"]).reply(got.conversation.id, "Sam here: try again", SETTINGS, confirm=True)
        outbound = list(await s.scalars(select(InboxMessage).where(InboxMessage.direction == "outbound")))
        assert len(outbound) == 2


async def test_the_webhook_secret_is_checked(db, world):
    async with db.session() as s:
        inbox = await s.merge(world["support"])
        assert verify_secret(inbox, world["secret"]) is inbox
        for wrong in ("", "guess"):
            with pytest.raises(PermissionDenied):
                verify_secret(inbox, wrong)


async def test_sla_breaches_are_raised_once_in_the_alerts_feed_for_the_inbox_team(db, world, clock):
    from store.intelligence.alert_feed import post_new_alerts
    from store.intelligence.anomalies import find_alerts

    await _in(db, world["support"], mail(message_id="<br@g>", subject="Export broken"))
    later = clock + timedelta(hours=9)  # medium: the first response was due after 8 hours
    with pinned(later):
        async with db.session() as s:
            seen = [a for a in await find_alerts(s, world["sam"], today=later.date()) if a.kind == "inbox_sla"]
            assert len(seen) == 1 and "jane@globex.test" in seen[0].message and "first response" in seen[0].message
            assert "Export broken" not in seen[0].message  # subjects are outsiders' text: never in a trusted alert
            assert seen[0].observed == 60
            assert not [a for a in await find_alerts(s, world["outsider"], today=later.date()) if a.kind == "inbox_sla"]
        posted = []

        async def post(alert):
            posted.append(alert)

        await post_new_alerts(db, post)
        await post_new_alerts(db, post)
    assert [a.kind for a in posted] == ["inbox_sla"]


async def test_a_customer_writing_to_a_closed_thread_reopens_it_and_its_ticket(db, world, clock):
    got = await _in(db, world["support"], mail(message_id="<r1@g>"))
    async with db.session() as s:
        await InboxService(s, world["sam"]).set_status(got.conversation.id, ConversationStatus.closed)
    with pinned(clock + timedelta(days=3)):
        again = await _in(
            db, world["support"], mail(message_id="<r2@g>", subject="Re: SSO login fails", in_reply_to="<r1@g>")
        )
        async with db.session() as s:
            conversation = await InboxService(s, world["sam"]).get(again.conversation.id)
            assert again.conversation.id == got.conversation.id and conversation.status is ConversationStatus.open
            assert conversation.resolution_due > clock + timedelta(days=3)  # a new resolution clock
            assert (await s.get(Ticket, conversation.ticket_id)).status.value == "open"


async def test_a_mention_of_a_slack_mapped_user_reaches_slack_as_a_direct_message(db, world, slack_api):
    """The note queues an `inbox.mention` job; a worker runs it against the fake Slack's Web API (chat.postMessage to
    the mentioned user's Slack id); an agent not mentioned, or not mapped to Slack, gets nothing."""
    from dataclasses import replace

    from sqlalchemy import text

    from store.inbox.service import mention_text
    from store.models import User
    from tests.support.job_tasks import drain

    got = await _in(db, world["support"], mail(message_id="<sl@g>"))
    async with db.session() as s:
        (await s.get(User, world["sue_id"])).slack_user_id = "U0SUE"
        await s.execute(
            text("DELETE FROM procrastinate_jobs WHERE task_name = 'inbox.summarize'")
        )  # not this test's subject
    async with db.session() as s:
        note, _ = await InboxService(s, world["sam"]).add_note(got.conversation.id, "@sue@nexa.test please take over")
        jobs = (
            (await s.execute(text("SELECT args FROM procrastinate_jobs WHERE task_name = 'inbox.mention'")))
            .scalars()
            .all()
        )
        assert jobs == [{"note_id": str(note.id), "user_id": str(world["sue_id"])}]
        assert await mention_text(s, note.id, world["sam_id"]) is None  # not mentioned, and not on Slack
    before = len(slack_api.find("chat.postMessage"))
    await drain(db, replace(SETTINGS, slack_bot_token="xoxb-test", slack_api_url=slack_api.api_url))
    posted = slack_api.find("chat.postMessage")[before:]
    assert [c.params["channel"] for c in posted] == ["U0SUE"]
    assert posted[0].params["text"] == "Sam Agent mentioned you on 'SSO login fails': @sue@nexa.test please take over"
    async with db.session() as s:
        states = (
            (await s.execute(text("SELECT status FROM procrastinate_jobs WHERE task_name = 'inbox.mention'")))
            .scalars()
            .all()
        )
        assert states == ["succeeded"]


async def test_a_reply_goes_out_at_most_once_with_the_claim_drafted_emails_use(db, world):
    """The `inbox.send` job's body against a real SMTP server: sent once (a retry sends nothing); a claim left by a
    worker killed mid-send is failed, not sent; a refusal queues the reply again, failed at the last attempt."""
    from store.inbox.outbound import ReplyFailed, deliver
    from store.models.inbox import DeliveryState
    from tests.support.smtp import free_port, smtp_server

    got = await _in(db, world["support"], mail(message_id="<once@g>"))
    replies = []
    async with db.session() as s:
        for text_ in ("First answer", "Second answer", "Third answer"):
            replies.append(
                (await InboxService(s, world["sam"]).reply(got.conversation.id, text_, SETTINGS, confirm=True)).id
            )

    async def state(message_id):
        async with db.session() as s:
            return (await s.get(InboxMessage, message_id)).state

    with smtp_server() as (inbox, url):
        settings = Settings(smtp_url=url)
        assert await deliver(db, replies[0], settings, last_attempt=False) is DeliveryState.sent
        assert await deliver(db, replies[0], settings, last_attempt=False) is None  # the job again, as a retry would
        assert len(inbox.messages) == 1 and b"First answer" in inbox.messages[0].content
        async with db.session() as s:  # what a worker killed between its claim and SMTP's answer leaves behind
            (await s.get(InboxMessage, replies[1])).state = DeliveryState.sending
        assert await deliver(db, replies[1], settings, last_attempt=False) is None
        assert len(inbox.messages) == 1 and await state(replies[1]) is DeliveryState.failed
    refused = Settings(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(ReplyFailed):
        await deliver(db, replies[2], refused, last_attempt=False)
    assert await state(replies[2]) is DeliveryState.queued
    with pytest.raises(ReplyFailed):
        await deliver(db, replies[2], refused, last_attempt=True)
    assert await state(replies[2]) is DeliveryState.failed
