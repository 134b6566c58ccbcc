"""The offline model's write guard (assistant/offline/guard.py): every record a proposed write names is tied to what the
user said this turn, to the conversation's focus or to the user's pick, else the candidates are asked back.

One test per class of wrong-record write the guard catches, built from the tool results a plan sees (the shapes
search_crm, get_deal, find_tasks and my_tasks return); each also shows the right record still going through."""

from __future__ import annotations

from typing import Any

from assistant.offline.guard import Ledger, misread, unsure


def _hit(id: str, name: str, kind: str = "deal", *, exact: bool = False, mine: bool = False, detail: str = "") -> dict:
    return {"id": id, "type": kind, "name": name, "detail": detail, "score": 80, "exact": exact, "mine": mine}


def _ledger(text: str, *steps: tuple[str, dict[str, Any], dict[str, Any]]) -> Ledger:
    ledger = Ledger()
    for tool, arguments, result in steps:
        ledger.step(tool, arguments, result, text)
    return ledger


def _search(*hits: dict) -> tuple[str, dict[str, Any], dict[str, Any]]:
    return ("search_crm", {"query": "x"}, {"ok": True, "data": list(hits)})


def _names(candidates: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in candidates]


def test_a_misspelt_name_matched_to_another_record_is_asked_back_with_the_one_it_spells():
    text = "move the initech renewl deal to proposal"
    ledger = _ledger(text, _search(_hit("d1", "Initech - Expansion 12"), _hit("d2", "Initech - Renewal 40")))
    asked = unsure([("move_deal_stage", {"deal_id": "d1", "stage": "proposal"})], ledger, text)
    assert _names(asked) == ["Initech - Renewal 40", "Initech - Expansion 12"]
    assert unsure([("move_deal_stage", {"deal_id": "d2", "stage": "proposal"})], ledger, text) == []


def test_a_near_tie_is_asked_unless_the_caller_owns_one_and_not_the_other():
    text = "change the amount on the orbitpath platform deal to 1k"
    hits = (_hit("d1", "Orbitpath Holdings - Platform 151"), _hit("d2", "Orbitpath Holdings - Platform 61"))
    write = [("update_deal", {"deal_id": "d1", "changes": {"amount": 1000}})]
    assert _names(unsure(write, _ledger(text, _search(*hits)), text)) == [
        "Orbitpath Holdings - Platform 61",
        "Orbitpath Holdings - Platform 151",
    ]
    mine = (_hit("d1", "Orbitpath Holdings - Platform 151", mine=True), hits[1])
    assert unsure(write, _ledger(text, _search(*mine)), text) == []
    said_whole = "change the amount on orbitpath platform 151 to 1k"
    assert unsure(write, _ledger(said_whole, _search(*hits)), said_whole) == []


def test_a_record_no_word_of_the_turn_points_to_is_asked_unless_it_is_the_focus():
    text = "log a call with her, 10 min"
    ledger = _ledger(text, _search(_hit("c1", "Lisa Chen", "contact")))
    write = [("log_call", {"contact_id": "c1", "duration_minutes": 10})]
    assert _names(unsure(write, ledger, text)) == ["Lisa Chen"]
    assert unsure(write, ledger, text, focus=[{"type": "contact", "id": "c1", "name": "Lisa Chen"}]) == []
    created = [{"type": "contact", "id": None, "name": "Lisa Chen"}]  # the contact the last turn created
    assert unsure(write, ledger, text, focus=created) == []


def test_a_person_reached_through_the_focused_deal_goes_through_and_another_does_not():
    text = "log a call with him"
    view = ("get_deal", {"deal_id": "d1"}, {"ok": True, "data": {"id": "d1", "primary_contact_id": "c1"}})
    ledger = _ledger(text, view)
    focus = [{"type": "deal", "id": "d1", "name": "Acme Corp - Enterprise Plan"}]
    assert unsure([("log_call", {"contact_id": "c1"})], ledger, text, focus=focus) == []
    assert unsure([("log_call", {"contact_id": "c9"})], ledger, text, focus=focus) != []


def test_a_ticket_is_changed_by_the_number_said_or_in_focus_only():
    write = [("update_ticket", {"number": 1047, "changes": {"status": "resolved"}})]
    assert unsure(write, Ledger(), "customer confirmed the fix on 1047, resolve it") == []
    assert unsure(write, Ledger(), "resolve it") != []
    assert unsure(write, Ledger(), "resolve it", focus=[{"type": "ticket", "id": "t1", "number": 1047}]) == []


def test_a_ticket_on_the_line_an_ordinal_points_at_is_the_users_choice():
    shown = ["#1002 Calendar sync fails for Finance (open, high)", "#1003 Calendar sync fails for Sales (open, high)"]
    second = [("assign_ticket", {"number": 1003, "assignee": "sam"})]
    assert unsure(second, Ledger(), "give the second one to sam", shown=shown) == []
    assert unsure(second, Ledger(), "give the first one to sam", shown=shown) != []


def test_a_task_found_by_the_words_typed_goes_through_and_one_found_by_other_words_does_not():
    text = "done with the lisa chen specs task, close it out"
    found = ("find_tasks", {"description": "lisa chen specs"}, {"ok": True, "data": [{"id": "t1", "status": "todo"}]})
    assert unsure([("update_task", {"task_id": "t1", "status": "done"})], _ledger(text, found), text) == []
    other = ("find_tasks", {"description": "renewal deck"}, {"ok": True, "data": [{"id": "t1", "status": "todo"}]})
    assert unsure([("update_task", {"task_id": "t1", "status": "done"})], _ledger(text, other), text) != []
    listed = (
        "my_tasks",
        {},
        {"ok": True, "data": {"tasks": [{"id": "t2", "title": "Send technical specs to Lisa Chen"}]}},
    )
    assert unsure([("update_task", {"task_id": "t2", "status": "done"})], _ledger(text, listed), text) == []


def test_a_pick_from_our_list_and_the_one_line_shown_are_the_users_choice():
    text = "move the granitewave deal to negotiation"
    hits = (_hit("d1", "Granitewave Systems - Expansion 18"), _hit("d2", "Granitewave Systems - Expansion 88"))
    write = [("move_deal_stage", {"deal_id": "d1", "stage": "negotiation"})]
    assert unsure(write, _ledger(text, _search(*hits)), text) != []
    picked = "Granitewave Systems - Expansion 18 (deal, qualification, $40K)"
    assert unsure(write, _ledger(text, _search(*hits)), text, picked=picked) == []
    listed = ("my_tasks", {}, {"ok": True, "data": {"tasks": [{"id": "t1", "title": "Follow up #23"}]}})
    task = [("update_task", {"task_id": "t1", "status": "done"})]
    assert unsure(task, _ledger("mark it done", listed), "mark it done", shown=["Follow up #23 (due 2026-06-03)"]) == []
    two = ["Follow up #23 (due 2026-06-03)", "Follow up #24 (due 2026-06-04)"]
    assert unsure(task, _ledger("mark it done", listed), "mark it done", shown=two) != []
    assert unsure(task, _ledger("the first one", listed), "the first one", shown=two) == []


def test_a_correction_names_the_record_anew_and_a_ruled_out_word_does_not_count():
    said = "no sorry i meant the prismlogic upgrade, not the renewal"
    text = f"prismlogic upgrade. change the amount on the prismlogic renewal to 15k {said}"
    hits = (_hit("d1", "Prismlogic Inc - Renewal 67"), _hit("d2", "Prismlogic Inc - Upgrade 40"))
    ledger = _ledger(text, _search(*hits))
    assert unsure([("update_deal", {"deal_id": "d2"})], ledger, text, latest=said) == []
    assert unsure([("update_deal", {"deal_id": "d1"})], ledger, text, latest=said) != []


def test_an_email_typed_ties_the_person_it_belongs_to():
    text = "log a call with dana@brightwave.io"
    ledger = _ledger(text, _search(_hit("l1", "Dana Whitfield", "lead", detail="CTO, dana@brightwave.io")))
    assert unsure([("log_call", {"lead_id": "l1"})], ledger, text) == []


def test_a_new_records_text_that_asks_to_change_another_record_is_a_misread_act():
    # the wrong-record writes of earlier rounds: a task, a call, a ticket or a note created from a change request
    assert misread("create_task", {"title": "Finished the follow up with ava ito this morning, tick it off"})
    assert misread("log_call", {"notes": "+1 650 555 0199, can you update her record"})
    assert misread("log_call", {"notes": "budget is 60k signed off by cfo, want live by sept, put that on her lead"})
    assert misread("create_ticket", {"subject": "Put it on me"})
    assert misread("add_note", {"body": "get him in as a contact under acme corp"})
    # what happened, or how the new record should be, is its text
    assert not misread("create_ticket", {"subject": "SSO login fails, make it urgent"})
    assert not misread("log_call", {"notes": "left a msg about the demo slot. can you log that call"})
    assert not misread("create_task", {"title": "Chase tom smith on the PO"})
    assert not misread("update_ticket", {"number": 1047, "changes": {"status": "resolved"}})
