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
