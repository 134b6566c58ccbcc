"""Round 13's readers (no database): a question about what already passed with a record, a ticket picked by words of
the list we showed, a change said with no object."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dateutil.relativedelta import relativedelta

from assistant.offline.amend import restyles, retarget
from assistant.offline.dialogue import asks_history
from assistant.offline.listed import line_pointed
from assistant.offline.nlu import FILLERS
from assistant.offline.replies import object_implied
from assistant.offline.slots import find_shift


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("recent calls with sarah johnson", "call"),
        ("has anyone logged a call with sarah johnson?", "call"),
        ("what was said on the last call w sarah johnson", "call"),
        ("did i have any meetings w sarah johnson recently? when was the last one", "meeting"),
        ("any notes on acme corp? what did tom want", "note"),
        ("did i talk to sarah johnson recently? what came out of it", "any"),
        ("what got logged on the acme corp account?", "any"),
        ("log a call with sarah johnson, she wants pricing", None),  # a write
        ("show me sarah johnson", None),
        ("what's the last deal we won?", None),  # no call, meeting, note or email
        ("schedule a meeting with lisa chen next week", None),
    ],
)
def test_asks_history(text, kind):
    assert asks_history(text) == kind


NOW = datetime(2027, 3, 15, 15, 40, tzinfo=UTC)
TICKETS = (
    "Your open tickets (3):\n\n- #1059 Export to CSV times out (open, urgent, from Hiro Ito)\n"
    "- #1008 Cannot log in after password reset (open, urgent, from Bruno Hansen)\n"
    "- #1032 Cannot log in after password reset (pending, urgent, from Pablo Ito)"
)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("the export one - lower it to high", "ticket 1059 - lower it to high"),
        ("set the csv one to high", "set ticket 1059 to high"),
        ("summarize the pending one", "summarize ticket 1032"),
        # no line says "login" as written: a ticket those words describe, never a pick of one of the two "log in" lines
        ("the login one - make it high", "the login ticket - make it high"),
        ("the second one - make it high", "the second one - make it high"),  # a position, read elsewhere
        ("the other one", "the other one"),
    ],
)
def test_line_pointed(text, meant):
    assert line_pointed(text, TICKETS) == meant


def test_line_pointed_needs_a_list_of_tickets():
    assert line_pointed("the export one - make it high", "**Ticket #1059** Export to CSV times out") == (
        "the export one - make it high"
    )


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("set to pending, waiting on logs", "set it to pending, waiting on logs"),
        ("ok move to negotiation", "ok move it to negotiation"),
        ("set it to pending", "set it to pending"),
        ("set the acme deal to proposal", "set the acme deal to proposal"),
        ("move on to the next one", "move on to the next one"),
    ],
)
def test_object_implied(text, meant):
    assert object_implied(text) == meant


@pytest.mark.parametrize(
    ("text", "shift"),
    [
        ("push it a week", relativedelta(weeks=1)),
        ("push the close date out two weeks", relativedelta(weeks=2)),
        ("slip the globex deal by 10 days", relativedelta(days=10)),
        ("push the globex deal out a month", relativedelta(months=1)),
        ("delay it a couple of weeks", relativedelta(weeks=2)),
        ("push it to next friday", None),  # a date, read by the date reader
        ("we moved 3 weeks ago", None),
        ("moving forward, two weeks from now", None),
    ],
)
def test_find_shift(text, shift):
    found = find_shift(text)
    assert (found.value if found else None) == shift


@pytest.mark.parametrize(
    ("text", "restyled"),
    [
        ("more formal pls", True),
        ("a bit shorter", True),
        ("shorter", True),
        ("less salesy please", True),
        ("more leads please", True),  # only after a draft is this read at all
        ("send it", False),
        ("more formal and add the pricing", False),
    ],
)
def test_restyles(text, restyled):
    assert restyles(text) is restyled


DEALS = (
    "Your open deals named Northpath:\n\n- Northpath LLC - Platform 121: prospecting, $120K, 276 days in stage\n"
    "- Northpath LLC - Platform 66: negotiation, $80K, 33 days in stage"
)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("the 120k one - close date may 31", "Northpath LLC - Platform 121 - close date may 31"),
        ("the one in negotiation - we won it", "Northpath LLC - Platform 66 - we won it"),
        ("the platform one - we won it", "the platform one - we won it"),  # both lines say platform
    ],
)
def test_line_pointed_picks_a_deal_of_the_list(text, meant):
    assert line_pointed(text, DEALS) == meant


def test_line_pointed_reads_the_requester_of_a_ticket_line():
    assert line_pointed("the one from hiro ito - set it to high", TICKETS) == "ticket 1059 - set it to high"


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        (
            "dev ueda at cedarforge is Head of Procurement now",
            {"field": "title", "value": "Head of Procurement", "name": "dev ueda"},
        ),
        (
            "tara ueda at crestlogic is the CFO now, update her title",
            {"field": "title", "value": "CFO", "name": "tara ueda"},
        ),
        (
            "bruno okafor @ ironpath - new title Head of Procurement",
            {"field": "title", "value": "Head of Procurement", "name": "bruno okafor"},
        ),
        ("acme is Customer now", {}),  # no title word: no person's title
    ],
)
def test_a_persons_new_title_said_without_a_verb(text, slots):
    assert FILLERS["update_contact"](text, NOW) == slots


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("not that one, the globex deal", ("globex", "deal")),
        ("no, the northpath one", ("northpath one", None)),
        ("not that one, 1054", None),  # a number: the ticket's, read as the value it changes
        ("thanks", None),
    ],
)
def test_retarget(text, target):
    assert retarget(text) == target
