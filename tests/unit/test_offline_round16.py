"""Round 16 of the offline model's understanding: a list just shown is refined ("only the ones over 50k", "sort by
amount"), asked about ("which one closes first", "which has the best score") or pointed into ("the oldest one -
summarize it", "the sarah johnson one - push it to friday"); a lead handed on; the calls someone logged."""

from __future__ import annotations

import pytest

from assistant.messages import Message, ToolCall
from assistant.offline.dialogue import focus_of, is_question
from assistant.offline.handoff import handoff
from assistant.offline.listed import asked_most, line_pointed, most_of, the_most
from assistant.offline.plan.tickets import UNASSIGNED
from assistant.offline.refine import deals_in_order, refined, refinement
from assistant.offline.replies import object_first

DEALS = """Emma's deals in proposal: 3 deals, $173K in total:

- Silverline Systems - Pilot 184: proposal, $3K, 11 days in stage, closing 2027-05-25
- Falconpath Co - Renewal 57: proposal, $135K, 44 days in stage, closing 2027-08-16
- Brightfield Partners - Expansion 108: proposal, $35K, 37 days in stage, closing 2027-06-23"""
TASKS = """John Miller's open tasks (3):

- Follow up #33 (due 2027-06-15)
- Call Sarah Johnson (Acme Corp) (due 2027-06-24) (high)
- Follow up #10 (due 2027-06-29) [in_progress]"""
TEAM_TASKS = """Your team's open tasks overdue (3):

- Follow up #16 (due 2027-06-13): Mike Brown
- Follow up #7 (due 2027-06-14) [in_progress]: Mike Brown
- Follow up #33 (due 2027-06-15): John Miller"""
TICKETS = """Your open tickets (3):

- #1014 Cannot log in after password reset (pending, urgent, from Hiro Varga)
- #1008 Cannot log in after password reset (open, urgent, from Bruno Hansen)
- #1009 Sync with calendar fails (pending, urgent, from Ines Silva)"""
LEADS = """Your qualified leads (3):

- Vera Meyer (Prismline Systems 100031): qualified, score 55
- Yara Varga (Cedarpath Partners 100099): qualified, score 82
- Ines Silva (Deltalabs Partners 100005): qualified, score 72"""
REPS = """Your team's pipeline by owner:

- Carlos Diaz: 31 deals, $1.3M ($441.1K weighted)
- Emma Wilson: 35 deals, $843K ($304.6K weighted)"""


@pytest.mark.parametrize(
    ("said", "adds"),
    [
        ("only the ones over 50k", "over 50k"),
        ("just the urgent ones", "urgent"),
        ("any over 100k?", "over 100k"),
        ("ok now only the ones in negotiation", "negotiation"),
        ("only the ones closing this month", "closing this month"),
        ("sort them by amount", "sorted by amount"),
        ("which one's the biggest", "biggest first"),
        ("how much of that is in negotiation", "in negotiation"),
    ],
)
def test_a_refinement_says_what_it_adds_to_the_list(said, adds):
    assert refinement(said) == adds


@pytest.mark.parametrize("said", ["just log a call with sarah", "only if its urgent", "the oldest one - summarize it"])
def test_a_request_of_its_own_refines_nothing(said):
    assert refinement(said) is None


def test_a_refinement_is_the_listing_request_with_every_refinement_since():
    turns = [("emma's deals in proposal", DEALS), ("only the ones over 20k", DEALS)]
    assert refined(turns, "sort by amount") == "emma's deals in proposal over 20k sorted by amount"


def test_nothing_is_refined_after_an_answer_that_listed_nothing():
    assert refined([("how's the acme deal", "**Acme Corp - Renewal**: proposal")], "only the ones over 50k") is None


def test_a_superlative_a_whole_list_answers_is_picked_not_refined():
    assert refined([("emma's deals in proposal", DEALS)], "which one's the biggest") is None


def test_deals_are_put_in_the_order_asked():
    deals = [{"deal_name": "a", "amount": 3000, "close_date": "2027-09-01"}, {"deal_name": "b", "amount": 9000}]
    assert [d["deal_name"] for d in deals_in_order("emma's deals sorted by amount", deals)[0]] == ["b", "a"]
    assert [d["deal_name"] for d in deals_in_order("emma's deals smallest first", deals)[0]] == ["a", "b"]
    assert deals_in_order("emma's deals", deals) == (deals, "")


@pytest.mark.parametrize(
    ("question", "answer", "line"),
    [
        ("which one's the biggest", DEALS, "Falconpath Co - Renewal 57"),
        ("which closes first", DEALS, "Silverline Systems - Pilot 184"),
        ("which is the oldest", TEAM_TASKS, "Follow up #16"),
        ("which has the best score", LEADS, "Yara Varga"),
        ("who's got more", REPS, "Carlos Diaz"),
        ("which one is the newest", TICKETS, "#1014"),
        ("the oldest one?", TICKETS, "#1009"),
    ],
)
def test_the_most_a_question_asks_for_is_one_line_of_the_list(question, answer, line):
    most = asked_most(question)
    assert most is not None
    picked = the_most(most, answer)
    assert picked is not None and picked.text.startswith(line), picked


def test_a_tie_or_a_measure_the_lines_lack_picks_nothing():
    tied = DEALS.replace("$135K", "$3K").replace("$35K", "$3K")
    assert the_most("biggest", tied) is None
    assert the_most("biggest", TEAM_TASKS) is None


def test_the_oldest_ticket_of_a_list_cut_short_is_not_guessed():
    assert (
        the_most("oldest", TICKETS + "\nShowing 3 of 12; name a status, a priority or a customer to narrow it down.")
        is None
    )


@pytest.mark.parametrize(
    ("said", "answer", "meant"),
    [
        ("the sarah johnson one - push it to friday", TASKS, "push the Call Sarah Johnson task to friday"),
        ("give their oldest overdue one to john", TEAM_TASKS, "give the Follow up #16 task to john"),
        ("the oldest one - summarize it", TICKETS, "ticket 1009 - summarize it"),
        (
            "the brightfield one closes today - push it 2 weeks",
            DEALS,
            "push Brightfield Partners - Expansion 108 2 weeks",
        ),
        ("move the biggest one to negotiation", DEALS, "move Falconpath Co - Renewal 57 to negotiation"),
        ("the top one - what company", LEADS, "Yara Varga - what company"),
    ],
)
def test_a_pointer_into_the_list_names_its_record(said, answer, meant):
    assert line_pointed(said, answer) == meant


@pytest.mark.parametrize(
    "said",
    [
        "the rosa fischer lead should be john's now, pls move it",
        "give the rosa fischer lead to john",
        "reassign the rosa fischer lead to john",
    ],
)
def test_a_lead_is_handed_on(said):
    handed = handoff(said)
    assert handed is not None and (handed.kind, handed.to) == ("lead", "john")


@pytest.mark.parametrize(
    ("said", "reads"),
    [
        ("close date on novaline expansion 188", True),
        ("email for jane doe", True),
        ("priority on 1042 to urgent", False),
        ("close date on the acme deal 2027-05-01", False),
        ("amount on acme 50k", False),
    ],
)
def test_a_field_of_a_record_said_alone_reads_it(said, reads):
    assert is_question(said) is reads


def test_a_ticket_put_on_someone_is_handed_to_them():
    handed = handoff("put the prismpoint sso ticket on me")
    assert handed is not None and (handed.kind, handed.words, handed.to) == (
        "ticket",
        "the prismpoint sso ticket",
        "me",
    )
    assert handoff("put the deal on hold") is None


@pytest.mark.parametrize(
    "said", ["anything sitting with nobody on it?", "whats unassigned rn", "tickets with no one on them"]
)
def test_a_queue_nobody_holds_is_the_unassigned_tickets(said):
    assert UNASSIGNED.search(said)


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("the emberpoint csv export one, make it urgent", "make the emberpoint csv export one urgent"),
        ("prismpoint sso ticket - put it on me", "put prismpoint sso ticket on me"),
        ("called sarah, move it to proposal", "called sarah, move it to proposal"),
    ],
)
def test_a_record_described_before_what_is_done_to_it_is_that_verbs_object(said, meant):
    assert object_first(said) == meant


def test_a_record_moved_over_to_someone_is_handed_to_them():
    handed = handoff("move mike's follow up task over to john")
    assert handed is not None and (handed.kind, handed.owner, handed.to) == ("task", "mike", "john")
    assert handoff("move the acme deal to proposal") is None


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("push the one closing first to dec 15", "push Silverline Systems - Pilot 184 to dec 15"),
        ("move the biggest to proposal", "move Falconpath Co - Renewal 57 to proposal"),
        ("biggest one -> negotiation", "Falconpath Co - Renewal 57 -> negotiation"),
    ],
)
def test_the_most_of_a_list_is_pointed_at_without_the_word_one(said, meant):
    assert line_pointed(said, DEALS) == meant


def test_open_said_of_the_records_asked_for_is_no_command():
    assert is_question("emma's biggest open deal")
    assert not is_question("open a ticket for acme")


def test_a_turn_that_asked_which_one_of_several_leaves_no_focus():
    history = [
        Message("user", "give the invoice one to noah"),
        Message("assistant", None, tool_calls=[ToolCall("c1", "get_ticket", '{"number": 1040}')]),
        Message("tool", '{"refs": [{"type": "ticket", "id": "t1040", "name": "Invoice"}]}', tool_call_id="c1"),
        Message("assistant", "Which one did you mean?\n1. #1034 Invoice\n2. #1040 Invoice"),
    ]
    assert focus_of(history).records == []


def test_a_tie_for_the_most_is_every_tied_line():
    tied = DEALS.replace("$135K", "$35K")
    assert [line.name for line in most_of("biggest", tied)] == [
        "Falconpath Co - Renewal 57",
        "Brightfield Partners - Expansion 108",
    ]
