"""Round-7 phrasings the offline model reads by rule, no database: asides dropped, a field asked in a first clause,
several contact fields changed in one message, the person a task goes to, "yesterday", contractions that are never a
name, a quoted deal name, a bulk hand-off of tickets; a recap of this conversation asked, not of a call; a short phrase naming records is a read, and "it" or "the first
one" hands on what was just listed. Dates resolve against Wednesday 10 June 2026, 09:00 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assistant.offline.dialogue import asks_recap, field_request, is_question, possessor
from assistant.offline.english import plain_words
from assistant.offline.handoff import Handoff, handoff, pointed
from assistant.offline.nlu import FILLERS
from assistant.offline.slots import STOPWORDS, find_date, name_runs

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("he's CTO btw, and came from a referral", "he's CTO, and came from a referral"),
        ("which of my deals r supposed to close", "which of my deals are supposed to close"),
        ("update it tmrw", "update it tomorrow"),
        ("R&D budget", "R&D budget"),
    ],
)
def test_asides_are_dropped_and_shorthand_spelt_out(text, plain):
    assert plain_words(text) == plain


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("tom smith's number pls, need to call him right now", "phone"),
        ("tom smith's number, change it to 415 555 0199", None),
        ("sarah's email pls", "email"),
    ],
)
def test_a_field_asked_in_the_first_clause_is_a_read(text, field):
    assert field_request(text) == field


def test_several_contact_fields_change_in_one_message():
    slots = FILLERS["update_contact"](
        "tom smith got promoted - title is VP Procurement now, and his new mobile is 415 555 0122", NOW
    )
    assert slots["changes"] == {"title": "VP Procurement", "mobile": "415 555 0122"}
    assert slots["name"] == "tom smith"
    one = FILLERS["update_contact"]("set Tara Ueda's phone to +1 212 555 0199", NOW)
    assert (one["field"], one["value"], one["name"], "changes" in one) == (
        "phone",
        "+1 212 555 0199",
        "Tara Ueda",
        False,
    )


def test_a_task_names_the_person_it_goes_to_and_follows_a_dash():
    assert FILLERS["create_task"]("create a task to send sarah connor the SOW, due friday", NOW)["name"] == (
        "sarah connor"
    )
    given = FILLERS["create_task"]("give mike a task - send lisa chen the security whitepaper by fri", NOW)
    assert given["title"] == "Send lisa chen the security whitepaper" and given["due_date"] == date(2026, 6, 12)


def test_yesterday_is_a_date_and_not_a_name():
    assert find_date("we met yesterday", NOW.date()).value == date(2026, 6, 9)  # type: ignore[union-attr]
    meeting = FILLERS["schedule_meeting"]("log a meeting with farid hansen yesterday 2pm, did the demo", NOW)
    assert meeting["start"] == datetime(2026, 6, 9, 14, 0, tzinfo=UTC) and meeting["name"] == "farid hansen"


@pytest.mark.parametrize("text", ["what've i got in negotiation", "they'd said so", "shouldn't matter"])
def test_a_contraction_is_never_a_name(text):
    assert not [run.value for run in name_runs(text) if "'" in run.value]


def test_a_quoted_deal_name_is_kept_as_typed():
    slots = FILLERS["create_deal"](
        "create a deal for lumenbridge partners 43 - call it 'Lumenbridge Partners - Analytics Add-on', 18k", NOW
    )
    assert slots["deal_name"] == "Lumenbridge Partners - Analytics Add-on"


def test_a_call_with_him_is_the_person_in_focus_not_a_word_of_the_notes():
    assert "name" not in FILLERS["log_call"]("also log that i called him today, 10 min, intro", NOW)


def test_only_tickets_are_handed_on_in_bulk():
    handed = handoff("assign all the globex calendar sync tickets to me")
    assert handed is not None and (handed.kind, handed.bulk, handed.to) == ("ticket", True, "me")
    assert handoff("give all of emma's deals to carlos") is None
    single = handoff("give carlos's overdue chloe petrov follow up to emma")
    assert single is not None and (single.kind, single.owner, single.bulk) == ("task", "carlos", False)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("give emma a task: call yara quist about the renewal", "task"),
        ("log a note on her: prefers email over calls", "note"),
        ("pls add a quick note to globex: renewal slips to Q3", "note"),
        ("what's on my task list", None),
    ],
)
def test_a_creation_names_the_record_it_makes(text, kind):
    from assistant.offline.plan.route import NEW_RECORD

    made = NEW_RECORD.match(text)
    assert (made[1].lower() if made else None) == kind


def test_a_probability_is_read_from_its_short_form():
    assert FILLERS["update_deal"]("falconpath co - renewal 57 prob should be 60% not 50", NOW)["probability"] == 60


def test_quoted_text_is_kept_not_asked_and_e_signatures_are_out_of_scope():
    from assistant.offline.dialogue import out_of_scope

    assert out_of_scope('add a note to globex: "delete every deal mike owns" - their IT guy emailed that') is None
    assert out_of_scope("delete every deal mike owns") == "delete records"
    assert out_of_scope("send the globex folks a docusign for the contract") == "send documents for e-signature"


@pytest.mark.parametrize(
    ("text", "insight"),
    [
        ("lead score reasons for rosa tanaka?", "explain_score"),
        ("summarise my pipeline for my 1:1 with priya", None),
        ("summarize ticket 1047", "summarize"),
    ],
)
def test_the_insight_a_request_asks_for(text, insight):
    from assistant.offline.plan.route import INSIGHTS

    assert next((name for pattern, name in INSIGHTS if pattern.search(text)), None) == insight


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("make my call sarah johnson task urgent", ("call sarah johnson", "urgent")),
        ("set emma's renewal prep task to high priority", ("emma's renewal prep", "high")),
        ("make a task to call sarah, urgent", None),
        ("set priority high on follow up #8 and move it to aug 19", ("follow up #8", "high")),
    ],
)
def test_a_tasks_priority_change_names_the_task(text, said):
    from assistant.offline.plan.route import task_priority

    found = task_priority(text)
    assert found[:2] == said if said else found is None


def test_a_task_said_after_a_dash_keeps_what_to_do():
    slots = FILLERS["create_task"]("remind me friday to review the acme deal with john - make it a task for me", NOW)
    assert slots["title"] == "Review the acme deal with john" and slots["due_date"] == date(2026, 6, 12)
    named = FILLERS["create_task"]("create a task: call Globex - Platform Upgrade contact by friday", NOW)
    assert named["title"] == "Call Globex - Platform Upgrade contact"


@pytest.mark.parametrize(
    ("text", "overall"),
    [("status of the northline pilot?", True), ("what stage is the northline pilot in", False)],
)
def test_a_deals_status_is_where_it_stands(text, overall):
    from assistant.offline.plan.lookups import STATUS_OF

    assert bool(STATUS_OF.search(text)) is overall


@pytest.mark.parametrize(
    ("text", "staff"),
    [
        ("Enterprise customer needs a single export of ~400k rows. What's our internal way to get it done?", True),
        ("a customer says someone logged into their account, what's our procedure?", True),
        ("our users keep asking for dark mode", True),
        # whether something needs doing, or a deadline holds
        ("card is active but velocity_blocked is true. does it clear by itself or do I have to do something?", True),
        ("A debit card dispute filed 12 days ago still shows OPEN. Are we within the timeline?", True),
        ("what's the status of ticket 1047?", False),
        ("move the acme deal to proposal", False),
    ],
)
def test_a_customers_situation_told_with_an_adjective_is_a_staff_question(text, staff):
    from assistant.offline.dialogue import is_staff_question

    assert is_staff_question(text) is staff


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Customer wants their new debit PIN to be 1234 because it's easy. Can I set that?", None),
        ("customer says her pin is 4321 and it keeps failing", None),
        ("pin 1042 to sam", 1042),
        ("make 1001 urgent", 1001),
    ],
)
def test_a_number_said_as_a_pin_names_no_ticket(text, number):
    from assistant.offline.slots import BARE_TICKET

    found = BARE_TICKET.search(text)
    assert (int(found[1]) if found else None) == number


@pytest.mark.parametrize(
    ("text", "recap"),
    [
        ("summarize this thread", True),
        ("can you give me a quick recap of our conversation", True),
        ("tl;dr this chat pls", True),
        ("what have we covered so far?", True),
        ("what did we discuss with acme on the last call?", False),
        ("summarize the SSO thread", False),  # a thread of the shared inbox
        ("summarize the acme account", False),
    ],
)
def test_a_recap_is_of_this_conversation_not_of_a_call_or_an_inbox_thread(text, recap):
    assert asks_recap(text) is recap


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("emma's biggest deal", True),
        ("carlos past-due deals", True),
        ("recent calls with sarah johnson", True),
        ("team tasks due this week", True),
        ("acme deal 60k", False),  # a change said short
        ("new lead: dana whitfield, cto at brightwave", False),
        ("lunch with tom tomorrow at noon", False),
        ("log a call with sarah, she wants 50 seats", False),
    ],
)
def test_a_short_phrase_naming_records_is_a_read(text, read):
    assert is_question(text) is read


def test_a_teammate_s_things_are_found_after_another_word_ending_in_s():
    assert possessor("whats mikes pipeline", STOPWORDS) == "mikes"  # "whats" tried first, then "mikes"
    assert possessor("emma's biggest deal", STOPWORDS) == "emma"
    assert possessor("what stage is john's acme deal in", STOPWORDS) is None  # one deal's stage: a record's
    assert possessor("how's my team's pipeline", STOPWORDS) is None  # no one's: the "s" of "how's" is no name


def test_it_or_the_nth_one_hands_on_the_one_kind_the_conversation_showed():
    assert [pointed(w) for w in ("it", "that one", "the first one", "the 2nd", "the ops one")] == [0, 0, 1, 2, None]
    assert handoff("give it to emma", {"task"}) == Handoff("task", "it", "emma", None)
    assert handoff("give the first one to sam", {"ticket"}) == Handoff("ticket", "the first one", "sam", None)
    assert handoff("give it to emma", {"task", "deal"}) is None  # two kinds shown: which one is not said
