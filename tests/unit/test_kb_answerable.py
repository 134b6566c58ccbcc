"""The kind of value a fact question asks for, and whether an article states one (store.knowledge.answerable)."""

from __future__ import annotations

import pytest

from store.knowledge.answerable import (
    asked_kinds,
    asked_periods,
    names_ages,
    names_alternative,
    names_limit_period,
    names_periods,
    names_place,
    states_asked,
)


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("how much does an instant transfer cost with Everyone Pay?", {"amount": {"transfer"}}),
        ("how much does it cost per year to rent a safe deposit box at Rho-Bank?", {"amount": {"box"}}),
        ("exactly how much will the next box of checks cost me?", {"amount": {"box"}}),
        ("what does it cost to get the new one sent fast?", {"amount": set()}),  # named before
        ("what does closing cost them?", {"amount": set()}),  # an act is priced in other words ("closure fee")
        ("what's the fee for sending an international wire?", {"amount": set()}),
        ("what's the percentage foreign transaction fee abroad?", {"percentage": set()}),
        ("thinking of financing a used car, what APR do you offer on auto loans?", {"percentage": {"loan"}}),
        ("what are your certificate of deposit rates right now?", {"percentage": {"certificate"}}),
        ("what's the API rate limit?", {}),  # a limit, not a rate
        ("after how many days does the request expire on its own?", {"duration": set()}),
        ("how long does the password reset link stay valid?", {"duration": set()}),
        ("how many webhook endpoints can we register per workspace?", {"count": {"endpoint"}}),
        ("how many free airport lounge visits come with the card?", {"count": {"visit"}}),
        ("how many times a month can I move money out?", {"count": set()}),  # any number counts times
        ("whats the biggest payload a webhook delivery can have?", {"size": set()}),
        ("can I pay my invoice with bitcoin?", {}),
    ],
)
def test_a_fact_question_asks_for_a_value_of_a_kind(question, kinds):
    assert {kind: set(counted) for kind, counted in asked_kinds(question).items()} == kinds


@pytest.mark.parametrize(
    ("question", "text", "states"),
    [
        ("how much is the late fee?", "A late fee of $25.00 applies.", True),
        ("what does it cost to get it sent fast?", "Expedited shipping is complimentary for Gold.", True),
        ("how much will the next box of checks cost?", "Additional orders are billed at standard rates.", False),
        ("how much does it cost to rent a safe deposit box?", "ATM fees are reimbursed up to $32 per month.", False),
        ("how much does it cost to rent a safe deposit box?", "A small box rents for $60 per year.", True),
        ("how much will the next box of checks cost?", "Each additional box costs $12.", True),
        ("what's the percentage fee on purchases abroad?", "Each foreign ATM withdrawal costs $4.00.", False),
        ("what's the percentage fee on purchases abroad?", "A fee of 3% of each purchase applies.", True),
        ("what APR do you offer on auto loans?", "Margin advances carry a 7.0% APR.", False),
        ("what APR do you offer on auto loans?", "Auto loans start at 6.5% APR.", True),
        ("how long until the redemption shows up?", "Confirm your balance meets the 30 threshold.", False),
        ("how long until the redemption shows up?", "It arrives within 2-3 business days.", True),
        ("how many days does the request stay open?", "Members pay within the window of 16.", False),
        ("how many free lounge visits do I get?", "You receive 9 complimentary visits per year.", True),
        ("how many free lounge visits do I get?", "Lounge benefits: visits per year: 9", True),
        ("how many webhook endpoints can we register?", "Answer each delivery within 5 seconds.", False),
        ("how many separate pipelines can we create?", "Every workspace starts with six stages.", False),
        ("how many times a month can I withdraw?", "You may make up to 30 withdrawals a cycle.", True),
        ("how many times a month can I withdraw?", "Withdrawals over $500 need approval.", False),  # money no count
        ("how big can an import file be?", "Files up to 50 MB or 100,000 rows import.", True),
        ("whats the biggest payload a webhook can have?", "Answer each delivery within 5 seconds.", False),
        ("can I pay with bitcoin?", "We accept cards.", True),  # no value asked
    ],
)
def test_an_article_answers_only_with_a_value_of_the_kind_asked(question, text, states):
    assert states_asked(question, text) is states


@pytest.mark.parametrize(
    ("question", "text", "named"),
    [
        ("does the nexa bot also work in microsoft teams, or only slack?", "Mention @Nexa in a Slack channel.", False),
        (
            "does the bot also work in Microsoft Teams, or just Slack?",
            "The bot works in Slack and Microsoft Teams.",
            True,
        ),
        ("Does Nexa email tracking also record link clicks, or only opens?", "Opens appear on the timeline.", False),
        ("does tracking also record link clicks or only opens?", "Opens and clicked links are recorded.", True),
        ("can I export to excel?", "Exports are CSV files.", True),  # no alternative asked
    ],
)
def test_an_article_names_what_is_asked_besides_what_the_question_names(question, text, named):
    assert names_alternative(question, text) is named


@pytest.mark.parametrize(
    ("question", "periods"),
    [
        ("what is the daily sending limit on Everyone Pay?", {"day"}),
        ("how many times a month can I use another bank's ATM?", {"month"}),
        ("how much can she send per day, and is there a weekly cap?", {"day", "week"}),
        ("what's the annual fee?", {"year"}),
        ("sent it to the wrong person half an hour ago, can I cancel?", set()),  # a time past
        ("how do I reset my password?", set()),
    ],
)
def test_the_periods_a_question_qualifies_what_it_asks_with(question, periods):
    assert asked_periods(question) == periods


def test_an_article_names_the_period_asked_or_does_not():
    question = "what is the daily sending limit for a verified account?"
    assert names_periods(question, "Verified accounts can send up to $3,500 per day.")
    assert names_periods(question, "Daily: $3,500; Monthly: $35,000")
    assert not names_periods(question, "Ask for an increase in Settings > Limits.")
    assert names_periods("how do I raise my limit?", "Ask for an increase in Settings > Limits.")  # none asked


def test_an_article_names_the_period_of_the_limit_asked_or_cannot_say():
    question = "Besides the daily cap, can I set a monthly spending limit on each driver card, and what's the maximum?"
    daily = "Set a daily cap per driver card up to $1,250. Caps reset at midnight."
    assert not names_limit_period(question, daily)
    assert names_limit_period(question, daily + " A monthly limit of up to $20,000 may be added.")
    assert names_limit_period("what's the daily cap on a driver card?", daily)
    assert names_limit_period("my monthly allowance transfer failed, why?", daily)  # no limit asked


def test_an_article_names_the_age_a_group_is_named_by():
    question = "I have the checking for over-62s. do I still pay the foreign ATM fee?"
    assert names_ages(question, "Designed for customers aged 62 and older.")
    assert not names_ages(question, "Foreign ATM fee: $3.50 per withdrawal ($62.50 a year at most).")
    assert names_ages("is there a fee at 62 ATMs?", "No fee.")  # a number, not a group named by its age


@pytest.mark.parametrize(
    ("question", "text", "named"),
    [
        ("where are the trees actually planted, which country or partner?", "A tree is planted per $750 spent.", False),
        ("where are the trees actually planted?", "Our partners plant trees in Brazil and Kenya.", True),
        ("which region is our data hosted in?", "Data is stored in the EU by default.", True),
        ("which region is our data hosted in?", "Exports are CSV files you can download.", False),
        ("where do I find my invoices?", "Open Billing > Invoices.", True),  # a how-to: no place asked
    ],
)
def test_an_article_names_a_place_when_asked_where_something_is(question, text, named):
    assert names_place(question, text) is named


def test_a_count_is_said_of_what_the_line_after_it_says_the_limit_applies_to():
    """ "How many transfers out" is answered by "up to 30 withdrawals" when the next line says what the limit applies
    to ("The limit applies to ... electronic transfers"); a line that does not point back at the value says nothing
    of it, and neither does a count of something else."""
    question = "how many transfers out per month can we make from our business savings before it's a problem?"
    limit = "- You may make up to 30 withdrawals during each monthly cycle.\n"
    assert states_asked(question, limit + "- The limit applies to outbound movements such as electronic transfers.")
    assert not states_asked(question, limit + "- Electronic transfers are free of charge.")
    assert not states_asked(question, limit + "- The limit applies to cash withdrawals at a branch.")
