"""The words of a question that name something (checked against what the knowledge base mentions)."""

from __future__ import annotations

import pytest

from store.knowledge.search import _written_as_name, names


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


def test_a_word_is_written_as_a_name_when_sentences_capitalise_it():
    passages = ["Open Settings in Nexa and choose a plan.", "Your data stays in Nexa, and admins see it."]
    assert _written_as_name("nexa", passages)
    assert not _written_as_name("plan", passages)  # lower case inside the sentence
    assert not _written_as_name("open", passages)  # only at a sentence's start
