"""Round 15 of the offline model's reading (issue #14): the record a correction means, what a correction states, a
view's inline lists, a deal named by its new value, a hand-off from a named owner, a field said before its value, and
a company in brackets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.offline.acts import change_intent
from assistant.offline.amend import corrected_values, retarget
from assistant.offline.dialogue import company_in_brackets, field_request, smalltalk
from assistant.offline.handoff import handoff
from assistant.offline.nlu import FILLERS
from assistant.offline.replies import line_pointed

NOW = datetime(2027, 5, 18, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("sorry, pilot 184", "pilot 184"),
        ("no wait, not the renewal - pilot 134", "pilot 134"),
        ("wait no, the helixfield ben weber", "helixfield ben weber"),
        ("no, the platform deal - platform 36", "platform 36"),
        ("no, the other tara - crestlogic", "tara at crestlogic"),
        ("oops, renewal 62", "renewal 62"),
    ],
)
def test_the_record_a_correction_means(text, meant):
    assert retarget(text) == (meant, None)


@pytest.mark.parametrize(
    "text",
    [
        "no wait, june 15",
        "no, may 3rd",
        "no wait, friday",
        "sorry wrong number, 1014",
        "wait, not yet",
        "no, cancel that",
    ],
)
def test_a_correction_that_names_a_value_or_nothing_names_no_record(text):
    assert retarget(text) is None


def test_a_correction_naming_a_record_is_no_hold_off():
    assert smalltalk("no wait, not the renewal - pilot 134") is None
    assert smalltalk("no wait, they havent countersigned yet") == "held"


def test_what_a_filler_gives_any_text_is_not_stated_by_a_correction():
    read = FILLERS["assign_ticket"]("sorry wrong number, 1014", NOW)
    assert corrected_values(read, FILLERS["assign_ticket"]("", NOW)) == {"ticket_number": 1014}


VIEW = """**Hiro Ito**, Director of Finance at Northworks Partners 39

Deals: Northworks Partners - Expansion 138 (closed_lost, $20K); Northworks Partners - Pilot 144 (proposal, $120K)

Tickets: #1058 Invoice shows wrong amount (pending); #1059 Export to CSV times out (open)"""


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("bump the pending one to high", "bump ticket 1058 to high"),
        ("the export one - close it", "ticket 1059 - close it"),
        ("the 120k one -> negotiation", "Northworks Partners - Pilot 144 -> negotiation"),
        ("the open one", "ticket 1059"),
    ],
)
def test_a_views_inline_lists_answer_the_x_one(text, meant):
    assert line_pointed(text, VIEW) == meant


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("set globex platform upgrade to 30k", "update_deal"),
        ("set globex to $30,000", "update_deal"),
        ("move globex platform upgrade to proposal", "move_deal_stage"),
        ("change the meeting to 10 am", None),
        ("set x to 12 users", None),
        ("set it to 30k", None),
    ],
)
def test_a_change_command_without_a_type_word_is_a_deals_by_its_value(text, intent):
    assert change_intent(text, set()) == intent


def test_a_hand_off_from_a_named_owner_of_a_deal_named_by_company_kind_and_number():
    handed = handoff("reassign emberpoint renewal 107 from john to mike")
    assert handed is not None
    assert (handed.kind, handed.words, handed.to, handed.owner) == ("deal", "emberpoint renewal 107", "mike", "john")


def test_a_deal_field_followed_by_its_value_is_no_question():
    assert field_request("northworks inc expansion 28 - close date the 28th") is None
    assert field_request("northline pilot 144 close date next friday") is None
    assert field_request("globex close date?") == "close_date"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("nils varga (brightpath) direct line +1 415 555 0123", "nils varga at brightpath direct line +1 415 555 0123"),
        ("ben weber (helixfield, the engineer) - log call", "ben weber at helixfield - log call"),
        ("ben weber (the ceo one) called", "ben weber (the ceo one) called"),
        ("olga zhou (lead) is a no", "olga zhou (lead) is a no"),
        ("log a call (30 min) with sarah", "log a call (30 min) with sarah"),
    ],
)
def test_a_company_in_brackets_after_a_name(text, said):
    assert company_in_brackets(text) == said


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("vera hansen at ironpath: title is now Senior Engineer", "title", "Senior Engineer"),
        ("nils varga at brightpath direct line +1 415 555 0123", "phone", "+1 415 555 0123"),
        ("nils varga mobile is +1 415 555 0123", "mobile", "+1 415 555 0123"),
        ("vera hansen at northpath: title CTO -> VP Engineering", "title", "VP Engineering"),
        ("her title is Assistant to the CEO now", "title", "Assistant to the CEO"),
    ],
)
def test_a_contacts_field_and_its_new_value(text, field, value):
    slots = FILLERS["update_contact"](text, NOW)
    assert (slots["field"], slots["value"]) == (field, value)
