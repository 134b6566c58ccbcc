"""Offline model, round 21 (issue #14): a company said once for several people, a roll-up said in shorthand, a new
account's headcount, a lead qualified at the end of its BANT, a deal lost or won with no verb, the kind of task said
before "task", a local phone number, a period swapped or said as "how's april looking", wins asked loosely, who else
works there, a look-alike picked by its amount, a meeting logged, a ticket's note and status, a teammate's task."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assistant.offline.account_fields import headcount
from assistant.offline.acts import deal_news
from assistant.offline.amend import AMOUNT_PICK
from assistant.offline.dialogue import DEAL_VALUE, asked_field, company_in_brackets
from assistant.offline.intents import rule_intent
from assistant.offline.linking import kind_hint
from assistant.offline.nlu import FILLERS
from assistant.offline.plan.accounts import NEW_ACCOUNT
from assistant.offline.plan.deals import _STAGE_TOO
from assistant.offline.plan.questions import _ELSE_THERE, _WON
from assistant.offline.plan.route import _BANT_FOR, _NOTE_ON_TICKET, TASK_DUE, task_priority
from assistant.offline.plan.tasks import _FOR_WHOM, COMPLETE_TASK
from assistant.offline.refine import refinement
from assistant.offline.replies import follow_up, one_of_kind
from assistant.offline.slots import find_period, find_phone

_NOW = datetime(2027, 3, 25, 14, 50, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        (
            "call with olga zhou and yara quist (helixfield llc) monday",
            "call with olga zhou at helixfield llc and yara quist at helixfield llc monday",
        ),
        ("with ana li, bo wu and cy ng (acme)", "with ana li at acme, bo wu at acme and cy ng at acme"),
        ("call with nils and sam lee (acme)", "call with nils and sam lee at acme"),  # "with nils" is no name
        ("meet ben weber (the ceo one)", "meet ben weber (the ceo one)"),
    ],
)
def test_a_company_in_brackets_is_where_each_person_listed_before_it_works(text, read):
    assert company_in_brackets(text) == read


def test_each_attendee_keeps_the_company_said_after_the_name():
    slots = FILLERS["schedule_meeting"](
        "call with olga zhou at helixfield and yara quist at helixfield monday 2pm", _NOW
    )
    assert slots["names"] == ["olga zhou", "yara quist"]


@pytest.mark.parametrize(
    "text", ["novaline systems + its subs", "helixforge holdings family tree, subs incl", "acme incl subs"]
)
def test_a_roll_up_said_in_shorthand(text):
    assert asked_field(text) == "subsidiaries"


def test_a_new_account_with_its_headcount():
    said = NEW_ACCOUNT.match("new account: Halvorsen Marine, ~800 employees")
    assert said is not None and said["name"] == "Halvorsen Marine" and headcount(said["employees"]) == 800
    assert headcount("1.2k") == 1200 and headcount("lots") is None


def test_a_lead_marked_qualified_after_its_bant():
    text = (
        "elena zhou - budget 30k approved, their cfo decides, need: reporting, timeline end of q2. mark her qualified"
    )
    assert rule_intent(text) == "update_lead_status"


def test_a_deal_lost_said_with_no_verb():
    assert deal_news("prismlogic renewal 132 lost, no budget") == "stage"
    assert deal_news("show q3 2027 won deals") is None
    assert deal_news("acme renewal 12 won?") is None


def test_the_kind_of_task_and_a_lone_priority():
    slots = FILLERS["create_task"](
        "give carlos a follow-up task on the brightpath platform 146 deal, due april 9, high", _NOW
    )
    assert slots == {
        "due_date": date(2027, 4, 9),
        "priority": "high",
        "title": "Follow-up on the brightpath platform 146 deal",
    }


def test_a_local_phone_number_only_where_a_phone_is_said():
    assert find_phone("555 0142") is None
    assert find_phone("555 0142", shortest=7) is not None


def test_a_period_swapped_keeps_its_preposition():
    assert follow_up("pipeline for q2", "and q3?", _NOW) == "pipeline for q3"
    assert follow_up("deals won in march", "what about april", _NOW) == "deals won in april"


@pytest.mark.parametrize(
    ("text", "period"), [("hows april looking pipeline wise", "april"), ("how is q3 looking", "q3")]
)
def test_how_a_period_is_looking(text, period):
    found = find_period(text)
    assert found is not None and found.value == period


def test_wins_asked_loosely():
    assert _WON.search("won anything this month?")
    assert not _WON.search("anything this month?")


def test_who_else_works_there():
    assert _ELSE_THERE.search("other contacts there?")
    assert _ELSE_THERE.search("who else is at that company")
    assert not _ELSE_THERE.search("other deals?")


@pytest.mark.parametrize(
    ("text", "pick"), [("the 5k one", True), ("no, the $120k deal", True), ("make it 5k", False), ("the 5k", False)]
)
def test_a_look_alike_picked_by_its_amount_after_a_proposal(text, pick):
    assert bool(AMOUNT_PICK.match(text)) is pick


def test_a_meeting_logged_is_no_call():
    assert rule_intent("pls log mtg yesterday 4pm w umar novak, northworks - walked thru the pricing") == (
        "schedule_meeting"
    )
    slots = FILLERS["schedule_meeting"]("log a meeting for yesterday 2pm: walked through pilot scope", _NOW)
    assert "name" not in slots  # the person in focus, not "walked"


def test_log_one_is_of_the_kind_the_question_before_named():
    said = "log one for yesterday 2pm: walked through pilot scope"
    assert (
        one_of_kind("did i meet maya zhou lately?", said)
        == "log a meeting for yesterday 2pm: walked through pilot scope"
    )
    assert one_of_kind("when did i last call her?", "log one now") == "log a call now"
    assert one_of_kind("did we meet or just call?", "log one now") is None


def test_a_tickets_status_is_the_verb_said_with_its_number():
    assert FILLERS["update_ticket"]("can u close 1026, customer confirmed its fixed", _NOW)["status"] == "closed"
    assert FILLERS["update_ticket"]("1040 -> pending and nils lopez's ticket -> resolved", _NOW)["status"] == "pending"
    assert FILLERS["update_ticket"]("close out 1030 as resolved", _NOW)["status"] == "resolved"  # as said after "as"


def test_a_stage_said_after_a_colon_goes_with_the_amount():
    assert _STAGE_TOO.search("lumenbridge renewal 7: stage proposal, amount 15k")[1] == "proposal"


def test_a_teammates_numbered_task_closed_for_them():
    assert COMPLETE_TASK.search("close out follow up #23 for carlos")
    assert _FOR_WHOM.search("close out follow up #23 for carlos")[1] == "carlos"
    assert _FOR_WHOM.search("close out follow up #23 for me") is None


def test_a_note_on_a_ticket_by_its_number():
    said = _NOTE_ON_TICKET.match("add note to 1013: customer sent a SAML trace")
    assert said is not None and (said[1], said[2]) == ("1013", "customer sent a SAML trace")
    assert _NOTE_ON_TICKET.match("add a note to acme: they want sso") is None


def test_a_deal_won_said_first():
    assert rule_intent("won granitepath platform 176, final number 6k") == "move_deal_stage"
    assert rule_intent("won anything this month?") != "move_deal_stage"


def test_a_type_word_before_the_name():
    assert kind_hint("show lead dev ueda", "dev ueda", ["contact", "lead", "account", "deal"]) == ["lead"]


def test_a_list_of_leads_narrowed_by_status():
    assert refinement("only qualified ones") == "qualified"


def test_another_task_said_as_a_fragment():
    assert rule_intent("and a task to send her the 3 yr quote fri") == "create_task"


def test_a_numbered_tasks_priority_and_due_date_said_another_way():
    assert task_priority("follow up #26 is urgent now") == ("follow up #26", "urgent", None)
    moved = TASK_DUE.match("change follow up #24 due date to feb 5")
    assert moved is not None and (moved[1], moved[2]) == ("follow up #24", "feb 5")


def test_a_note_on_a_ticket_said_without_a_verb_and_bant_for_a_lead():
    assert _NOTE_ON_TICKET.match("note on 1047: customer sent a HAR file, looking into it")[1] == "1047"
    assert _BANT_FOR.match("BANT for rosa tanaka: budget 60k signed off, she's the decision maker")[1] == "rosa tanaka"


def test_a_stage_and_a_close_date_set_after_a_colon_are_values():
    assert DEAL_VALUE.search("vertexfield pilot 44: stage negotiation, close 4/30")
    assert not DEAL_VALUE.search("what stage is vertexfield pilot 44 in")
