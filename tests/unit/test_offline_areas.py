"""Which area around the records a request asks about (`assistant.offline.areas`): lists, campaigns, commissions,
the catalog, quotes, orders, an account's health and the shared inbox; and the words that only look alike. And the
products a quote request names (`assistant.offline.plan.quotes.said_products`)."""

from __future__ import annotations

import pytest

from assistant.offline.areas import Asked, asked_area, list_name
from assistant.offline.plan.quotes import said_products


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("what lists do we have?", Asked("lists")),
        ("which contact lists are there", Asked("lists")),
        ("who's on the VIP list?", Asked("list_members", name="VIP")),
        ("how many ppl in the enterprise prospects segment", Asked("list_members", name="enterprise prospects")),
        ("add lisa chen to the vip list", Asked("add_to_list", name="vip", who="lisa chen")),
        ("pls put her on our VIP list", Asked("add_to_list", name="VIP", who="her")),
        ("how did the Q4 promo do?", Asked("campaign")),
        ("which campaigns are running right now", Asked("campaigns")),
        ("what's my commission this quarter?", Asked("commissions")),
        ("how much did I earn last quarter", Asked("commissions")),
        ("any orders from acme?", Asked("orders")),
        ("how healthy is globex", Asked("account_health")),
        ("is initech a churn risk?", Asked("account_health")),
        ("what does the enterprise plan cost?", Asked("price")),
        ("give me the rolled up view of northworks, subs included", Asked("consolidated")),
        ("what products do we sell?", Asked("catalog")),
        ("what's waiting on me in the inbox?", Asked("inbox_waiting")),
        ("any emails waiting on me?", Asked("inbox_waiting")),
        ("unassigned threads in support@", Asked("inbox")),
        ("summarize the thread from globex about SSO", Asked("thread_summary", name="globex SSO")),
        ("assign the SSO thread to sam", Asked("assign_thread", name="SSO", who="sam")),
        ("make a quote for the acme deal, 10 pro seats", Asked("quote")),
        ("can you quote globex 5 starter plans", Asked("quote")),
        ("need a 3-tier quote for initech", Asked("quote")),
        ("what did we quote initech?", Asked("quotes")),
        ("pls send the quote to buyer@acme.test", Asked("send_quote")),
        ("email sarah the revised acme quote", Asked("send_quote")),
        ("send the q4 promo email to the VIP list", Asked("send_campaign", name="VIP")),
        ("ok send out our nurture newsletter", Asked("send_campaign")),
    ],
)
def test_a_request_about_an_area_names_its_act(text: str, asked: Asked) -> None:
    assert asked_area(text) == asked


@pytest.mark.parametrize(
    "text",
    [
        "add a task to my to-do list: call tom friday",
        "put sarah on my call list for tomorrow",
        "how do I add contacts to a list?",  # a how-to: the help center's
        "how much is the acme deal worth?",  # a deal's amount
        "email all my customers about the price change",  # a command, not a price question
        "we need the signed form in order to close",
        "list my deals",
        "move acme to proposal",
        "escalate 1054 - customer's threatening to churn. make it urgent",
        "qualify the farid adams lead: budget 25k, timeline Q4, needs a shared inbox, CEO decides",
        "get tom smith to docusign the order form",
        "how big are they and which subsidiaries roll up under them?",  # the account's view
        "summarize this thread",  # a Slack thread, not an inbox thread: no thread named
        "don't quote me on that but acme will likely sign friday",
        "send sarah an email about the webinar",  # one person's email, not a campaign's
        "create a task to send the revised quote to anika dubois by june 15",  # a task about a quote
        "remind me to send the quote to acme friday",
        "email sarah about the quote",  # an email about it: a draft
    ],
)
def test_words_that_only_look_alike_are_no_area(text: str) -> None:
    assert asked_area(text) is None


def test_a_list_is_named_by_the_words_before_list_but_not_a_to_do_or_call_list() -> None:
    assert list_name("show me the Enterprise Prospects list") == "Enterprise Prospects"
    assert list_name("what's on my to-do list") is None
    assert list_name("add him to the call list") is None


def test_it_in_an_addition_is_the_list_the_previous_message_named() -> None:
    assert asked_area("add tom smith to it", "who's on the VIP list?") == Asked(
        "add_to_list", name="VIP", who="tom smith"
    )
    assert asked_area("add tom smith to it", "show me the acme account") is None  # not a list: another reading's


PRODUCTS = [
    {"id": "e", "name": "Enterprise Plan"},
    {"id": "p", "name": "Professional Plan"},
    {"id": "o", "name": "Onboarding Package"},
    {"id": "s", "name": "Premium Support"},
]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("10 professional plan seats and the onboarding package", [("p", 10), ("o", 1)]),
        ("premium suport plus 3x enterprise", [("s", 1), ("e", 3)]),  # a typo; in the order said
        ("professional plan x 12", [("p", 12)]),
        ("20 seats of the enterprise plan", [("e", 20)]),
        ("the usual", []),
    ],
)
def test_a_quote_s_products_are_the_catalog_s_names_said_with_their_counts(text: str, lines: list) -> None:
    assert [(p["id"], n) for p, n in said_products(PRODUCTS, text)] == lines
