"""Round 19 of the offline model's understanding: a deal's new closing day said as news; a correction naming only a
deal's kind means that kind at the same company; a listed ticket pointed at by its status or priority; a task described
first, then marked done; both parts of "show me A and B" in focus; a proposed creation named ("call it ..."); a call's
summary told after it was proposed; a value alone corrects a proposal; a bare quarter is a period; a call had, a
numbered deal "dead", a new number, a person's "contact details"; the requester of the ticket in focus."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from assistant.messages import Message, ToolCall
from assistant.offline.acts import change_intent, deal_news
from assistant.offline.amend import is_correction, named_as, restyles, tells_more
from assistant.offline.dialogue import PART, focus_of, out_of_scope
from assistant.offline.intents import rule_intent
from assistant.offline.linking import kind_hint, numbered
from assistant.offline.listed import asked_most
from assistant.offline.nlu import FILLERS, find_bant
from assistant.offline.plan.deals import TEAMMATE_DEALS
from assistant.offline.plan.route import (
    _BANT_SET,
    _CHANGES_TICKET,
    _HAD_CALL,
    _TASK_REQUEST,
    _THEIR_OTHERS,
    _WHO_RAISED,
    INSIGHTS,
)
from assistant.offline.reading import _same_account
from assistant.offline.replies import choose, object_first
from assistant.offline.slots import find_period

NOW = datetime(2027, 11, 17, 9, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    "said",
    [
        "helixfield llc platform 11 closes jan 31 now",
        "helixfield llc platform 11 now closes on jan 31",
        "falconpath renewal 57 isnt closing on the 14th, its oct 30 now",
        "helixfield llc platform 11 won't close until jan 31",
    ],
)
def test_a_closing_day_said_as_news_is_a_change(said):
    assert deal_news(said) == "close_date"


@pytest.mark.parametrize("said", ["deals closing this month", "what closes next week", "closing soon?"])
def test_a_closing_question_is_no_change(said):
    assert deal_news(said) is None


@pytest.mark.parametrize(
    ("meant", "before", "deal"),
    [
        ("expansion one", "orbitpath renewal 32", "orbitpath expansion"),
        ("upgrade", "prismlogic renewal", "prismlogic upgrade"),
        ("renewal", "Brightfield Partners - Expansion 108", "Brightfield Partners renewal"),
        ("globex one", "orbitpath renewal 32", "globex one"),  # a company: taken as said
        ("cedarline renewal", "orbitpath renewal 32", "cedarline renewal"),  # more than a kind: taken as said
        ("renewal", "globex", "renewal"),  # no company to keep
    ],
)
def test_a_correction_naming_a_deals_kind_keeps_the_company(meant, before, deal):
    assert _same_account(meant, before) == deal


@pytest.mark.parametrize(
    ("said", "changes"),
    [
        ("set the pending one back to open", {"status": "open"}),
        ("the urgent ticket - make it high", {"priority": "high"}),
        ("1036 -> pending", {"status": "pending"}),
    ],
)
def test_a_ticket_pointed_at_by_its_state_takes_the_other_value(said, changes):
    slots = FILLERS["update_ticket"](said, NOW)
    assert {k: slots[k] for k in ("status", "priority") if slots.get(k)} == changes


def test_a_task_described_first_is_marked_done():
    assert object_first("the follow up #1 task - mark done") == "mark the follow up #1 task done"


def test_both_views_of_a_message_in_two_parts_are_in_focus():
    def view(call_id: str, deal_id: str, name: str) -> list[Message]:
        call = ToolCall(call_id, "get_deal", json.dumps({"deal_id": deal_id}))
        result = {"ok": True, "data": {}, "refs": [{"type": "deal", "id": deal_id, "name": name}]}
        return [
            Message("assistant", None, tool_calls=[call]),
            Message("tool", json.dumps(result), tool_call_id=call_id),
        ]

    history = [
        Message("user", "show me summitgate expansion 58 and falconpath expansion 48"),
        *view(f"{PART}1", "d1", "Summitgate Inc - Expansion 58"),
        *view(f"{PART}2", "d2", "Falconpath Co - Expansion 48"),
        Message("assistant", "**Summitgate Inc - Expansion 58** ...\n**Falconpath Co - Expansion 48** ..."),
    ]
    assert [r["id"] for r in focus_of(history).records] == ["d1", "d2"]
    alone = [Message("user", "show me summitgate expansion 58"), *view("c1", "d1", "S"), *view("c2", "d2", "F")]
    assert [r["id"] for r in focus_of(alone).records] == ["d2"]  # one request's views: the last one


@pytest.mark.parametrize(
    ("intent", "said", "named"),
    [
        ("create_deal", "call it Acme USA - Fleet Expansion", {"deal_name": "Acme USA - Fleet Expansion"}),
        ("create_task", "name it 'Pricing call'", {"title": "Pricing call"}),
        ("log_call", "call it a day", {}),  # a call has no name
    ],
)
def test_a_proposed_creation_is_named_by_a_correction(intent, said, named):
    assert is_correction(said, NOW.date())
    assert named_as(intent, said) == named


@pytest.mark.parametrize(
    ("said", "summary"),
    [
        ("she asked about calendar sync for all teams", True),
        ("he said they need it by june", True),
        ("she asked what our pricing is?", False),  # a question of the user's own
        ("log a call with tom too", False),
    ],
)
def test_what_the_person_said_after_a_proposed_call_is_its_summary(said, summary):
    assert tells_more(said) is summary


@pytest.mark.parametrize(
    ("said", "quarter"),
    [
        ("what's my q1 pipeline", "q1"),
        ("q1 pipe?", "q1"),
        ("and q2?", "q2"),
        ("my q3 numbers", "q3"),
        ("q4 forecast", None),
    ],
)
def test_a_bare_quarter_is_a_period(said, quarter):
    found = find_period(said)
    assert (found.value if found else None) == quarter


def test_a_call_had_with_someone_is_logged():
    assert _HAD_CALL.match("had a 20 min call w pablo ito - budget frozen till april")
    assert not _HAD_CALL.match("had a look at the call list")


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("deltagate expansion 178 is dead, reason: project cancelled", "move_deal_stage"),
        ("northpath pilot 29 was won yesterday", "move_deal_stage"),
        ("dana is lost, went with a competitor", None),  # a person: no deal's stage
    ],
)
def test_a_numbered_deal_said_to_be_over_is_a_stage_change(said, intent):
    assert change_intent(said, set()) == intent


def test_a_new_number_is_the_persons_phone():
    slots = FILLERS["update_contact"]("rosa rossi at lumenpoint has a new number: +1 212 555 0142", NOW)
    assert (slots["field"], slots["value"]) == ("phone", "+1 212 555 0142")
    lead = FILLERS["update_contact"]("update chloe evans lead title to Head of IT", NOW)
    assert (lead["field"], lead["value"]) == ("title", "Head of IT")


def test_a_persons_contact_details_are_a_look():
    assert rule_intent("anika petrov contact details") == "show_record"
    assert rule_intent("new contact details for anika") != "show_record"


@pytest.mark.parametrize(("said", "style"), [("and more formal", True), ("ok make it shorter", True), ("and", False)])
def test_a_restyle_may_follow_and(said, style):
    assert restyles(said) is style


@pytest.mark.parametrize(("said", "most"), [("whose is bigger", "bigger"), ("who has the smaller one", "smaller")])
def test_comparatives_ask_for_the_most(said, most):
    assert asked_most(said) == most


@pytest.mark.parametrize(
    ("said", "pattern"),
    [
        ("who's it from", _WHO_RAISED),
        ("who sent it", _WHO_RAISED),
        ("what else have they opened", _THEIR_OTHERS),
        ("her other tickets?", _THEIR_OTHERS),
    ],
)
def test_the_requester_of_the_ticket_in_focus_is_asked_about(said, pattern):
    assert pattern.search(said)


def test_a_number_before_a_colon_is_part_of_the_name():
    assert numbered("atlasstone renewal", "atlasstone renewal 12: 40k and close 7/15") == "atlasstone renewal 12"
    assert numbered("atlasstone renewal", "call atlasstone renewal 12:30 today") == "atlasstone renewal"


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("mark quinn fischer (irongate) qualified: budget ~25k", "update_lead_status"),
        ("move globex platform upgrade to qualification", "move_deal_stage"),
        ("move globex platform upgrade to qualified", "move_deal_stage"),  # a deal moved "to" the stage
    ],
)
def test_qualified_said_of_a_person_is_a_leads_status(said, intent):
    assert change_intent(said, set()) == intent


def test_the_decision_owned_is_the_authority_and_an_override_its_reason():
    bant = find_bant("umar ueda is qualified. budget 18k, he owns the decision, need: replace spreadsheets")
    assert bant["authority"] == "he owns the decision"
    slots = FILLERS["convert_lead"]("convert umar dubois to a deal, 30k - override, he's verbally committed", NOW)
    assert (slots["override_reason"], slots["name"]) == ("he's verbally committed", "umar dubois")


@pytest.mark.parametrize(
    ("said", "what"),
    [
        ("reserve a table for 8 at an italian place tonight", "book restaurants"),
        ("what's the score in the lakers game", "answer general questions"),
        ("what is the lead score of dana", None),
    ],
)
def test_restaurants_and_games_are_out_of_scope(said, what):
    assert out_of_scope(said) == what


@pytest.mark.parametrize(
    ("said", "intent"), [("todo list for this week", "my_tasks"), ("todo: call sarah", "create_task")]
)
def test_a_to_do_list_is_read(said, intent):
    assert (rule_intent(said) == "create_task") is (intent == "create_task")


def test_a_task_for_a_teammate_after_a_dash_is_a_task_request():
    assert _TASK_REQUEST.search("task for john - update the forecast sheet next monday")


def test_how_much_a_rep_is_carrying_is_their_deals():
    assert TEAMMATE_DEALS.search("how much is mike carrying this month")


def test_a_thank_you_note_is_a_draft():
    drafts = next(pattern for pattern, insight in INSIGHTS if insight == "draft_email")
    assert drafts.search("draft a thank you to sarah connor for today's meeting")


def test_a_reply_naming_a_type_picks_that_candidate():
    asked = (
        "Which one did you mean?\n1. Farid Adams (contact, Engineer at Brightfield Partners 31)\n"
        "2. Farid Adams (lead, Vertexgate Co 100052)"
    )
    assert choose(asked, "the lead") == ("Farid Adams", "Farid Adams (lead, Vertexgate Co 100052)")
    assert choose(asked, "the deal") is None


def test_the_type_said_after_a_name_narrows_the_search():
    kinds = ["contact", "lead", "account", "deal"]
    assert kind_hint("dev ueda the contact at cedarforge - title x", "dev ueda", kinds) == ["contact"]
    assert kind_hint("who's the acme contact", "acme", kinds) == kinds  # acme's contact, not a contact named acme


@pytest.mark.parametrize(
    ("said", "who", "field", "value"),
    [
        ("set rosa ueda's timeline to Q4", "rosa ueda", "timeline", "Q4"),
        ("for the second one set the timeline to Q4", None, "timeline", "Q4"),
        ("update her budget to 40k", None, "budget", "40k"),
    ],
)
def test_one_bant_answer_set(said, who, field, value):
    found = _BANT_SET.search(said)
    assert found is not None and (found["who"], found["field"], found["value"]) == (who, field, value)


def test_a_ticket_change_after_a_remark_is_a_change():
    assert _CHANGES_TICKET.search("webhook delays are spreading, bump 1048 up to high")
    assert not _CHANGES_TICKET.search("any tickets over 1000 words")
