"""Offline model, round 20 (issue #14): the words of a person added to a proposal, a date's phrase whatever the day,
"this morning", people met to be logged, a ticket's change said anywhere, acts said without their usual verbs, a
listed task by its place, periods and dates said another way, the record meant "instead"."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.offline.acts import deal_news
from assistant.offline.amend import added_person, day_shift, retarget
from assistant.offline.dialogue import asked_field
from assistant.offline.handoff import handoff
from assistant.offline.intents import rule_intent
from assistant.offline.listed import line_pointed
from assistant.offline.plan.questions import _HOW_MUCH_MINE, _MY_DEALS
from assistant.offline.plan.route import _CHANGES_TICKET, _MET, _NEED_TO
from assistant.offline.plan.tasks import _UNTIL, COMPLETE_TASK, DONE_WITH_IT
from assistant.offline.slots import find_date, find_period, says_date


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("add anika ueda too", "anika ueda"),
        ("also invite sam", "sam"),
        ("loop in kai lee as well", "kai lee"),
        ("anika ueda too", "anika ueda"),
        ("add it too", None),
        ("that too", None),
        ("add a note too", None),
        ("add anika ueda to the deal and move it to proposal", None),
    ],
)
def test_added_person(text, person):
    assert added_person(text) == person


@pytest.mark.parametrize("today", [date(2027, 2, 11), date(2028, 2, 29), date(2026, 12, 31)])
def test_says_date_does_not_depend_on_the_day(today):
    assert says_date("feb 29") and says_date("the end of the month") and says_date("next friday")
    assert not says_date("24/7 support") and not says_date("the globex renewal")
    assert find_date("this afternoon", today).value == today


def test_a_value_after_instead_is_no_record():
    assert retarget("make it the 31st of january instead") is None
    assert retarget("make it jan 31 instead") is None


def test_met_people_to_log():
    assert _MET.match("met jonas silva + liam costa yesterday re pricing, went ok - log it pls")
    assert _MET.match("we met with jonas silva this morning, log it")
    assert not _MET.match("met jonas silva yesterday, what did we talk about?")  # nothing to log
    assert not _MET.match("meet jonas silva tomorrow, log it")


def test_a_ticket_change_is_read_at_the_start_or_anywhere():
    assert _CHANGES_TICKET.search("1036 -> pending, waiting on their logs")
    assert _CHANGES_TICKET.search("webhook delays are spreading, bump 1048 up to high")
    assert _CHANGES_TICKET.search("set 1062 priority")
    assert not _CHANGES_TICKET.search("any tickets over 1000 words")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("rang umar novak, no answer", "log_call"),
        ("ticket for anika dubois at northworks inc: can't add users, medium", "create_ticket"),
        ("contact info for ines jensen @ rapidpoint", "show_record"),
        ("add a 9.5k deal on silverpoint partners 44 - Silverpoint Partners - Support Pack", "create_deal"),
    ],
)
def test_rules_read_the_act_the_words_say(text, intent):
    assert rule_intent(text) == intent


def test_rules_leave_what_they_do_not_say():
    assert rule_intent("called it a day") is None
    assert rule_intent("contact info for my accounts") != "show_record"


def test_who_should_own_a_record_is_a_hand_off():
    handed = handoff("john should own the maya baker lead")
    assert handed is not None and (handed.kind, handed.words, handed.to) == ("lead", "the maya baker lead", "john")


@pytest.mark.parametrize("text", ["done with follow up #33", "close the Follow up #16 task", "finished follow up #2"])
def test_a_task_done(text):
    assert COMPLETE_TASK.search(text)


def test_a_task_marked_done_after_what_was_done():
    assert DONE_WITH_IT.search("i already called sarah johnson, mark it done")


_TASKS = """Your open tasks overdue (3):

- Follow up #16 (due 2027-05-09)
- Follow up #7 (due 2027-05-10) [in_progress]
- Follow up #17 (due 2027-05-15)"""


@pytest.mark.parametrize(
    ("text", "pointed"),
    [
        ("first one is done, close it", "close the Follow up #16 task"),
        ("mark the 2nd one done", "mark the Follow up #7 task done"),
        ("the last task - push it to friday", "push the Follow up #17 task to friday"),
        ("the fifth one is done", "the fifth one is done"),  # no fifth line: nothing is guessed
    ],
)
def test_a_listed_task_pointed_at_by_its_place(text, pointed):
    assert line_pointed(text, _TASKS) == pointed


def test_periods_and_dates_said_another_way():
    today = date(2027, 5, 19)
    assert find_period("june pipeline pls").value == "june"
    assert find_period("may i see my pipeline") is None
    assert find_date("two weeks out", today).value == date(2027, 6, 2)
    assert find_date("10 days from now", today).value == date(2027, 5, 29)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("wait, the renewal 117 instead", ("renewal 117", None)),
        ("no wait, it was kara hansen", ("kara hansen", None)),
        ("no wait, it was urgent", None),
        ("no it was 40k", None),
    ],
)
def test_the_record_meant_instead(text, target):
    assert retarget(text) == target


def test_reads_said_another_way():
    assert _CHANGES_TICKET.search("1048 pending - waiting on customer logs")
    assert not _CHANGES_TICKET.search("1048 pending tickets")
    assert asked_field("who are we talking to there") == "contact"
    assert _NEED_TO.match("urgent: finish the orbitwave pricing deck eod friday")
    assert not _NEED_TO.match("urgent: tickets from acme today")
    assert _MY_DEALS.match("largest deal i have open?")
    assert _HOW_MUCH_MINE.match("how much have i got in q3")
    assert _UNTIL.search("what have i got due between now and sunday")["day"] == "sunday"


def test_a_deals_news_names_the_field_it_changes():
    assert deal_news("deltagate expansion 178 is dead, reason: project cancelled") == "stage"
    assert deal_news("helixfield llc platform 11 closes jan 31 now") == "close_date"
    assert deal_news("is deltagate expansion 178 dead?") is None


def test_a_listed_record_the_caller_takes():
    taken = handoff("give me the finance team one", ["ticket"])
    assert taken is not None and (taken.kind, taken.words, taken.to) == ("ticket", "the finance team one", "me")
    assert handoff("give me the rundown", ["ticket"]) is None
    assert handoff("give me the acme deal details", ["deal"]) is None


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("no, the day after", 1),
        ("make it a day earlier", -1),
        ("the day before pls", -1),
        ("the day after tomorrow", None),
    ],
)
def test_a_day_shift(text, days):
    assert day_shift(text) == days
    if days is not None:
        assert retarget(text) is None
