"""The words of a question that name something (checked against what the knowledge base mentions)."""

from __future__ import annotations

import pytest

from store.knowledge.search import names


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("do you sync invoices with QuickBooks?", ["QuickBooks"]),
        ("can we keep our data hosted in the EU only?", ["EU"]),
        ("can I get a mortgage for a house in Spain?", ["Spain"]),
        ("my calendar sync stopped and shows SYNC-502, what do I do?", ["SYNC-502"]),
        ("Purple account - do you refund ATM operator fees? Is there a limit?", ["ATM"]),  # sentence starts
        ("I lost my phone, I'm locked out", []),
        ("how do I bring my contacts over from a spreadsheet?", []),
    ],
)
def test_names_are_capitalised_inside_a_sentence_in_capitals_or_camel_case(question, named):
    assert names(question) == named
