"""Round 11's readers (issue #14): the owner a hand-off's "his" points to, "n" for "and", a question of what to check
is a how-to."""

from __future__ import annotations

from assistant.offline.dialogue import is_howto
from assistant.offline.english import plain_words
from assistant.offline.handoff import handoff


def test_his_task_in_a_hand_off_is_the_task_of_the_person_named_before():
    handed = handoff("john's going on leave, assign his follow up #15 task to mike")
    assert handed is not None and (handed.kind, handed.words, handed.owner, handed.to) == (
        "task",
        "follow up #15 task",
        "john",
        "mike",
    )
    alone = handoff("assign his follow up #15 task to mike")
    assert alone is not None and alone.owner is None


def test_n_standing_alone_is_and():
    assert plain_words("how many open deals do i have n whats the total $") == (
        "how many open deals do i have and whats the total $"
    )
    assert plain_words("n.kim@acme.test") == "n.kim@acme.test"


def test_asking_what_to_check_about_a_help_topic_is_a_how_to():
    assert is_howto("got a ticket from a customer whose Okta login broke after the SSO change - what do I check?")
    assert not is_howto("what do i check on the acme deal")  # no help topic: a record's question
