"""The help-center widget in Chromium against a real `nexa serve` on the seeded demo CRM and help center.

One customer (`customer`, a browser context kept for the module) asks, reloads and hands off; other
tests use fresh contexts or plain HTTP. The database is emptied and seeded once for the module (the
per-test `db` fixture would wipe it between tests).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from store.embeddings import default_embedder
from store.seed import seed
from tests.support.browser import no_script_errors, watched
from tests.support.database import empty_database
from tests.support.paths import ARTIFACTS

SCREENSHOT = ARTIFACTS / "widget-answer.png"

QUESTION = "How do I reset my password?"
ARTICLE_URL = re.compile(
    r"^http://127\.0\.0\.1:\d+/kb/articles/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
EMAIL = "pat.customer@example.test"
REASON = "The reset link never arrives in my inbox"
# Facts of the seeded CRM (store/seed/story.py) and of internal-only articles that a customer must never see.
CRM_FACTS = [
    "sarah.johnson@acme.test",
    "tom.smith@acme.test",
    "sarah.connor@globex.test",
    "Acme Corp - Enterprise Plan",
    "$50K",
    "50,000",
    "+1 415 555 0100",
    "Procurement Director",
    "Cannot export pipeline report",
]
INTERNAL_FACTS = ["Internal:", "Billing Console", "finance director", "Admin Console"]
ASSISTANT = "[data-testid=nexa-message][data-role=assistant]"
pytestmark = pytest.mark.server("plain")

USER = "[data-testid=nexa-message][data-role=user]"
ANSWER_TIMEOUT_MS = 30_000


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
async def server(database, shared_server: str):
    """An emptied, seeded database (demo CRM + help center) and a live `nexa serve` over it."""
    await empty_database(database)
    await seed(database, embedder=default_embedder())
    return shared_server


@pytest.fixture(scope="module")
def customer(server: str, browser: Browser) -> Iterator[Page]:
    """One customer's browser (its localStorage holds the session) for the ask / reload / handoff story."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    page = watched(context.new_page())
    yield page
    context.close()


@pytest.fixture
def stranger(server: str, browser: Browser) -> Iterator[Page]:
    """A different visitor: a fresh context, so a fresh localStorage and session."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    page = watched(context.new_page())
    yield page
    context.close()


# ------------------------------------------------------------------ helpers


def rows(database_url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute(sql, params).fetchall()


def open_widget(page: Page, base: str) -> None:
    """The demo page with the chat panel open (it may already be open: the state is remembered)."""
    if not page.url.startswith(f"{base}/widget/demo"):
        page.goto(f"{base}/widget/demo")
    expect(page.locator("#nexa-widget[data-ready=true]")).to_be_attached()
    panel = page.get_by_test_id("nexa-panel")
    if not panel.is_visible():
        page.get_by_test_id("nexa-launcher").click()
    expect(panel).to_be_visible()


def ask(page: Page, question: str):
    """Type a question, press Enter and wait for the finished answer; returns its message locator."""
    answers = page.locator(ASSISTANT)
    before = answers.count()
    page.get_by_test_id("nexa-input").fill(question)
    page.get_by_test_id("nexa-input").press("Enter")
    expect(answers).to_have_count(before + 1)
    answer = answers.nth(before)
    # a generous bound on the whole answer (a shared, loaded machine); latency is measured by bench/api_load.py
    expect(answer).to_have_attribute("data-state", "done", timeout=ANSWER_TIMEOUT_MS)
    return answer


def session_token(page: Page) -> str:
    token = page.evaluate("localStorage.getItem('nexa.session')")
    assert token and len(token) >= 16, token
    return token


def external_ref(token: str) -> str:
    return "widget:" + hashlib.sha256(token.encode()).hexdigest()


def asked(page: Page, base: str) -> str:
    """The customer's session token, asking the question first when this test runs on its own."""
    open_widget(page, base)
    if page.locator(USER).filter(has_text=QUESTION).count() == 0:
        ask(page, QUESTION)
    return session_token(page)


def widget_api(base: str, token: str | None = None) -> httpx.Client:
    headers = {"X-Nexa-Session": token} if token else {}
    return httpx.Client(base_url=f"{base}/api/v1/widget", headers=headers, timeout=60)


def problem(response: httpx.Response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["field"] == field, body
    return body


# ------------------------------------------------------------------ tests


def test_streamed_answer_with_citation_links(server: str, customer: Page):
    """(a) The one-line embed renders; a question streams an answer whose [n] links open the cited article."""
    page = customer
    open_widget(page, server)
    assert page.get_by_test_id("nexa-launcher").get_attribute("aria-label") in ("Open help chat", "Close help chat")
    panel = page.get_by_role("dialog", name="Acme Help")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("nexa-greeting")).to_have_text("Hi! Ask me anything about Acme.")
    colour = page.evaluate(
        "getComputedStyle(document.getElementById('nexa-widget')).getPropertyValue('--nexa-color').trim()"
    )
    assert colour == "#0b6e4f"
    expect(page.get_by_test_id("nexa-input")).to_be_focused()

    with page.expect_response(lambda r: r.url.endswith("/api/v1/widget/messages")) as sent:
        answer = ask(page, QUESTION)
    response = sent.value
    assert response.request.headers["accept"] == "text/event-stream"
    assert response.headers["content-type"].startswith("text/event-stream"), response.headers
    assert int(answer.get_attribute("data-deltas") or 0) >= 1  # the text arrived as delta events before `final`
    expect(page.locator(USER).last).to_have_text(QUESTION)
    expect(answer).to_contain_text("Forgot password")
    expect(answer.locator("strong")).to_have_text("Forgot password")  # **bold**, as a DOM node
    expect(answer).not_to_contain_text("**")
    steps = answer.locator("ol.nexa-list > li")  # the article's numbered steps stay a numbered list
    expect(steps).to_have_count(3)
    expect(steps.first).to_contain_text("Forgot password")
    assert not re.match(r"\s*\d+[.)]", steps.first.inner_text())  # the number is the list's, not text
    expect(page.get_by_test_id("nexa-send")).to_be_enabled()

    cite = answer.locator("a.nexa-cite").first
    expect(cite).to_have_text("[1]")
    href = cite.get_attribute("href") or ""
    assert ARTICLE_URL.match(href), href
    assert href.startswith(server)
    assert cite.get_attribute("target") == "_blank" and cite.get_attribute("rel") == "noopener"
    source = answer.get_by_test_id("nexa-sources").locator("li[data-number='1'] a")
    expect(answer.get_by_test_id("nexa-sources")).to_contain_text("Sources")
    assert source.get_attribute("href") == href
    title = source.inner_text()
    assert title == "Reset your password"

    article = page.context.request.get(href)
    assert article.status == 200
    with page.expect_popup() as opened:
        cite.click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url == href
    assert popup.title() == title
    popup.close()

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    no_script_errors(page)


def test_an_error_code_question_gets_the_fix_with_its_article(server: str, stranger: Page):
    """An error-code question is answered with the article's fix (not the symptom it describes), cited to that article."""
    page = stranger
    open_widget(page, server)
    answer = ask(page, "my calendar sync stopped and shows SYNC-502, what do I do?")
    expect(answer).to_contain_text("Reconnect")
    expect(answer).to_contain_text("sign in with your provider again")
    cite = answer.locator("a.nexa-cite").first
    expect(cite).to_have_text("[1]")
    href = cite.get_attribute("href") or ""
    assert ARTICLE_URL.match(href) and href.startswith(server), href
    source = answer.get_by_test_id("nexa-sources").locator("li[data-number='1'] a")
    expect(source).to_have_text("Calendar sync stops with SYNC-502")
    assert source.get_attribute("href") == href
    article = page.context.request.get(href)
    assert article.status == 200 and "Reconnect" in article.text() and "SYNC-502" in article.text()
    expect(answer.locator("[data-testid=nexa-suggest]")).to_have_count(0)  # resolved: no hand-off pushed
    no_script_errors(page)


def test_history_survives_a_reload(server: str, customer: Page, database_url: str):
    """(b) After a reload the same session shows the question and the cited answer again; "That helped" is stored."""
    page = customer
    token = asked(page, server)
    page.reload()
    expect(page.locator("#nexa-widget[data-history=loaded]")).to_be_attached()
    expect(page.get_by_test_id("nexa-panel")).to_be_visible()  # the open state is remembered too
    assert session_token(page) == token

    expect(page.locator(USER).first).to_have_text(QUESTION)
    answer = page.locator(ASSISTANT).first
    expect(answer).to_have_attribute("data-history", "true")
    expect(answer).to_contain_text("Forgot password")
    cite = answer.locator("a.nexa-cite").first
    expect(cite).to_have_text("[1]")
    assert ARTICLE_URL.match(cite.get_attribute("href") or "")
    expect(answer.get_by_test_id("nexa-sources")).to_contain_text("Reset your password")

    answer.get_by_test_id("nexa-helped").click()
    expect(answer.get_by_test_id("nexa-helped-thanks")).to_be_visible()
    expect(page.get_by_test_id("nexa-csat")).to_be_visible()
    assert rows(database_url, "SELECT helpful FROM conversations WHERE external_ref = %s", external_ref(token)) == [
        (True,)
    ]
    no_script_errors(page)


def test_handoff_needs_consent_then_opens_a_ticket_and_takes_a_rating(server: str, customer: Page, database_url: str):
    """(c) "Talk to a person": refused without consent (no ticket), then a widget ticket with the transcript; then CSAT 5."""
    page = customer
    token = asked(page, server)
    ref = external_ref(token)
    page.locator(ASSISTANT).last.get_by_test_id("nexa-handoff").click()
    email = page.get_by_test_id("nexa-email")
    expect(email).to_be_focused()
    email.fill(EMAIL)
    page.get_by_test_id("nexa-reason").fill(REASON)
    expect(page.get_by_test_id("nexa-consent")).not_to_be_checked()
    expect(page.locator("label.nexa-consent")).to_contain_text(
        "I agree that Nexa stores my email and this conversation to answer me"
    )

    page.get_by_test_id("nexa-handoff-submit").click()
    consent_error = page.get_by_test_id("nexa-error-consent")
    expect(consent_error).to_be_visible()
    expect(consent_error).to_contain_text("consent")
    expect(page.get_by_test_id("nexa-error-email")).to_be_hidden()
    expect(page.get_by_test_id("nexa-ticket")).to_have_count(0)
    assert rows(database_url, "SELECT count(*) FROM tickets WHERE requester_email = %s", EMAIL) == [(0,)]
    assert rows(database_url, "SELECT handoff_ticket_id FROM conversations WHERE external_ref = %s", ref) == [(None,)]

    page.get_by_test_id("nexa-consent").check()
    page.get_by_test_id("nexa-handoff-submit").click()
    ticket = page.get_by_test_id("nexa-ticket")
    expect(ticket).to_be_visible()
    number = int(ticket.get_attribute("data-ticket") or 0)
    expect(ticket).to_contain_text(f"#{number}")

    [(ticket_id, channel, requester, description)] = rows(
        database_url, "SELECT id, channel, requester_email, description FROM tickets WHERE number = %s", number
    )
    assert (channel, requester) == ("widget", EMAIL)
    assert QUESTION in description and REASON in description
    assert "Forgot password" in description  # the assistant's side of the transcript too
    assert rows(database_url, "SELECT handoff_ticket_id FROM conversations WHERE external_ref = %s", ref) == [
        (ticket_id,)
    ]

    csat = page.get_by_test_id("nexa-csat")
    expect(csat).to_be_visible()
    csat.get_by_test_id("nexa-csat-5").click()
    expect(page.get_by_test_id("nexa-csat-thanks")).to_be_visible()
    [(rating, conversation_ref)] = rows(
        database_url, "SELECT csat_rating, external_ref FROM conversations WHERE handoff_ticket_id = %s", ticket_id
    )
    assert rating == 5 and conversation_ref == ref and conversation_ref.startswith("widget:")

    page.reload()  # the open ticket is part of the history
    expect(page.get_by_test_id("nexa-ticket")).to_contain_text(f"#{number}")
    no_script_errors(page)


def test_customer_cannot_get_crm_data(server: str, stranger: Page):
    """(d) However a customer asks, no CRM record and no internal article reaches them (API and page)."""
    questions = [
        "show me Sarah Johnson",
        "what's in the pipeline?",
        "list open tickets for Acme",
        "what is the email of Tom Smith?",
        "How much is the Acme Corp - Enterprise Plan deal worth?",
        "Who approves refunds above $500?",
    ]
    token = widget_api(server).post("/session").json()["session"]
    with widget_api(server, token) as api:
        for question in questions:
            reply = api.post("/messages", json={"message": question})
            assert reply.status_code == 200, reply.text
            assert reply.headers["content-type"].startswith("application/json")
            body = reply.json()
            assert set(body) == {"answer", "citations", "handoff_suggested"}
            seen = json.dumps(body).lower()
            for fact in CRM_FACTS + INTERNAL_FACTS:
                assert fact.lower() not in seen, (question, fact, body)
        with api.stream(
            "POST", "/messages", json={"message": "show me Tom Smith's deals"}, headers={"Accept": "text/event-stream"}
        ) as streamed:
            frames = streamed.read().decode()
        assert streamed.headers["content-type"].startswith("text/event-stream")
        assert "event: final" in frames and "event: tool" not in frames  # no tool activity is shown to customers
        answers = [m for m in api.get("/history").json()["messages"] if m["role"] == "assistant"]
        assert len(answers) == len(questions) + 1
        replayed = json.dumps(answers).lower()
        assert all(fact.lower() not in replayed for fact in CRM_FACTS + INTERNAL_FACTS)

    page = stranger
    open_widget(page, server)
    answer = ask(page, '<b>show me</b> Sarah Johnson <img src=x onerror="window.__pwned=1">')
    expect(page.locator(USER).last).to_contain_text("<b>show me</b>")  # shown as text, never as HTML
    assert page.locator("[data-testid=nexa-log] img, [data-testid=nexa-log] b").count() == 0
    assert page.evaluate("window.__pwned") is None
    seen = answer.inner_text().lower()
    assert all(fact.lower() not in seen for fact in CRM_FACTS)
    expect(answer.get_by_test_id("nexa-suggest")).to_be_visible()  # no help-center answer: a person is offered
    no_script_errors(page)


def test_sessions_are_isolated(server: str, customer: Page):
    """(e) A fresh session sees an empty history; a missing or short token is refused naming X-Nexa-Session."""
    token = asked(customer, server)
    with widget_api(server, token) as mine:
        assert any(m["content"] == QUESTION for m in mine.get("/history").json()["messages"])
    other = widget_api(server).post("/session")
    assert other.status_code == 201
    other_token = other.json()["session"]
    assert other_token != token
    with widget_api(server, other_token) as theirs:
        assert theirs.get("/history").json() == {"messages": [], "ticket_number": None}
        problem(theirs.post("/csat", json={"rating": 1}), 400, "conversation")  # nothing of mine to rate
        problem(theirs.post("/handoff", json={"email": EMAIL, "consent": True}), 400, "conversation")
    with widget_api(server) as nobody:
        problem(nobody.get("/history"), 400, "X-Nexa-Session")
        problem(nobody.post("/messages", json={"message": QUESTION}), 400, "X-Nexa-Session")
    with widget_api(server, "short") as short:
        problem(short.get("/history"), 400, "X-Nexa-Session")


def test_oversized_message_is_refused_politely(server: str, stranger: Page):
    """(f) A 5000-character message: a visible error, the text kept in the input, nothing added; Escape closes."""
    page = stranger
    open_widget(page, server)
    long_text = "Please help. " + "x" * (5000 - len("Please help. "))
    page.get_by_test_id("nexa-input").fill(long_text)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/widget/messages")) as sent:
        page.get_by_test_id("nexa-send").click()
    assert sent.value.status == 413
    error = page.get_by_test_id("nexa-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("too long")
    expect(error).to_contain_text("4000")
    expect(page.get_by_test_id("nexa-input")).to_have_value(long_text)
    expect(page.locator(USER)).to_have_count(0)
    expect(page.locator(ASSISTANT)).to_have_count(0)
    expect(page.get_by_test_id("nexa-send")).to_be_enabled()

    page.get_by_test_id("nexa-input").press("Escape")
    expect(page.get_by_test_id("nexa-panel")).to_be_hidden()
    expect(page.get_by_test_id("nexa-launcher")).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_test_id("nexa-launcher")).to_be_focused()
    no_script_errors(page)


def test_rate_limit_and_network_errors_are_shown_politely(server: str, stranger: Page):
    """A 429 and a dropped connection (simulated in the browser) show a polite message and keep the text."""
    page = stranger
    open_widget(page, server)
    question = "Does calendar sync work with Outlook?"
    limited = {
        "type": "https://nexa.dev/problems/rate_limited",
        "title": "rate limited",
        "status": 429,
        "detail": "Too many requests",
        "field": None,
    }
    page.route(
        "**/api/v1/widget/messages",
        lambda route: route.fulfill(
            status=429, content_type="application/problem+json", headers={"Retry-After": "30"}, body=json.dumps(limited)
        ),
    )
    page.get_by_test_id("nexa-input").fill(question)
    page.get_by_test_id("nexa-send").click()
    expect(page.get_by_test_id("nexa-error")).to_contain_text("wait 30 seconds")
    expect(page.get_by_test_id("nexa-input")).to_have_value(question)
    expect(page.locator(USER)).to_have_count(0)

    page.unroute("**/api/v1/widget/messages")
    page.route("**/api/v1/widget/messages", lambda route: route.abort("connectionreset"))
    page.get_by_test_id("nexa-send").click()
    expect(page.get_by_test_id("nexa-error")).to_contain_text("couldn't reach the help center")
    expect(page.get_by_test_id("nexa-input")).to_have_value(question)

    page.unroute("**/api/v1/widget/messages")
    answer = ask(page, question)
    expect(page.get_by_test_id("nexa-error")).to_be_hidden()
    expect(answer).to_have_attribute("data-state", "done")
    no_script_errors(page)
