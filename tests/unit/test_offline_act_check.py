"""The act check beside the write guard (assistant/offline/act_check.py): a proposed creation is what the words ask
for. One test per class of wrong-act write seen in the dev sets (a ticket opened where one was to be closed or
resolved, a call logged where the lead was to be qualified, a ticket opened where one was handed on, a task made but
not given to the teammate named), each with the creation the words do ask for going through."""

from __future__ import annotations

from assistant.offline.act_check import asked_change
from assistant.offline.acts import asks_creation
from assistant.offline.handoff import handed_to


def test_closing_or_resolving_a_ticket_is_no_new_ticket():
    closed = asked_change("create_ticket", {"subject": "x"}, "2044 works again per the customer. go ahead and close it")
    assert closed is not None and closed.intent == "update_ticket"
    resolved = asked_change("create_ticket", {"subject": "x"}, "refund went out for 1062, please mark it as resolved")
    assert resolved is not None and resolved.intent == "update_ticket"
    assert (
        asked_change("create_ticket", {"subject": "x"}, "new ticket: customer cannot close the export dialog") is None
    )


def test_qualifying_a_lead_is_no_call_or_note():
    qualified = asked_change("log_call", {"notes": "x"}, "spoke with dana, budget is there and she signs. qualify her")
    assert qualified is not None and qualified.intent == "update_lead_status"
    marked = asked_change("add_note", {"body": "x"}, "mark him as qualified, they want to start in march")
    assert marked is not None and marked.intent == "update_lead_status"
    assert asked_change("log_call", {"notes": "x"}, "log a call with dana: budget approved, qualify her") is None


def test_winning_a_deal_is_no_note():
    won = asked_change("add_note", {"body": "x"}, "signed contract came in this morning, mark the deal closed won")
    assert won is not None and won.intent == "move_deal_stage"


def test_handing_a_ticket_on_is_no_new_ticket_and_names_the_teammate():
    passed = asked_change("create_ticket", {"subject": "x"}, "this is really a billing question, hand it over to priya")
    assert passed is not None and passed.intent == "assign_ticket" and passed.slots == {"assignee": "priya"}
    assert handed_to("webhooks down again on 1036, loop in noah") == "noah"
    assert handed_to("give it to him") is None
    assert asked_change("create_ticket", {"subject": "x"}, "file a ticket for sarah and assign it to noah") is None


def test_a_task_the_words_give_a_teammate_is_proposed_with_that_assignee():
    given = asked_change("create_task", {"title": "x"}, "ping emma, make a task for her to send the renewal quote")
    assert given is not None and given.intent == "create_task" and given.slots == {"assignee": "emma"}
    said = asked_change("create_task", {"title": "x"}, "add a task for carlos to review the msa by friday")
    assert said is not None and said.slots == {"assignee": "carlos"}
    assert asked_change("create_task", {"title": "x", "assignee": "emma"}, "ping emma, a task for her to call") is None
    assert asked_change("create_task", {"title": "x"}, "a task for tomorrow to call sarah") is None


def test_changes_are_checked_only_against_creations():
    assert asked_change("update_ticket", {"number": 1}, "close it out") is None
    assert asks_creation("log_call", "log the call with vera") and not asks_creation("log_call", "qualify vera")


def test_holding_off_a_proposal_is_no_new_request_but_a_correction_is():
    from assistant.offline.dialogue import smalltalk

    assert smalltalk("wait, hold off on that") == "held"
    assert smalltalk("no wait, the customer hasn't signed yet") == "held"
    assert smalltalk("no wait, thursday") is None  # a new day: the correction is planned
    assert smalltalk("hold on, make it 40k") is None


def test_a_window_back_from_today():
    from datetime import date

    from assistant.offline.slots import find_window

    wednesday = date(2026, 9, 16)
    assert find_window("calls over the past 10 days", wednesday) == (date(2026, 9, 6), wednesday)
    assert find_window("anything since monday?", wednesday) == (date(2026, 9, 14), wednesday)
    assert find_window("since the start of the month", wednesday) == (date(2026, 9, 1), wednesday)
    assert find_window("closing in the next 10 days", wednesday) is None


def test_escalating_to_a_teammate_hands_the_ticket_on_but_to_a_priority_does_not():
    assert handed_to("1034 is getting ugly, escalate it to noah") == "noah"
    assert handed_to("escalate it to urgent") is None


def test_a_record_set_to_a_value_is_the_change_that_value_reads_as():
    from assistant.offline.acts import named_change

    assert named_change("signed this morning, mark it closed won") == ("move_deal_stage", "mark it closed won")
    assert named_change("customer confirmed, mark it resolved") == ("update_ticket", "mark it resolved")
    assert named_change("mark ticket 1042 as reopened")[0] == "update_ticket"  # type: ignore[index]
    assert named_change("she's a good fit, mark her as qualified")[0] == "update_lead_status"  # type: ignore[index]
    assert named_change("set it to open") is None and named_change("mark it for later") is None


def test_a_creation_is_asked_by_a_making_word_before_its_record_or_by_naming_a_note_or_task():
    assert asks_creation("create_contact", "add him as a new contact, then qualify him")
    assert asks_creation("log_call", "log a quick call with vera") and asks_creation("add_note", "note she has budget")
    assert not asks_creation("create_ticket", "the ticket from acme - close it out")
    assert not asks_creation("update_ticket", "file a ticket")


def test_a_ticket_handed_on_names_the_person_or_the_caller():
    assert handed_to("escalate 1034 to noah, it's an sso thing") == "noah"
    assert handed_to("bump it to urgent and put it on me") == "me"
    assert handed_to("put it on hold") is None and handed_to("send it to p1") is None
