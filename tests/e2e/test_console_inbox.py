"""The console's shared inbox in Chromium against a real `nexa serve` (its in-process worker delivering replies to a
real SMTP server) on the demo CRM: mail comes in through the webhook, Sam works it in the browser, Noah collides with
him on the thread, and the customer's answer threads back. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import email
import re
from email import policy

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from store.inbox.service import InboxService
from store.seed import seed
from tests.support.browser import no_script_errors, watched
from tests.support.console import DESKTOP, PHONE, shot, sign_in
from tests.support.database import empty_database
from tests.support.factories import SYSTEM
from tests.support.inbox_mail import mail
from tests.support.live import wait_for

SARAH = (
    "sarah.johnson@acme.test"  # the demo's contact at Acme, primary contact of the open "Acme Corp - Enterprise Plan"
)


pytestmark = pytest.mark.server("mail")


@pytest.fixture(scope="module")
def smtp(mailbox):
    mailbox[0].messages.clear()  # the session's SMTP server: nothing from earlier modules
    return mailbox


@pytest.fixture(scope="module")
async def world(database, shared_server: str, smtp):
    await empty_database(database)
    await seed(database)
    async with database.session() as session:
        _, secret = await InboxService(session, SYSTEM).create_inbox(
            name="support", address="support@nexa.test", team="Support"
        )
    return {"base": shared_server, "secret": secret}


def post_mail(world: dict, raw: bytes) -> dict:
    answer = httpx.post(
        f"{world['base']}/api/v1/inbox/support/inbound",
        content=raw,
        timeout=120,
        headers={"Content-Type": "message/rfc822", "X-Nexa-Inbox-Secret": world["secret"]},
    )
    assert answer.status_code == 202, answer.text
    return answer.json()


def agent(browser: Browser, world: dict, who: str, path: str) -> Page:
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(30_000)
    page = watched(context.new_page())
    sign_in(page, world["base"], who, path=path)
    return page


def test_work_a_thread_from_the_unassigned_view_to_the_customers_answer(world: dict, browser: Browser, smtp):
    first = post_mail(
        world,
        mail(
            sender=SARAH,
            name="Sarah Johnson",
            subject="Cannot export the pipeline report",
            body="Hi, the export button does nothing since yesterday.",
            message_id="<c1@acme.test>",
        ),
    )
    cid = first["conversation_id"]
    base = world["base"]

    sam = agent(browser, world, "sam@nexa.test", "/console/")
    expect(sam).to_have_url(f"{base}/console/inbox")  # support's home is the inbox, on the unassigned view
    expect(sam.get_by_test_id("view-unassigned").locator(".count")).to_have_text("1")
    row = sam.get_by_test_id("conversation").filter(has_text="Cannot export the pipeline report")
    expect(row.get_by_test_id("sla")).to_have_text("On track")
    shot(sam, "inbox")
    row.get_by_role("link").click()
    expect(sam).to_have_url(f"{base}/console/inbox/{cid}")

    panel = sam.get_by_test_id("customer-360")  # the 360 panel: contact, account, open deals within support's rights
    expect(panel).to_contain_text("Sarah Johnson")
    expect(panel).to_contain_text("Acme")
    expect(panel.get_by_test_id("customer-deal").filter(has_text="Acme Corp - Enterprise Plan")).to_be_visible()
    expect(panel).not_to_contain_text("$")  # support never sees deal amounts

    sam.get_by_role("button", name="Claim").click()
    expect(sam.get_by_test_id("assignee")).to_have_text("Assigned to you")

    noah = agent(browser, world, "noah@nexa.test", f"/console/inbox/{cid}")  # a second agent opens the same thread
    expect(noah.get_by_test_id("collision")).to_contain_text("Sam Lee is viewing")

    suggestion = sam.get_by_test_id("suggestion")
    expect(suggestion.get_by_label(re.compile("Draft"))).to_have_value(re.compile(r"^Hi Sarah,"))
    suggestion.get_by_label(re.compile("Draft")).fill(
        suggestion.get_by_label(re.compile("Draft")).input_value() + "\nSam"
    )
    suggestion.get_by_role("button", name="Insert into reply").click()
    reply = sam.get_by_label(re.compile("Your reply to"))
    expect(reply).to_have_value(re.compile(r"^Hi Sarah,[\s\S]*\nSam$"))
    expect(reply).to_be_focused()
    shot(sam, "inbox-thread")

    noah.get_by_label(re.compile("Your reply to")).fill("Noah here: we are on it.")  # Noah answers first
    noah.get_by_role("button", name="Send reply").click()
    expect(noah.get_by_test_id("message").filter(has_text="Noah here: we are on it.")).to_be_visible()

    sam.get_by_role("button", name="Send reply").click()  # Sam has not seen Noah's reply: asked to confirm, draft kept
    expect(sam.get_by_test_id("flash-error")).to_contain_text(
        "1 message(s) arrived or were sent since you last read this thread"
    )
    expect(sam.get_by_test_id("flash-error")).to_contain_text("Noah Kim")
    expect(reply).to_have_value(re.compile(r"^Hi Sarah,"))
    shot(sam, "inbox-collision")
    sam.get_by_label(re.compile("Send even though")).check()
    sam.get_by_role("button", name="Send reply").click()
    expect(sam.get_by_test_id("message")).to_have_count(3)
    expect(sam.get_by_test_id("status")).to_have_text("pending")

    wait_for(lambda: len(smtp[0].messages) == 2)
    sent = [email.message_from_bytes(m.content, policy=policy.default) for m in smtp[0].messages]
    ours = next(m for m in sent if "Sam" in m.get_body(preferencelist=("plain",)).get_content())
    assert ours["From"].addresses[0].addr_spec == "support@nexa.test" and ours["In-Reply-To"] == "<c1@acme.test>"
    back = post_mail(
        world,
        mail(
            sender=SARAH,
            name="Sarah Johnson",
            subject=str(ours["Subject"]),
            body="It works now, thanks!",
            message_id="<c2@acme.test>",
            in_reply_to=ours["Message-ID"],
            references=["<c1@acme.test>", ours["Message-ID"]],
        ),
    )
    assert back["outcome"] == "threaded" and back["conversation_id"] == cid
    sam.reload()
    expect(sam.get_by_test_id("message").last).to_contain_text("It works now, thanks!")
    expect(sam.get_by_test_id("status")).to_have_text("open")

    sam.get_by_label("Add a note").fill("@noah thanks, closing after this.")
    sam.get_by_role("button", name="Add note").click()
    expect(sam.get_by_test_id("note")).to_contain_text("@noah thanks")
    sam.locator("select#status").select_option("closed")
    sam.get_by_role("button", name="Save").click()
    expect(sam.get_by_test_id("status")).to_have_text("closed")
    sam.goto(f"{base}/console/inbox?view=all&status=closed")
    expect(sam.get_by_test_id("conversation")).to_have_count(1)
    no_script_errors(sam)
    no_script_errors(noah)

    sam.set_viewport_size(PHONE)
    sam.goto(f"{base}/console/inbox/{cid}")
    assert sam.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(sam, "inbox-thread-phone")
    for page in (sam, noah):
        page.context.close()
