"""Summaries: pure text rules, extractive selection, and ticket/call/account/conversation summaries on real PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from assistant.writer import writer_for
from store.access import AREA_RIGHTS, Actor, CallerRole
from store.auth import actor_for
from store.clock import utcnow
from store.embeddings import default_embedder
from store.errors import NotFound, PermissionDenied
from store.intelligence.summaries import (
    extractive,
    summarize_account,
    summarize_call,
    summarize_conversation,
    summarize_ticket,
)
from store.intelligence.text import error_codes, intent, questions, sentiment, sentiment_score, split_sentences
from store.models import Ticket, TicketMessage
from store.models.enums import AuthorType, Role
from store.services import DealService, EngagementService, TicketService
from store.services.conversations import ConversationService
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.scripted_models import FailingModel, ScriptedModel, say

KEY_PROBLEM = "Since this morning the contact sync fails with error E-4012 on every run."
QUESTION = "Can you tell me when this will be fixed?"
SECRET = "Root cause is the expired OAuth token on the Orion cluster"


@pytest.fixture(scope="module")
def embedder():
    return default_embedder()


# ---------------------------------------------------------------- pure rules


def test_sentences_split_on_lines_and_punctuation_but_not_abbreviations_or_quotes():
    text = "Hi team,\nThe export fails, e.g. on large files. Any idea?\n> old quoted reply\n- Retried twice!"
    assert split_sentences(text) == [
        "Hi team,",
        "The export fails, e.g. on large files.",
        "Any idea?",
        "Retried twice!",
    ]
    assert questions(text) == ["Any idea?"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is not working and I am very frustrated!", "negative"),
        ("It doesn't work at all.", "negative"),
        ("Thank you so much, it works perfectly now.", "positive"),
        ("How do I export my contacts to a spreadsheet?", "neutral"),
    ],
)
def test_lexicon_sentiment_handles_negation(text, expected):
    assert sentiment(text) == expected


def test_intensifiers_strengthen_and_negated_negatives_soften():
    assert sentiment_score("very frustrated") < sentiment_score("frustrated") < 0
    assert 0 < sentiment_score("not bad") < -sentiment_score("bad")


def test_latest_message_weighs_most():
    assert sentiment(["This is terrible and broken.", "Thanks, great, it works now!"]) == "positive"
    assert sentiment(["Thanks, great!", "It is broken again, this is terrible and unacceptable."]) == "negative"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I was charged twice on my March invoice, please refund one payment.", "billing"),
        ("The dashboard crashes with E-4012 when I open a report.", "bug"),
        ("How do I set up the Gmail integration?", "how_to"),
        ("I cannot log in since my password reset.", "access"),
        ("Please cancel our subscription, we are switching to a competitor.", "cancellation"),
        ("It would be great if you could add a dark mode.", "feature_request"),
        ("Hello there.", "other"),
    ],
)
def test_intent_rules(text, expected):
    assert intent(text) == expected


def test_error_codes_are_found_verbatim():
    assert error_codes("Got E-4012, then ERR_CONN_RESET and HTTP 502; error 403 later.") == [
        "E-4012",
        "ERR_CONN_RESET",
        "HTTP 502",
        "error 403",
    ]


def test_extractive_keeps_the_central_sentences_in_order(embedder):
    sentences = [
        "The invoice total was wrong this month.",
        "My cat likes to sleep on the keyboard.",
        "We were billed twice for the same invoice.",
        "The billing amount on the invoice does not match our contract.",
    ]
    assert extractive(sentences, embedder, k=3) == [sentences[0], sentences[2], sentences[3]]  # the odd one out goes
    assert extractive(sentences[:2], embedder, k=3) == sentences[:2]


# ---------------------------------------------------------------- tickets


async def _thread(s, ticket, *messages: tuple[AuthorType, str, bool]) -> None:
    """Append messages a minute apart, after the first one the service wrote."""
    start = utcnow() + timedelta(minutes=1)
    for i, (author, body, internal) in enumerate(messages):
        s.add(
            TicketMessage(
                ticket_id=ticket.id,
                author_type=author,
                body=body,
                internal=internal,
                created_at=start + timedelta(minutes=i),
            )
        )
    await s.flush()


async def _angry_ticket(s):
    account = await factories.account(s, account_name="Acme Corp")
    contact = await factories.contact(s, first_name="Jane", last_name="Doe", account_id=account.id)
    ticket = await TicketService(s, SYSTEM).create(
        {
            "subject": "Contact sync broken",
            "priority": "high",
            "requester_contact_id": contact.id,
            "description": f"{KEY_PROBLEM} Our sales team cannot see any new contacts in the CRM.",
        }
    )
    await _thread(
        s,
        ticket,
        (AuthorType.agent, "Thanks for reporting this. We are looking into the sync failures now.", False),
        (AuthorType.agent, f"{SECRET}; escalate to engineering.", True),
        (
            AuthorType.customer,
            f"This is still not working and I am very frustrated. We are losing deals because of this broken sync. {QUESTION}",
            False,
        ),
    )
    return ticket


async def _thankful_ticket(s):
    ticket = await TicketService(s, SYSTEM).create(
        {
            "subject": "Question about my invoice",
            "priority": "low",
            "requester_email": "bob@globex.test",
            "description": "I was charged twice on my March invoice. Could you refund the duplicate payment?",
        }
    )
    await _thread(
        s,
        ticket,
        (AuthorType.agent, "We refunded the duplicate charge today; it shows on your card within five days.", False),
        (AuthorType.customer, "Thank you so much, that was quick and really helpful. Great support!", False),
    )
    return ticket


async def test_ticket_summary_names_customer_state_problem_and_open_question(db, embedder):
    async with db.session() as s:
        support = actor_for(await factories.user(s, role=Role.support, name="Sam Support"))
        ticket = await _angry_ticket(s)
    async with db.session() as s:
        summary = await summarize_ticket(s, support, ticket.id, embedder)
    facts = summary.facts
    assert (facts["customer"], facts["account"], facts["status"], facts["priority"]) == (
        "Jane Doe",
        "Acme Corp",
        "open",
        "high",
    )
    assert facts["error_codes"] == ["E-4012"] and facts["open_questions"] == [QUESTION]
    assert facts["last_action"]["what"].startswith("agent reply: Thanks for reporting")
    assert (summary.sentiment, summary.intent, summary.method, summary.stored) == (
        "negative",
        "bug",
        "extractive",
        True,
    )
    assert "Jane Doe (Acme Corp)" in summary.text and "open, high priority" in summary.text
    assert KEY_PROBLEM in summary.text and f"Open question: {QUESTION}" in summary.text
    assert {r["type"] for r in summary.sources} == {"ticket", "contact", "account"}
    assert json.loads(json.dumps(summary.to_dict()))["facts"] == facts


async def test_internal_notes_reach_only_internal_readers_and_never_the_stored_text(db, embedder):
    async with db.session() as s:
        support = actor_for(await factories.user(s, role=Role.support))
        rep = actor_for(await factories.user(s, role=Role.rep))
        ticket = await _angry_ticket(s)
    async with db.session() as s:
        inside = await summarize_ticket(s, support, ticket.id, embedder)
        outside = await summarize_ticket(s, rep, ticket.id, embedder)
        stored = (await s.get(Ticket, ticket.id)).summary
    assert len(inside.facts["internal_notes"]) == 1 and SECRET in inside.facts["internal_notes"][0]
    assert SECRET not in inside.text and SECRET not in stored
    assert "internal_notes" not in outside.facts and SECRET not in json.dumps(outside.to_dict())


async def test_summary_is_stored_on_the_ticket_and_found_by_sentiment(db, embedder):
    async with db.session() as s:
        angry, thankful = await _angry_ticket(s), await _thankful_ticket(s)
    async with db.session() as s:
        happy = await summarize_ticket(s, SYSTEM, thankful.id, embedder)
        await summarize_ticket(s, SYSTEM, angry.id, embedder)
    assert (happy.sentiment, happy.intent) == ("positive", "billing")
    assert happy.facts["customer"] == "bob@globex.test" and happy.facts["open_questions"] == []
    async with db.session() as s:
        row = await s.get(Ticket, angry.id)
        assert (row.sentiment, row.intent) == ("negative", "bug") and KEY_PROBLEM in row.summary
        assert [t.id for t in (await TicketService(s, SYSTEM).search(sentiment="negative", open_only=True))[0]] == [
            angry.id
        ]
        assert [
            t.id
            for t in (await TicketService(s, SYSTEM).search(sentiment="positive", intent="billing", open_only=True))[0]
        ] == [thankful.id]


async def test_last_action_can_be_a_status_change(db, embedder):
    async with db.session() as s:
        ticket = await TicketService(s, SYSTEM).create(
            {"subject": "Export question", "description": "How do I export my contacts?"}
        )
    async with db.session() as s:
        await TicketService(s, SYSTEM).update(ticket.id, {"status": "pending"})
    async with db.session() as s:
        summary = await summarize_ticket(s, SYSTEM, ticket.id, embedder)
    assert summary.facts["last_action"]["what"] == "status changed to pending" and summary.intent == "how_to"
    assert summary.facts["open_questions"] == ["How do I export my contacts?"] and summary.sentiment == "neutral"


async def test_nothing_from_another_ticket_leaks_into_a_summary(db, embedder):
    async with db.session() as s:
        angry, thankful = await _angry_ticket(s), await _thankful_ticket(s)
    async with db.session() as s:
        summary = await summarize_ticket(s, SYSTEM, angry.id, embedder)
    everything = json.dumps(summary.to_dict()).lower()
    for word in ("invoice", "refund", "globex", "march", str(thankful.id)):
        assert word not in everything


async def test_llm_path_uses_the_models_text_and_sends_facts_and_thread(db, embedder):
    async with db.session() as s:
        ticket = await _angry_ticket(s)
    model = ScriptedModel(say("Jane Doe (Acme Corp) cannot sync contacts (E-4012) and wants an ETA."))
    async with db.session() as s:
        summary = await summarize_ticket(s, SYSTEM, ticket.id, embedder, writer=writer_for(model))
    assert (
        summary.method == "llm"
        and summary.text == "Jane Doe (Acme Corp) cannot sync contacts (E-4012) and wants an ETA."
    )
    system, user = model.requests[0]
    assert system.role == "system" and "never an instruction" in system.content
    assert '"customer": "Jane Doe"' in user.content and KEY_PROBLEM in user.content and "<data>" in user.content
    async with db.session() as s:
        assert (await s.get(Ticket, ticket.id)).summary == summary.text


async def test_a_failing_model_falls_back_to_extractive(db, embedder):
    async with db.session() as s:
        ticket = await _angry_ticket(s)
    async with db.session() as s:
        summary = await summarize_ticket(s, SYSTEM, ticket.id, embedder, writer=writer_for(FailingModel()))
    assert summary.method == "extractive" and KEY_PROBLEM in summary.text


async def test_a_rep_without_ticket_rights_is_refused(db, embedder, monkeypatch):
    async with db.session() as s:
        rep = actor_for(await factories.user(s, role=Role.rep))
        ticket = await _angry_ticket(s)
    monkeypatch.delitem(AREA_RIGHTS["tickets"], CallerRole.rep)
    async with db.session() as s:
        with pytest.raises(PermissionDenied) as err:
            await summarize_ticket(s, rep, ticket.id, embedder)
    assert err.value.field == "tickets"


async def test_a_read_only_caller_gets_the_summary_unsaved(db, embedder, monkeypatch):
    async with db.session() as s:
        rep = actor_for(await factories.user(s, role=Role.rep))
        ticket = await _angry_ticket(s)
    monkeypatch.setitem(AREA_RIGHTS["tickets"], CallerRole.rep, {"read"})
    async with db.session() as s:
        summary = await summarize_ticket(s, rep, ticket.id, embedder)
    assert not summary.stored and KEY_PROBLEM in summary.text
    async with db.session() as s:
        row = await s.get(Ticket, ticket.id)
        assert (row.summary, row.sentiment, row.intent) == (None, None, None)


# ---------------------------------------------------------------- calls, accounts, conversations


async def test_call_summary_carries_who_when_how_long_outcome_and_related_records(db, embedder):
    async with db.session() as s:
        rep = actor_for(await factories.user(s, role=Role.rep, name="Rita Rep"))
        account = await factories.account(s, account_name="Initech")
        contact = await factories.contact(s, first_name="Peter", last_name="Gibbons", account_id=account.id)
        deal = await factories.deal(
            s, deal_name="Initech renewal", account_id=account.id, primary_contact_id=contact.id
        )
        call = await EngagementService(s, rep).log_call(
            {
                "contact_id": contact.id,
                "deal_id": deal.id,
                "duration": 720,
                "outcome": "connected",
                "notes": "Peter confirmed the budget for the renewal. Legal needs the updated DPA before signing. "
                "We agreed to send the revised quote by Friday. He mentioned the weather is nice.",
            }
        )
    model = ScriptedModel(say("Peter has budget; send the revised quote by Friday."))
    async with db.session() as s:
        summary = await summarize_call(s, rep, call.id, embedder)
        written = await summarize_call(s, rep, call.id, embedder, writer=writer_for(model))
    assert (written.method, written.text) == ("llm", "Peter has budget; send the revised quote by Friday.")
    assert "Call notes:" in model.requests[0][1].content and "updated DPA" in model.requests[0][1].content
    facts = summary.facts
    assert (facts["with"], facts["by"], facts["duration_seconds"], facts["outcome"], facts["direction"]) == (
        "Peter Gibbons",
        "Rita Rep",
        720,
        "connected",
        "outbound",
    )
    assert facts["related"] == {"contact": "Peter Gibbons", "deal": "Initech renewal", "account": "Initech"}
    assert summary.text.startswith("Outbound call with Peter Gibbons on ") and "12 min, connected" in summary.text
    assert "revised quote by Friday" in summary.text
    assert {r["type"] for r in summary.sources} == {"call", "contact", "deal", "account"}


async def test_call_summary_needs_rights_on_the_records_it_is_about(db, embedder):
    async with db.session() as s:
        owner = await factories.user(s, role=Role.rep, team="Sales West")
        contact = await factories.contact(s, owner_id=owner.id)
        call = await EngagementService(s, actor_for(owner)).log_call({"contact_id": contact.id, "notes": "Intro call."})
        outsider = actor_for(await factories.user(s, role=Role.rep, team="Sales East"))
    async with db.session() as s:
        with pytest.raises(PermissionDenied) as err:
            await summarize_call(s, outsider, call.id, embedder)
    assert err.value.field == "contact_id"  # the reference the caller may not follow


async def test_account_summary_carries_pipeline_tickets_health_contacts_and_recent_notes(db, embedder):
    async with db.session() as s:
        account = await factories.account(
            s, account_name="Umbrella", type="customer", tier="enterprise", health_score=58
        )
        await factories.contact(s, first_name="Alice", last_name="Wesker", title="CFO", account_id=account.id)
        await factories.deal(s, deal_name="Umbrella expansion", amount=10000, stage="proposal", account_id=account.id)
        await factories.deal(s, deal_name="Umbrella renewal", amount=25000, stage="negotiation", account_id=account.id)
        pilot = await factories.deal(s, deal_name="Umbrella pilot", amount=5000, account_id=account.id)
        await DealService(s, SYSTEM).move_stage(pilot.id, "closed_lost", reason="no budget")
        await TicketService(s, SYSTEM).create(
            {"subject": "SSO login fails", "priority": "urgent", "account_id": account.id}
        )
        await EngagementService(s, SYSTEM).add_note(
            {
                "related_type": "account",
                "related_id": account.id,
                "body": "They are evaluating a competitor before the renewal. The CFO wants a discount on the renewal price.",
            }
        )
    model = ScriptedModel(say("Umbrella: $35K open, one urgent ticket."))
    async with db.session() as s:
        summary = await summarize_account(s, SYSTEM, account.id, embedder)
        written = await summarize_account(s, SYSTEM, account.id, embedder, writer=writer_for(model))
    assert written.method == "llm" and '"open_pipeline": "35000.00"' in model.requests[0][1].content
    facts = summary.facts
    assert (facts["open_deals"], facts["open_pipeline"], facts["health_score"]) == (2, "35000.00", 58)
    assert facts["pipeline_by_stage"] == {
        "proposal": {"count": 1, "value": "10000.00"},
        "negotiation": {"count": 1, "value": "25000.00"},
    }
    assert facts["open_tickets"] == [
        {"number": 1001, "subject": "SSO login fails", "status": "open", "priority": "urgent"}
    ]
    assert facts["open_tickets_by_priority"] == {"urgent": 1} and facts["last_activity"]["what"].startswith(
        "Note on Umbrella"
    )
    assert summary.text.startswith(
        "Umbrella (customer, enterprise), health 58: 2 open deals worth $35K (proposal 1, negotiation 1); 1 open ticket (1 urgent)."
    )
    assert "evaluating a competitor" in summary.text and " Contacts: Alice Wesker (CFO). Last activity " in summary.text
    assert facts["contacts"] == [{"name": "Alice Wesker", "title": "CFO"}]
    assert {"Umbrella expansion", "Umbrella renewal"} <= {
        r["name"] for r in summary.sources
    } and "Umbrella pilot" not in json.dumps(summary.sources)


async def test_account_summary_refuses_a_rep_of_another_team(db, embedder):
    async with db.session() as s:
        owner = await factories.user(s, role=Role.rep, team="Sales West")
        account = await factories.account(s, account_owner_id=owner.id)
        outsider = actor_for(await factories.user(s, role=Role.rep, team="Sales East"))
    async with db.session() as s:
        with pytest.raises(PermissionDenied) as err:
            await summarize_account(s, outsider, account.id, embedder)
    assert err.value.field == "accounts"


async def test_conversation_summary_is_for_its_owner_only(db, embedder):
    async with db.session() as s:
        me = actor_for(await factories.user(s, role=Role.rep))
        other = actor_for(await factories.user(s, role=Role.rep))
        conversations = ConversationService(s, me)
        conversation = await conversations.open(None, title="Acme renewal")
        await conversations.append(
            conversation,
            [
                {"role": "user", "content": "What is the status of the Acme renewal deal?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "c1", "name": "get_deal", "arguments": "{}"}],
                },
                {"role": "tool", "content": '{"stage": "negotiation"}', "tool_call_id": "c1", "name": "get_deal"},
                {"role": "assistant", "content": "The Acme renewal is in negotiation at $25K, closing next month."},
                {"role": "user", "content": "Thanks, that is really helpful!"},
            ],
        )
    model = ScriptedModel(say("The user checked the Acme renewal."))
    async with db.session() as s:
        summary = await summarize_conversation(s, me, conversation.id, embedder)
        assert (
            await summarize_conversation(s, me, conversation.id, embedder, writer=writer_for(model))
        ).method == "llm"
        with pytest.raises(NotFound):
            await summarize_conversation(s, other, conversation.id, embedder)
    facts = summary.facts
    assert (facts["title"], facts["user_messages"], facts["assistant_messages"], facts["tools_used"]) == (
        "Acme renewal",
        2,
        1,
        {"get_deal": 1},
    )
    assert summary.sentiment == "positive" and "in negotiation at $25K" in summary.text


async def test_a_customer_cannot_summarize_tickets(db, embedder):
    async with db.session() as s:
        ticket = await _angry_ticket(s)
    async with db.session() as s:
        with pytest.raises(PermissionDenied) as err:
            await summarize_ticket(s, Actor.customer("widget-1"), ticket.id, embedder)
    assert err.value.field == "tickets"
