"""Round 15 of the offline model's reading (issue #14): the record a correction means, what a correction states, a
view's inline lists, a deal named by its new value, a hand-off from a named owner, a field said before its value, a
company in brackets, an account's field, and "and the X one?" about a person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.offline.account_fields import account_change
from assistant.offline.acts import change_intent
from assistant.offline.amend import corrected_values, retarget
from assistant.offline.dialogue import company_in_brackets, field_request, out_of_scope, smalltalk
from assistant.offline.guard import misread
from assistant.offline.handoff import handoff
from assistant.offline.listed import line_pointed
from assistant.offline.nlu import FILLERS
from assistant.offline.replies import follow_up

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
        ("umar novak's webhook ticket to high, it's not a full outage", "update_ticket"),
        ("the globex deal to proposal", "move_deal_stage"),
        ("how do I get the ticket to high", None),
    ],
)
def test_a_change_said_by_its_value_without_a_verb_or_a_type_word(text, intent):
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


@pytest.mark.parametrize(
    ("text", "name", "changes"),
    [
        ("northworks inc - headcount is 18000 now, update it", "northworks inc", {"employees": 18000}),
        ("set globex's industry to Fintech", "globex", {"industry": "Fintech"}),
        ("set the industry of northworks inc to Fintech", "northworks inc", {"industry": "Fintech"}),
        ("acme website -> acme-corp.com", "acme", {"website": "acme-corp.com"}),
        ("initech annual revenue is 12m", "initech", {"annual_revenue": "12000000"}),
        ("update the acme corp account: employees 1.2k", "acme corp", {"employees": 1200}),
    ],
)
def test_an_accounts_field_and_its_new_value(text, name, changes):
    assert account_change(text) == {"name": name, "changes": changes}


@pytest.mark.parametrize(
    "text",
    [
        "whats the headcount at acme?",
        "new lead dana at brightwave, 500 employees",
        "her website is x.com",
        "log a call with sarah, their revenue is up",
        "set her title to CFO",
    ],
)
def test_no_account_change_without_an_accounts_field_set_to_a_value(text):
    assert account_change(text) is None


def test_and_the_company_one_after_a_question_about_a_person_at_a_company():
    previous = "vera hansen at northpath - when did we last talk"
    assert follow_up(previous, "and the ironpath one?", NOW) == "vera hansen at ironpath - when did we last talk"
    assert follow_up("what is the amount on the globex deal?", "and the acme one?", NOW) is None


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("refund farid adams's invoice in stripe, 1046 is about it", "issue refunds or credits in a billing system"),
        ("issue a $200 credit to ben weber's account in billing", "issue refunds or credits in a billing system"),
        ("approve mike's vacation request for next week", "handle HR or payroll"),
        (
            "what does globex's SLA contract say about first response time?",
            "read contracts (they are not kept in the CRM)",
        ),
        ("credit card declined on ticket 1046", None),
        ("log a call: they want a credit on the next invoice", None),
    ],
)
def test_what_the_crm_cannot_do(text, what):
    assert out_of_scope(text) == what


@pytest.mark.parametrize(
    ("subject", "asked"),
    [
        ("Make it urgent", "Make it urgent"),
        ("Put both on sam", "Put both on sam"),
        ("Customer wants it urgent", ""),
        ("SSO login fails, make it urgent", ""),
    ],
)
def test_a_new_tickets_subject_that_only_asks_for_a_change_is_a_misread(subject, asked):
    assert misread("create_ticket", {"subject": subject}) == asked


@pytest.mark.parametrize(
    ("text", "focused", "handed"),
    [
        ("1006 to sam pls", (), ("ticket", "1006", "sam")),
        ("the webhook one to sam", ("ticket",), ("ticket", "the webhook one", "sam")),
        ("mike's follow up #17 task to john pls", (), ("task", "follow up #17 task", "john")),
        (
            "carlos is swamped, hand his northline partners upgrade 135 to emma",
            (),
            ("deal", "northline partners upgrade 135", "emma"),
        ),
        ("Atlasstone LLC - Platform 6 - give it to john", ("deal",), ("deal", "Atlasstone LLC - Platform 6", "john")),
        ("sarah called, give it to noah", ("ticket",), ("ticket", "it", "noah")),
    ],
)
def test_a_hand_off_without_a_verb_or_of_a_record_named_before_it(text, focused, handed):
    found = handoff(text, focused)
    assert found is not None and (found.kind, found.words, found.to) == handed


@pytest.mark.parametrize(
    "text", ["1048 to high", "the 120k one to negotiation", "1048 to pending", "move it to proposal"]
)
def test_a_value_after_to_is_no_hand_off(text):
    assert handoff(text, ("ticket", "deal")) is None


def test_tickets_that_are_not_resolved_are_the_open_ones():
    assert "status" not in FILLERS["list_tickets"]("how many tickets have i got that aren't resolved", NOW)
    assert FILLERS["list_tickets"]("resolved tickets this week", NOW)["status"] == "resolved"


def test_a_new_tickets_reporter_said_first():
    slots = FILLERS["create_ticket"]("new ticket: grace young at lumenbridge can't see her webhook logs", NOW)
    assert slots["name"] == "grace young at lumenbridge"
    assert "name" not in FILLERS["create_ticket"]("new ticket: the export keeps failing", NOW)
    assert "name" not in FILLERS["create_ticket"]("open a new ticket for her: wants webhook retries configurable", NOW)


def test_same_for_a_teammate_after_a_read_that_is_no_question():
    assert follow_up("win rate for mike this year", "same for john", NOW) == "win rate for john this year"
    assert follow_up("log a call with mike", "same for john", NOW) is None
