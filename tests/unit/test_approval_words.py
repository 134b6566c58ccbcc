"""Only an unambiguous yes approves a pending write; only an unambiguous no rejects it; anything else decides nothing."""

from __future__ import annotations

import pytest

from assistant.approval_words import verdict

YES = [
    "yes",
    "Yes.",
    "y",
    "yep",
    "yeah!",
    "sure",
    "ok",
    "OK",
    "okay",
    "approve",
    "approved",
    "confirm",
    "go ahead",
    "do it",
    "please do",
    "yes please",
    "yes, please!",
    "ok go ahead",
    "yes, do it",
    "sure, thanks",
    "thank you, yes",
    "sounds good",
    "lgtm",
    "  YES  ",
    "go for it!",
    "yes thanks",
    "👍",
    "yes yes",
    "Approved, thank you.",
]
NO = [
    "no",
    "No.",
    "n",
    "nope",
    "nah",
    "cancel",
    "cancel that",
    "reject",
    "stop",
    "abort",
    "don't",
    "do not",
    "don't do it",
    "don’t do that",
    "no thanks",
    "no, cancel it",
    "never mind",
    "forget it",
    "no way",
    "nope, thanks",
    "no, leave it",
]
UNDECIDED = [
    "ok wait, don't do that yet",
    "ok wait",
    "wait",
    "hold on",
    "not yet",
    "yes, not yet",
    "actually no wait",
    "yes?",
    "ok?",
    "should I say yes?",
    "yes but make it 40k",
    "sure, and also add a note",
    "ok, but change the amount",
    "yes no",
    "no yes",
    "okay actually hold on",
    "hmm",
    "maybe",
    "yes, after lunch",
    "do it tomorrow",
    "no, but change the amount to 40k",
    "ok let me think",
    "",
    "   ",
    "yes " * 40,
    "don't do it yet",
    "sure thing, but wait",
    "yes wait",
    "what does it change?",
    "ok, hold on a second",
    "yes and send the email too",
    "i don't know",
    "why not",
    "not now",
]


@pytest.mark.parametrize("text", YES)
def test_an_unambiguous_yes_approves(text):
    assert verdict(text) is True


@pytest.mark.parametrize("text", NO)
def test_an_unambiguous_no_rejects(text):
    assert verdict(text) is False


@pytest.mark.parametrize("text", UNDECIDED)
def test_a_hesitation_a_question_a_mix_or_more_content_decides_nothing(text):
    assert verdict(text) is None


def test_the_table_covers_enough_phrasings():
    assert len(YES) + len(NO) + len(UNDECIDED) >= 40
