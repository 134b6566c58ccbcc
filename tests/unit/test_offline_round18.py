"""Round 18 of the offline model's understanding: a month by name is a period; a number said after a deal's name
is part of it; a teammate's calls and figures; tasks "killed"; amounts "slashed"; a new account by its name; a ticket
taken; a correction that says what it is not; emails asked for in a few words; forecasts years ahead refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assistant.offline.acts import CHANGE
from assistant.offline.amend import retarget
from assistant.offline.dialogue import out_of_scope
from assistant.offline.linking import numbered, other_mentions
from assistant.offline.plan.accounts import NEW_ACCOUNT
from assistant.offline.plan.activities import CALLS_LOGGED
from assistant.offline.plan.route import _BRIEFING, INSIGHTS
from assistant.offline.plan.tasks import COMPLETE_TASK
from assistant.offline.replies import follow_up, object_first
from assistant.offline.reports import report_lines
from assistant.offline.slots import find_period
from prompts.periods import period_words
from tools.periods import period_range

NOW = datetime(2027, 10, 12, 15, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("said", "period"),
    [
        ("deals emma closed won in august", "august"),
        ("calls during march", "march"),
        ("pipline for october pls", "october"),
        ("and for july?", "july"),
        ("what did we win this quarter in august", "this_quarter"),  # a named period word goes first
    ],
)
def test_a_month_by_name_is_a_period(said, period):
    found = find_period(said)
    assert found is not None and found.value == period


@pytest.mark.parametrize("said", ["push it to august 3", "may i see my deals", "due aug 30"])
def test_a_date_or_a_may_is_no_month_period(said):
    found = find_period(said)
    assert found is None or found.value not in ("august", "may")


@pytest.mark.parametrize(
    ("today", "month", "first"),
    [
        (date(2027, 9, 9), "august", date(2027, 8, 1)),
        (date(2027, 9, 9), "november", date(2027, 11, 1)),
        (date(2028, 1, 5), "december", date(2027, 12, 1)),  # last December, not eleven months ahead
        (date(2027, 3, 1), "september", date(2027, 9, 1)),  # a tie: this year's
    ],
)
def test_a_month_is_its_nearest_one(today, month, first):
    start, end = period_range(month, today)
    assert start == first and end.month == first.month and end.year == first.year


def test_periods_are_said_as_people_say_them():
    assert period_words("august") == "in August"
    assert period_words("this_quarter") == "this quarter"


def test_a_follow_up_naming_a_month_asks_the_same_question_for_it():
    assert follow_up("what did emma win this quarter", "and in july?", NOW) == "what did emma win in july"


def test_a_number_said_after_a_name_is_part_of_it():
    said = "move carlos's orbitpath platform 61 to closed won"
    assert numbered("orbitpath platform", said) == "orbitpath platform 61"
    assert "orbitpath platform 61" in other_mentions(said, "carlos")
    assert numbered("acme", "set acme to 61k") == "acme"  # an amount is no part of a name


@pytest.mark.parametrize(
    "said", ["emma's calls this month", "calls by emma this week", "calls emma logged in august", "my calls today"]
)
def test_a_list_of_calls_is_read(said):
    assert CALLS_LOGGED.search(said)


@pytest.mark.parametrize("said", ["log a call with emma", "called emma, she wants a demo"])
def test_a_call_to_log_is_no_list(said):
    assert not CALLS_LOGGED.search(said)


@pytest.mark.parametrize(
    "said",
    ["kill follow up #17, it's dead", "nuke the follow up #21 task, farid already replied", "scrap the demo task"],
)
def test_a_task_killed_is_closed(said):
    assert COMPLETE_TASK.search(said)


def test_an_amount_slashed_is_a_change():
    assert CHANGE.search("slash the globex platform upgrade to 20k, they're squeezing us")


@pytest.mark.parametrize(
    ("said", "name", "industry", "parent"),
    [
        ("create an account called Quillon Freight, logistics", "Quillon Freight", "logistics", None),
        ("new account: Quillon Freight", "Quillon Freight", None, None),
        ("add account Quillon Freight (logistics)", "Quillon Freight", "logistics", None),
        ("create account Nimbus Labs under Acme Corp", "Nimbus Labs", None, "Acme Corp"),
    ],
)
def test_a_new_account_is_read_with_its_industry_and_parent(said, name, industry, parent):
    m = NEW_ACCOUNT.match(said)
    assert m is not None and (m["name"], m["industry"], m["parent"]) == (name, industry, parent)


@pytest.mark.parametrize("said", ["new account pls", "add account", "show me the acme account"])
def test_no_new_account_without_a_name(said):
    assert NEW_ACCOUNT.match(said) is None


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("take 1004", "assign ticket 1004 to me"),
        ("take 1004 - assign to me", "assign ticket 1004 to me"),
        ("1004 - assign to me", "assign 1004 to me"),
        ("the login one - assign to me", "assign the login one to me"),
        ("take a look at 1004", "take a look at 1004"),
    ],
)
def test_a_ticket_taken_or_named_first_is_the_verbs_object(said, meant):
    assert object_first(said) == meant


def test_a_correction_saying_what_it_is_not_names_what_it_is():
    assert retarget("no wait, not globex - harborline platform 161") == ("harborline platform 161", None)


def test_a_forecast_years_ahead_is_out_of_scope():
    assert out_of_scope("forecast our revenue for 2030") == "forecast years ahead"
    assert out_of_scope("forecast this quarter") is None


@pytest.mark.parametrize(
    "said",
    [
        "email grace petrov re the legal review",
        "follow up email to umar ito about the budget confirmation",
        "email to hiro evans checking in on the renewal timeline pls",
        "shoot grace petrov an email about pricing",
        "more formal pls. email grace petrov re the legal review",  # a restyle merged before the request
    ],
)
def test_an_email_asked_in_a_few_words_is_a_draft(said):
    assert next(name for pattern, name in INSIGHTS if pattern.search(said)) == "draft_email"


def test_meeting_prep_is_a_briefing():
    assert _BRIEFING.search("meeting prep on liam dubois pls")


def test_a_rate_keeps_its_decimal():
    data = {"rows": [{"key": "John Miller", "won": 11, "closed": 16, "win_rate": 0.6875}], "total": None}
    assert report_lines(data) == ["John Miller: won 11, closed 16, win rate 68.8%"]
