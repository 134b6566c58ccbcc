"""Round 17 of the offline model's understanding: a numbered follow-up is a task, never a ticket; "the deal" handed on
with nothing in focus is asked about; elliptical follow-ups that change the period, the outcome or whose queue; a
record the last turn viewed on its way stays in reach ("who's the contact on it", then "set the amount to 9k"); a list
pointer holds two words run together ("the login one"); "which are overdue" refines a list; "open X" looks at a
record; procedure questions go to the help center."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.messages import Message, ToolCall
from assistant.offline.acts import CREATION
from assistant.offline.dialogue import focus_of, is_staff_question
from assistant.offline.handoff import handoff, pointed
from assistant.offline.intents import rule_intent
from assistant.offline.listed import line_pointed
from assistant.offline.nlu import FILLERS
from assistant.offline.refine import refinement
from assistant.offline.replies import follow_up, object_first
from assistant.offline.slots import find_priority

NOW = datetime(2027, 9, 9, 10, 20, tzinfo=UTC)

TICKETS = """Open tickets for Lumenpoint Holdings 41 (3):

- #1025 SSO configuration error (pending, low, from Rosa Rossi, Lumenpoint Holdings 41)
- #1038 Cannot log in after password reset (open, urgent, from Rosa Rossi, Lumenpoint Holdings 41)
- #1030 Webhook deliveries delayed (open, medium, from Liam Dubois, Lumenpoint Holdings 41)"""


@pytest.mark.parametrize("said", ["push follow up #29 to sept 3", "push carlos's follow up #14 to sept 8"])
def test_a_numbered_follow_up_is_no_ticket(said):
    assert rule_intent(said) != "update_ticket"


def test_a_ticket_number_after_a_hash_is_still_a_ticket():
    assert rule_intent("push #1042 to high") == "update_ticket"


@pytest.mark.parametrize("said", ["open falconpath upgrade 60", "pull up the acme deal", "open up sarah johnson"])
def test_opening_a_record_by_its_name_looks_at_it(said):
    assert rule_intent(said) == "show_record"


@pytest.mark.parametrize(
    ("said", "intent"),
    [("open a deal for acme, 50k", "create_deal"), ("open a ticket for acme: sso broken", "create_ticket")],
)
def test_opening_a_new_record_still_creates_it(said, intent):
    assert rule_intent(said) == intent


def test_open_said_of_a_pipeline_makes_nothing():
    assert CREATION.search("emma's open pipeline") is None
    assert CREATION.search("open a deal for acme") is not None


@pytest.mark.parametrize("said", ["the deal", "that deal", "this lead", "the ticket"])
def test_the_record_said_by_its_kind_alone_points_at_the_focus(said):
    assert pointed(said) == 0


def test_a_task_moved_to_a_teammate_is_handed_on():
    handed = handoff("move john's follow up #15 task to mike")
    assert handed is not None and (handed.kind, handed.to, handed.owner) == ("task", "mike", "john")


@pytest.mark.parametrize("said", ["move follow up #15 to aug 30", "move the acme deal to proposal", "move it to eod"])
def test_a_move_to_a_date_a_stage_or_from_it_is_no_hand_off(said):
    assert handoff(said) is None


def test_a_pointer_holds_two_words_of_a_line_run_together():
    assert line_pointed("the login one - assign it to me", TICKETS) == "ticket 1038 - assign it to me"


def test_a_ticket_pointed_at_first_is_named_by_its_number_and_handed_on():
    assert line_pointed("the webhook one - make it high", TICKETS) == "ticket 1030 - make it high"
    handed = handoff("ticket 1038 - assign it to me")
    assert handed is not None and (handed.kind, handed.words, handed.to) == ("ticket", "ticket 1038", "me")


@pytest.mark.parametrize("said", ["make 1058 high", "make #1030 high", "set ticket 1030 low"])
def test_a_priority_after_a_ticket_number_is_read(said):
    found = find_priority(said, loose=True)
    assert found is not None and found.value in ("high", "low")


@pytest.mark.parametrize(
    ("said", "adds"), [("which are overdue", "overdue"), ("which ones are closing this month", "closing this month")]
)
def test_which_are_narrows_the_list(said, adds):
    assert refinement(said) == adds


def test_a_record_viewed_on_the_way_stays_in_reach_for_a_field_only_it_has():
    history = [
        Message("user", "who's the contact on it"),
        Message("assistant", None, tool_calls=[ToolCall("c1", "get_deal", '{"deal_id": "d1"}')]),
        Message(
            "tool", '{"refs": [{"type": "deal", "id": "d1", "name": "Brightstone - Expansion 113"}]}', tool_call_id="c1"
        ),
        Message("assistant", None, tool_calls=[ToolCall("c2", "get_contact", '{"contact_id": "p1"}')]),
        Message("tool", '{"refs": [{"type": "contact", "id": "p1", "name": "Yara Novak"}]}', tool_call_id="c2"),
        Message("assistant", "Brightstone - Expansion 113's main contact: Yara Novak."),
    ]
    focus = focus_of(history)
    assert focus.of(["contact"]) == {"type": "contact", "id": "p1", "name": "Yara Novak"}
    assert focus.of(["deal"]) == {"type": "deal", "id": "d1", "name": "Brightstone - Expansion 113"}


@pytest.mark.parametrize(
    ("previous", "said", "asked"),
    [
        ("win rate by rep this quarter", "what about last quarter", "win rate by rep last quarter"),
        ("deals carlos won this quarter", "now the lost ones", "deals carlos lost this quarter"),
        ("pending tickets of mine", "what about sam's", "pending tickets assigned to sam"),
    ],
)
def test_an_elliptical_follow_up_asks_the_last_question_again_as_changed(previous, said, asked):
    assert follow_up(previous, said, NOW) == asked


@pytest.mark.parametrize(
    "said",
    [
        "after a failed payment how long until the workspace goes read only",
        "checklist for sso tickets?",
        "whats the difference between deleting a deal and marking it lost",
    ],
)
def test_a_procedure_question_goes_to_the_help_center(said):
    assert is_staff_question(said)


def test_a_question_about_a_deal_stays_a_crm_question():
    assert not is_staff_question("how long has the acme deal been in proposal")


def test_a_priority_said_after_the_problem_is_no_part_of_it():
    slots = FILLERS["create_ticket"]("new ticket for tom smith at acme: can't add users, seat limit error. high", NOW)
    assert (slots["priority"], slots["subject"]) == ("high", "Can't add users, seat limit error")


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("the webhook ticket for deltaline, set it to pending", "set the webhook ticket for deltaline to pending"),
        ("the sso ticket from olga zhou - make it high", "make the sso ticket from olga zhou high"),
    ],
)
def test_a_ticket_described_with_its_customer_first_is_the_verbs_object(said, meant):
    assert object_first(said) == meant


def test_making_the_ticket_a_priority_is_no_new_ticket():
    assert rule_intent("make the sso ticket from olga zhou high") != "create_ticket"
    assert find_priority("make the sso ticket from olga zhou high", loose=True).value == "high"
