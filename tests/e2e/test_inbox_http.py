"""The shared inbox over real HTTP (`nexa serve` on real PostgreSQL, its in-process worker) with replies delivered to a
real SMTP server (aiosmtpd): the webhook and its bad inputs, the views, a thread, assignment, notes, statuses, the
collision rule, and a reply whose answer threads back."""

from __future__ import annotations

import email
import time
from email import policy

import httpx
import pytest
from sqlalchemy import select

from bots.http.auth import issue_token
from store.inbox.service import InboxService
from store.models import Contact, InboxAttachment, InboxMessage, Ticket
from store.models.enums import Role
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.inbox_mail import mail

RFC822 = {"Content-Type": "message/rfc822"}


pytestmark = pytest.mark.server("mail")


@pytest.fixture(scope="module")
def smtp(mailbox):
    return mailbox


@pytest.fixture(scope="module")
def base(shared_server):
    return shared_server


@pytest.fixture
async def world(db, smtp):
    smtp[0].messages.clear()
    async with db.session() as s:
        sam = await factories.user(s, role=Role.support, team="Support", name="Sam Agent", email="sam@nexa.test")
        sue = await factories.user(s, role=Role.support, team="Support", name="Sue Agent", email="sue@nexa.test")
        olga = await factories.user(s, role=Role.support, team="Billing", name="Olga Outside", email="olga@nexa.test")
        _, secret = await InboxService(s, SYSTEM).create_inbox(
            name="support", address="support@nexa.test", team="Support"
        )
        tokens = {
            "sam": await issue_token(s, sam),
            "sue": await issue_token(s, sue),
            "olga": await issue_token(s, olga),
        }
    return {"secret": secret, "tokens": tokens, "sue_id": str(sue.id)}


def api(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base}/api/v1/inbox", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def post_mail(
    base: str, raw: bytes, secret: str | None, *, inbox: str = "support", headers: dict | None = None
) -> httpx.Response:
    sent = RFC822 | ({"X-Nexa-Inbox-Secret": secret} if secret is not None else {}) | (headers or {})
    return httpx.post(f"{base}/api/v1/inbox/{inbox}/inbound", content=raw, headers=sent, timeout=120)


def test_the_webhook_refuses_forged_or_missing_secrets_and_other_bodies(base, world):
    raw = mail(message_id="<f1@g>")
    missing = post_mail(base, raw, None)
    assert missing.status_code == 401 and missing.json()["field"] == "X-Nexa-Inbox-Secret"
    forged = post_mail(base, raw, "forged-secret")
    assert forged.status_code == 403 and forged.json()["field"] == "X-Nexa-Inbox-Secret"
    assert post_mail(base, raw, world["secret"], inbox="nope").status_code == 404
    json_body = post_mail(base, b'{"x": 1}', world["secret"], headers={"Content-Type": "application/json"})
    assert json_body.status_code == 415 and json_body.json()["field"] == "Content-Type"
    assert post_mail(base, b"  ", world["secret"]).status_code == 400
    ok = post_mail(base, raw, world["secret"])
    assert ok.status_code == 202 and ok.json()["outcome"] == "new_thread"


async def test_bad_mail_is_kept_with_a_record_of_what_happened(base, world, db):
    secret = world["secret"]
    malformed = b'From: broken@globex.test\r\nSubject: half a MIME\r\nMessage-ID: <bad1@g>\r\nContent-Type: multipart/mixed; boundary="zzz"\r\n\r\n--zzz\r\nContent-Type: text/plain\r\n\r\nthe body survives\r\n'
    eight_bit = (
        b"From: =?utf-8?q?J=C3=BCrgen?= <jurgen@globex.test>\r\nTo: support@nexa.test\r\nSubject: Gr\xfc\xdfe aus K\xf6ln\r\n"
        b"Message-ID: <bad2@g>\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\nK\xf6ln ist sch\xf6n\r\n"
    )
    scripts = mail(
        message_id="<bad3@g>",
        html='<p onclick="steal()">Hi<script>alert(document.cookie)</script>'
        '<a href="javascript:alert(1)">x</a><img src=x onerror=alert(2)></p>',
    )
    big = mail(
        message_id="<bad4@g>",
        body="see attached",
        attachments=[
            ("huge.bin", "application/octet-stream", b"\x01" * (30 * 1024 * 1024)),
            ("small.txt", "text/plain", b"hello"),
        ],
    )
    unknown = mail(message_id="<bad5@g>", subject="Re: something", in_reply_to="<never-sent-by-us@nexa.test>")
    outcomes = {}
    for name, raw in (
        ("malformed", malformed),
        ("eight_bit", eight_bit),
        ("scripts", scripts),
        ("big", big),
        ("unknown", unknown),
    ):
        response = post_mail(base, raw, secret)
        assert response.status_code == 202, (name, response.text)
        outcomes[name] = response.json()
    assert any("MIME" in p for p in outcomes["malformed"]["problems"])
    assert any("huge.bin" in p and "not stored" in p for p in outcomes["big"]["problems"])
    assert outcomes["unknown"]["outcome"] == "new_thread"
    async with db.session() as s:
        rows = {m.message_id: m for m in await s.scalars(select(InboxMessage))}
        assert "the body survives" in rows["<bad1@g>"].text_body
        german = rows["<bad2@g>"]
        assert (
            german.subject == "Grüße aus Köln" and "Köln ist schön" in german.text_body and german.raw_mime == eight_bit
        )
        safe = rows["<bad3@g>"].html_body
        assert (
            "script" not in safe
            and "onclick" not in safe
            and "javascript:" not in safe
            and "onerror" not in safe
            and "Hi" in safe
        )
        files = {a.filename: a for a in await s.scalars(select(InboxAttachment))}
        assert files["huge.bin"].dropped and files["huge.bin"].size == 30 * 1024 * 1024
        assert files["small.txt"].dropped is None and files["small.txt"].size == 5
    with api(base, world["tokens"]["sam"]) as client:
        thread = client.get(f"/conversations/{outcomes['scripts']['conversation_id']}").json()
        assert "<script" not in str(thread) and "raw_mime" not in str(thread)
        small = next(
            a
            for a in client.get(f"/conversations/{outcomes['big']['conversation_id']}").json()["messages"][0][
                "attachments"
            ]
            if a["filename"] == "small.txt"
        )
        download = client.get(f"/attachments/{small['id']}")
        assert download.content == b"hello" and download.headers["content-disposition"].startswith("attachment")


def test_a_mail_loop_is_recorded_and_not_answered(base, world):
    ours = mail(
        sender="support@nexa.test",
        message_id="<loop@nexa.test>",
        subject="Re: your request",
        headers={"X-Nexa-Inbox": "support"},
    )
    got = post_mail(base, ours, world["secret"]).json()
    assert got["kind"] == "loop"
    with api(base, world["tokens"]["sam"]) as client:
        assert client.get(f"/conversations/{got['conversation_id']}").json()["status"] == "closed"
        refused = client.post(f"/conversations/{got['conversation_id']}/reply", json={"body": "hi", "confirm": True})
        assert refused.status_code == 409 and "loop" in refused.json()["detail"]


def _wait_for(predicate, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


async def test_work_a_thread_reply_collide_and_the_answer_threads_back(base, world, smtp, db):
    first = post_mail(base, mail(message_id="<w1@globex.test>"), world["secret"]).json()
    cid = first["conversation_id"]
    with (
        api(base, world["tokens"]["sam"]) as sam,
        api(base, world["tokens"]["sue"]) as sue,
        api(base, world["tokens"]["olga"]) as olga,
    ):
        listed = sam.get("/conversations", params={"assignee": "none", "status": "open", "sla": "on_track"}).json()
        assert [c["id"] for c in listed["items"]] == [cid] and listed["counts"]["unassigned"] == 1
        assert sam.get("/conversations", params={"sla": "sometimes"}).json()["field"] == "sla"
        assert olga.get(f"/conversations/{cid}").status_code == 404 and olga.get("/conversations").json()["total"] == 0
        assert sam.post(f"/conversations/{cid}/claim").json()["assignee_id"] is not None
        assert sue.post(f"/conversations/{cid}/claim").status_code == 409
        note = sam.post(f"/conversations/{cid}/notes", json={"body": "@sue know this one?"}).json()
        assert note["mentioned"][0]["name"] == "Sue Agent"
        sam.get(f"/conversations/{cid}")
        sue.get(f"/conversations/{cid}")
        assert (
            sam.post(f"/conversations/{cid}/presence", json={"state": "drafting"}).json()["others"][0]["name"]
            == "Sue Agent"
        )
        assert sue.post(f"/conversations/{cid}/reply", json={"body": "Sue: we reset your SSO."}).status_code == 202
        collided = sam.post(f"/conversations/{cid}/reply", json={"body": "Sam: please retry."})
        assert collided.status_code == 409 and collided.json()["since"][0]["reply_text"] == "Sue: we reset your SSO."
        assert (
            sam.post(f"/conversations/{cid}/reply", json={"body": "Sam: please retry.", "confirm": True}).status_code
            == 202
        )
        _wait_for(lambda: len(smtp[0].messages) == 2)
        sent = [email.message_from_bytes(m.content, policy=policy.default) for m in smtp[0].messages]
        assert {m["From"].addresses[0].addr_spec for m in sent} == {"support@nexa.test"}
        assert all(m["In-Reply-To"] == "<w1@globex.test>" and "[#1001]" in m["Subject"] for m in sent)
        answer = mail(
            message_id="<w2@globex.test>",
            subject=str(sent[0]["Subject"]).replace("Re: ", "RE: "),
            in_reply_to=sent[0]["Message-ID"],
            references=["<w1@globex.test>", sent[0]["Message-ID"]],
            body="Works now, thanks!",
        )
        back = post_mail(base, answer, world["secret"]).json()
        assert back["outcome"] == "threaded" and back["conversation_id"] == cid
        thread = sam.get(f"/conversations/{cid}").json()
        assert [m["direction"] for m in thread["messages"]] == ["inbound", "outbound", "outbound", "inbound"]
        assert thread["status"] == "open" and thread["first_response_at"] is not None
        assert {link["type"] for link in thread["links"]} == {"contact", "ticket"}
        closed = sam.post(f"/conversations/{cid}/status", json={"status": "closed"}).json()
        assert closed["status"] == "closed" and closed["sla"] == "none"
        assert sam.post(f"/conversations/{cid}/status", json={"status": "snoozed"}).json()["field"] == "snoozed_until"
    async with db.session() as s:
        assert (await s.scalar(select(Ticket))).status.value == "resolved"
        assert await s.scalar(select(Contact).where(Contact.email == "jane@globex.test")) is not None
        states = {
            m.state.value for m in await s.scalars(select(InboxMessage).where(InboxMessage.direction == "outbound"))
        }
        assert states == {"sent"}
