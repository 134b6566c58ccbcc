"""Round 12's record rules (issue #14: never write to a record the user did not mean): how long the focus lives, and
which numbers name a ticket."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from assistant.messages import Message, ToolCall
from assistant.offline.dialogue import focus_of
from assistant.offline.nlu import FILLERS

NOW = datetime(2026, 8, 21, 16, tzinfo=UTC)
GLOBEX = {"type": "deal", "id": "d-1", "name": "Globex - Platform Upgrade"}


def _turn(said: str, tool: str, result: dict, answer: str, n: int) -> list[Message]:
    return [
        Message("user", said),
        Message("assistant", None, tool_calls=[ToolCall(f"c{n}", tool, "{}")]),
        Message("tool", json.dumps(result), tool_call_id=f"c{n}", name=tool),
        Message("assistant", answer),
    ]


def _viewed_globex() -> list[Message]:
    return _turn("show me the globex deal", "get_deal", {"ok": True, "data": {}, "refs": [GLOBEX]}, "Globex ...", 1)


def test_a_name_looked_up_and_not_found_ends_the_focus_before_it():
    history = _viewed_globex() + _turn(
        "update the zyxwcorp deal to 40k", "search_crm", {"ok": True, "data": [], "refs": []}, "I couldn't find", 2
    )
    assert focus_of(history).records == []  # "ok move it to negotiation" is about zyxwcorp, not Globex


def test_a_turn_that_looks_nothing_up_keeps_the_focus():
    history = _viewed_globex() + [Message("user", "thanks"), Message("assistant", "You're welcome.")]
    assert [r["id"] for r in focus_of(history).records] == ["d-1"]


def test_a_quantity_is_no_ticket_number_and_a_ticket_number_is_read_as_said():
    fill = FILLERS["update_ticket"]
    assert "ticket_number" not in fill("bump it to urgent, customer down 3 days", NOW)
    assert "ticket_number" not in fill("make it urgent, the $5000 renewal is at risk", NOW)
    assert fill("make 1047 urgent", NOW)["ticket_number"] == 1047
    assert fill("close ticket 1012, down 3 days", NOW)["ticket_number"] == 1012
    assert fill("close #1012", NOW)["ticket_number"] == 1012


def test_a_hit_sharing_no_word_with_what_was_typed_is_far():
    from assistant.offline.linking import far

    johnson = {"name": "Sarah Johnson", "detail": "VP Operations at Acme Corp, sarah.johnson@acme.test"}
    assert far("john", johnson)  # only the letters matched
    assert not far("sara jonson", johnson)  # typos of its own words
    assert not far("johnson at acme", johnson)


def test_the_nouns_of_a_message_tell_a_dropped_name_word_from_a_verb():
    from assistant.offline.english import nouns

    assert {"lisa", "wong"} <= nouns("add a note to lisa wong: wants a demo")
    assert not {"came", "back"} & nouns("acme came back, bump the enterprise plan deal")


def test_an_arrow_between_a_record_and_a_value_is_set_to():
    from assistant.offline.english import plain_words

    assert plain_words("cedarline renewal -> negotiation") == "cedarline renewal to negotiation"
    assert plain_words("close date → nov 20") == "close date to nov 20"


def test_a_field_said_after_a_name_with_its_new_value_is_that_change():
    slots = FILLERS["update_contact"]("rosa rossi title to Head of Procurement", NOW)
    assert (slots["name"], slots["field"], slots["value"]) == ("rosa rossi", "title", "Head of Procurement")
    assert not FILLERS["update_contact"]("move sarah to negotiation", NOW).get("value")


def test_a_closed_deal_is_no_rival_of_an_open_one_and_a_said_amount_ties():
    from assistant.offline.guard import Known, Ledger, unsure

    ledger = Ledger()
    open_, lost = (
        Known("deal", "d-32", "Orbitpath Holdings - Renewal 32", "qualification, $80K, with Kara Zhou"),
        Known("deal", "d-137", "Orbitpath Holdings - Renewal 137", "closed lost, $120K, with Bruno Lopez"),
    )
    ledger.searched = [ledger.add(open_), ledger.add(lost)]
    moved = [("move_deal_stage", {"deal_id": "d-32", "stage": "proposal"})]
    assert unsure(moved, ledger, "orbitpath renewal to proposal") == []
    lost_one = [("add_note", {"related_type": "deal", "related_id": "d-137", "body": "x"})]
    assert unsure(lost_one, ledger, "note on the orbitpath renewal: x") != []  # the closed one is named as such
    assert unsure(lost_one, ledger, "note on the orbitpath renewal, the 120k one: x") == []  # its amount tells it apart


def test_handing_it_on_after_an_acknowledgement_is_a_command_not_thanks():
    from assistant.offline.dialogue import smalltalk

    assert smalltalk("ok give it to sam") is None
    assert smalltalk("ok great, thanks") == "thanks"


def test_sorry_the_other_record_retargets_the_proposal_and_a_value_does_not():
    from assistant.offline.amend import retarget

    assert retarget("sorry, the silverline expansion") == ("silverline expansion", None)
    assert retarget("no, the proposal stage") is None  # a stage: the value is corrected, not the record
    assert retarget("actually the end of the month") is None


def test_a_change_to_it_after_an_accounts_view_is_its_deals():
    from assistant.offline.acts import change_intent

    assert change_intent("bump it to 15k", {"account"}) == "update_deal"
    assert change_intent("move it to proposal", {"account"}) == "move_deal_stage"


def test_a_deal_an_accounts_lookup_lists_is_reached_from_that_account():
    from assistant.offline.guard import Ledger, unsure

    ledger = Ledger()
    ledger.step(
        "search_deals",
        {"account_id": "a-1", "open_only": True},
        {"ok": True, "data": {"deals": [{"id": "d-1", "deal_name": "Solarforge Partners - Upgrade 175"}]}},
        "bump it to 15k",
    )
    write = [("update_deal", {"deal_id": "d-1", "changes": {"amount": 15000}})]
    assert unsure(write, ledger, "bump it to 15k", focus=[{"type": "account", "id": "a-1"}]) == []
    assert unsure(write, ledger, "bump it to 15k", focus=[{"type": "account", "id": "a-2"}]) != []


def test_someones_deal_named_by_its_company_and_kind_is_handed_on_as_a_deal():
    from assistant.offline.handoff import handoff

    handed = handoff("reassign mike's vertexlabs upgrade to john")
    assert handed is not None and (handed.kind, handed.words, handed.owner, handed.to) == (
        "deal",
        "vertexlabs upgrade",
        "mike",
        "john",
    )


def test_update_me_on_a_record_is_a_read():
    from assistant.offline.english import plain_words

    assert plain_words("update me on prismlogic pilot 179") == "tell me about prismlogic pilot 179"


def test_killing_a_deal_is_losing_it_and_what_follows_is_why():
    from assistant.offline.slots import find_reason, find_stage

    said = "kill the summitgate platform deal, they went dark and chose a competitor on price"
    stage, reason = find_stage(said), find_reason(said)
    assert stage is not None and stage.value == "closed_lost"
    assert reason is not None and reason.value == "they went dark and chose a competitor on price"


def test_a_task_handed_on_after_its_owner_is_named_is_that_persons():
    from assistant.offline.handoff import handoff

    handed = handoff("mike's swamped, hand follow up #17 over to john")
    assert handed is not None and (handed.kind, handed.words, handed.owner, handed.to) == (
        "task",
        "follow up #17",
        "mike",
        "john",
    )
    mine = handoff("hand follow up #17 over to john")
    assert mine is not None and mine.owner is None


def test_a_lost_lead_says_so_in_its_search_detail():
    from store.models import Lead
    from store.models.enums import LeadStatus
    from store.services.crm_search import _lead_detail

    lost = Lead(first_name="Bruno", last_name="Quist", company="Atlasgate Group", status=LeadStatus.lost)
    live = Lead(first_name="Bruno", last_name="Quist", company="Pinebridge Systems", status=LeadStatus.new)
    assert (_lead_detail(lost), _lead_detail(live)) == ("lost, Atlasgate Group", "Pinebridge Systems")


def test_a_leads_state_said_now_names_its_status_change():
    from assistant.offline.acts import named_change

    assert named_change("spoke to bruno quist on tuesday so his lead is contacted now") == (
        "update_lead_status",
        "lead is contacted",
    )


def test_a_title_opening_its_own_clause_with_its_value_is_that_change():
    slots = FILLERS["update_contact"]("update vera hansen at ironpath systems, title Lead Engineer", NOW)
    assert (slots["field"], slots["value"]) == ("title", "Lead Engineer")
    assert FILLERS["update_contact"]("whats her title", NOW) == {}
