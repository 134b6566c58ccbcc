"""Answer composition: section roles, the question's need, the passage that resolves it, and the faithfulness check."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from assistant.agent import Agent
from assistant.offline_model import OfflineModel
from store.access import Actor
from store.auth import actor_for
from store.embeddings import default_embedder, embed_cached
from store.knowledge import ingest, read_paths, search
from store.knowledge.answers import (
    _WORDING,
    Composed,
    Passage,
    _after_overlap,
    _extend,
    _join,
    _scores,
    _spelled_out,
    _tells_case,
    _units,
    best_sentence,
    choose_article,
    compose,
    faithful,
    name_phrases,
    names_code,
    names_other,
    negated,
    opening_similarities,
    other_bracket,
    outline,
    outline_similarities,
    outline_stands_out,
    pick_article,
    question_need,
    referred,
    stands_out,
)
from store.knowledge.chunking import chunk
from store.knowledge.search import RELEVANCE_FLOOR, WEAK_SCORE, own_names, unknown_names, weak_match_answers
from store.knowledge.sections import article_kind, section_role
from store.models import KbArticle, KbChunk
from store.models.enums import Role, Visibility
from store.seed import HELP_CENTER
from store.settings import Settings
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, call, say
from tools import TOOLSET, ToolContext

SYNC_502 = (HELP_CENTER / "sync-502-calendar-gateway.md").read_text().split("---", 2)[2]


@pytest.fixture(scope="module")
def embedder():
    return default_embedder()


@pytest.fixture
async def helpcenter(db, embedder):
    async with db.session() as s:
        await ingest(s, read_paths([HELP_CENTER]), embedder)
    return db


def _passages(text: str) -> list[Passage]:
    return [Passage(None, c.ordinal, c.heading, c.section, c.content, 0.5) for c in chunk(text)]  # type: ignore[arg-type]


def test_sections_know_their_role_and_articles_their_type():
    assert [c.section for c in chunk(SYNC_502)] == ["symptom", "cause", "fix"]
    assert section_role("How to resolve", "Add funds.") == "fix" and section_role("Common reasons", "x") == "cause"
    assert section_role("Run the import", "1. Open Contacts.\n2. Drop the file.") == "steps"
    assert section_role(None, "Monthly plans are not refunded for partial months.") == "overview"
    assert article_kind("Calendar sync stops with SYNC-502", ["symptom", "cause", "fix"]) == "troubleshooting"
    assert article_kind("Import contacts", ["steps", "limits"]) == "howto"
    assert article_kind("Refund policy", ["overview"]) == "reference"


@pytest.mark.parametrize(
    ("question", "need"),
    [
        ("my calendar sync stopped and shows SYNC-502, what do I do?", "fix"),
        ("I keep getting kicked back to the login page", "fix"),
        ("how do I bring my contacts over from a spreadsheet?", "steps"),
        ("can I get a refund on a yearly plan?", "rule"),
        ("how much is the Professional plan?", "fact"),
        ("why was I charged a fee on my savings account?", "cause"),
        ("we moved to yearly billing, when does that kick in?", "fact"),
        ("it won't let me send more than 750 today - I'm a new user, why?", "cause"),
        ("the last two ATM operator fees were never paid back to me. why not?", "cause"),
        ("we keep about 26k in the account but still got the monthly fee. Why wasn't it waived?", "cause"),
        ("the app keeps rejecting my check photo", "fix"),
        ("Business Gold cardholder wants to downgrade to the Bronze card. Can I do that?", "rule"),
        ("I have the Gold Rewards card and the EcoCard - do both savings bonuses add up?", "rule"),
        ("it renewed two weeks ago and we don't need it anymore. Can we get money back?", "rule"),  # no problem
        ("the invitation link doesn't work anymore", "fix"),
        ("savings interest was calculated without the APY boost. What order do I do things in to fix it?", "steps"),
        ("wallet stolen and the card is frozen. what else am I supposed to do?", "steps"),
    ],
)
def test_the_question_need(question, need):
    assert question_need(question) == need


def test_an_error_question_gets_the_fix_not_the_symptom(embedder):
    answer = compose("my calendar sync stopped and shows SYNC-502, what do I do?", _passages(SYNC_502), embedder)
    assert answer.text.startswith("Choose **Reconnect**") and "New meetings stop appearing" not in answer.text
    assert answer.sections[0] == "fix" and "gateway error" in answer.text  # the cause as context, after the fix


def test_steps_stay_a_numbered_list(embedder):
    text = (HELP_CENTER / "import-contacts-csv.md").read_text().split("---", 2)[2]
    answer = compose("how do I bring my contacts over from a spreadsheet?", _passages(text), embedder)
    lines = answer.text.splitlines()
    assert lines[0] == "1. Open Contacts > Import." and [line[:2] for line in lines[:4]] == ["1.", "2.", "3.", "4."]
    assert not lines[4:] or not lines[4][:1].isdigit()  # whatever completes the answer comes after the steps


def test_an_article_without_headings_answers_with_the_rule_and_its_condition(embedder):
    text = (HELP_CENTER / "refund-policy.md").read_text().split("---", 2)[2]
    answer = compose("can I get my money back on a yearly subscription?", _passages(text), embedder)
    rule = answer.text.split("\n\n")[0]  # the rule leads; the rest of a short article may follow it
    assert "Yearly plans can be refunded pro rata within 30 days" in rule and "open a ticket" not in rule


def test_faithfulness_drops_what_no_passage_supports(embedder):
    evidence = ["Choose **Reconnect** on the calendar integration and sign in with your provider again."]
    answer = (
        "Choose Reconnect on the calendar integration and sign in again [1]. "
        "You will also get a 20% discount on your next invoice."
    )
    kept = faithful(answer, evidence, embedder)
    assert kept.startswith("Choose Reconnect") and "discount" not in kept
    assert faithful("See also: Other article [2].", evidence, embedder) == "See also: Other article [2]."


async def test_ingestion_stores_section_roles_and_the_article_type(helpcenter):
    async with helpcenter.session() as s:
        article = await s.scalar(select(KbArticle).where(KbArticle.title == "Calendar sync stops with SYNC-502"))
        sections = list(
            await s.scalars(select(KbChunk.section).where(KbChunk.article_id == article.id).order_by(KbChunk.ordinal))
        )
    assert article.kind == "troubleshooting" and sections == ["symptom", "cause", "fix"]


@pytest.mark.parametrize(
    ("question", "fix"),
    [
        ("my calendar sync stopped and shows SYNC-502, what do I do?", "Reconnect"),
        ("I keep getting kicked back to the login page after changing my password", "Clear the cookies"),
        ("how do I bring my contacts over from a spreadsheet?", "Open Contacts > Import"),
    ],
)
async def test_a_customer_gets_the_fix_with_its_citation(helpcenter, embedder, question, fix):
    result = await Agent(helpcenter, OfflineModel(embedder), embedder=embedder).run(
        Actor.customer("visitor-kb-1"), question
    )
    assert fix in result.answer and "[1]" in result.answer and result.citations


async def test_support_gets_the_same_composition_with_internal_articles(helpcenter, embedder):
    async with helpcenter.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
    agent = Agent(helpcenter, OfflineModel(embedder), embedder=embedder)
    result = await agent.run(
        sam, "a customer needs an export bigger than the scheduled export allows, how do I run it?"
    )
    assert "--chunked" in result.answer and result.citations[0]["title"].startswith("Internal")
    customer = await agent.run(
        Actor.customer("visitor-kb-2"), "I need an export bigger than the scheduled export allows"
    )
    assert "--chunked" not in customer.answer


async def test_staff_asking_whether_they_may_do_something_get_the_runbook_rule(helpcenter, embedder):
    """Whether an agent may reset two-factor over the phone: the public set-up article ranks far first as a whole, but
    the takeover runbook's one rule is as close to the question; staff get the rule, a customer the public article."""
    tool = TOOLSET.get("kb_search")
    question = (
        "a caller says their account was hijacked and asks me to reset their two-factor over the phone, is that ok?"
    )
    async with helpcenter.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
        hits = await search(s, embedder, question, limit=6, visibilities=(Visibility.public, Visibility.internal))
        staff = await tool.run(
            ToolContext(session=s, actor=sam, settings=Settings(), embedder=embedder), {"query": question}
        )
        visitor = ToolContext(
            session=s, actor=Actor.customer("visitor-runbook"), settings=Settings(), embedder=embedder
        )
        customer = await tool.run(visitor, {"query": question})
    takeover = next(h for h in hits if h.title == "Internal: suspected account takeover")
    assert hits[0].title == "Turn on two-factor authentication" and takeover.score < RELEVANCE_FLOOR < hits[0].score
    assert staff.data["passages"][0]["title"] == "Internal: suspected account takeover"
    assert "Never read out recovery codes or reset two-factor over the phone" in staff.data["answer"]["text"]
    assert customer.data["passages"][0]["title"] == "Turn on two-factor authentication"
    assert all(not p["title"].startswith("Internal") for p in customer.data["passages"])


async def test_a_customers_situation_told_by_staff_gets_the_help_center_answer(helpcenter, embedder):
    """A customer named by their plan or product ("starter plan customer sees ...") is a situation for the help center,
    not a change to read weakly; nonsense still gets the help text."""
    async with helpcenter.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
    agent = Agent(helpcenter, OfflineModel(embedder), embedder=embedder)
    told = await agent.run(
        sam, "starter plan customer sees the slack app greyed out and asks what it would take to get it"
    )
    assert "Professional and Enterprise" in told.answer and told.citations[0]["title"] == "Connect the Slack app"
    unknown = await agent.run(sam, "blorp the frobnicator quux")
    assert not unknown.citations and "I can't help with that" in unknown.answer


async def test_a_greeting_or_asking_what_nexa_does_gets_no_help_center_article(helpcenter, embedder):
    """Staff saying "gm" or asking what the assistant is for are greeted or told what it does; neither is a question
    for the help center (they had got the account-takeover runbook and the API token article)."""
    async with helpcenter.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
    agent = Agent(helpcenter, OfflineModel(embedder), embedder=embedder)
    greeted = await agent.run(sam, "gm nexa")
    assert not greeted.citations and greeted.answer.startswith("Hello"), greeted.answer
    for asked in ("what can i use you for", "what do you do"):
        told = await agent.run(sam, asked)
        assert not told.citations and "Every change waits for your yes" in told.answer, told.answer


async def test_a_staff_question_the_help_center_cannot_answer_looks_for_no_record_by_its_words(helpcenter, embedder):
    """A support agent's question about a customer's situation that no article answers is said to be missing from
    the help center; no record is looked up by one of its words ("country") or by the kind of customer it tells of
    ("an Enterprise customer" is no "Enterprise Plan" deal), unless the CRM holds one by that name."""
    async with helpcenter.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
        await factories.account(s, account_name="Quasar Freight")
        await factories.deal(s, deal_name="Quasar Freight - Enterprise Plan")
    agent = Agent(helpcenter, OfflineModel(embedder), embedder=embedder)
    told = await agent.run(
        sam, "customer called, says her parrot swallowed the country code dongle. what are the steps on our side?"
    )
    assert not told.citations and "couldn't find that in the help center" in told.answer, told.answer
    kind = await agent.run(
        sam, "An Enterprise customer asks how many parrots our uptime promise covers. What's our policy?"
    )
    assert "couldn't find that in the help center" in kind.answer, kind.answer
    named = await agent.run(sam, "customer asked about quasar freight, what are the steps on our side?")
    assert "Quasar Freight" in named.answer and "help center" not in named.answer, named.answer


async def test_a_model_answer_loses_the_sentences_its_passages_do_not_support(helpcenter, embedder):
    model = ScriptedModel(
        call("kb_search", {"query": "SYNC-502"}),
        say(
            "Choose Reconnect on the calendar integration and sign in with your provider again [1]. "
            "Nexa will refund your subscription for the downtime [1]."
        ),
    )
    result = await Agent(helpcenter, model, embedder=embedder).run(Actor.customer("visitor-kb-3"), "SYNC-502?")
    assert "Reconnect" in result.answer and "refund" not in result.answer and result.citations


CARD_DISPUTES = """Finding a charge on your debit card that you did not make is stressful, but we will help you with your card dispute every step of the way.

## Time matters

Federal protections depend on how quickly you report:

- **Report within 2 business days**: your maximum liability is $50
- **Report within 60 days**: your maximum liability is $500

## What you'll need

To process your dispute quickly, have the following ready:

- Whether you still have your physical debit card
- Details about the charge (date, merchant)

## Moving money between your accounts

Whether you move money from checking to savings or back, the app makes it simple. It's that easy, and there's no fee for transfers between your own accounts. Our team can also move the opening deposit of a new savings account from your checking account for you by phone.

## Funds availability

- Availability depends on the account type and the deposit amount.
- Standard check deposits are typically available within 1-2 business days.
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("there's a debit card charge I didn't make, how much could I be on the hook for?", "$50"),
        ("is there a fee to move money from my checking to my savings?", "no fee"),
        ("when can I use the money from a check I deposited?", "1-2 business days"),
    ],
)
def test_a_fact_question_gets_the_sentence_stating_what_it_asks(embedder, question, expected):
    """A "how much", a named fee or a "when" is answered by the unit stating the figure, the fee or the time, not by
    the sentence most like the question's topic."""
    assert expected in compose(question, _passages(CARD_DISPUTES), embedder).text


TEMPORARY_LIMIT = """Procedure for when a customer requests a temporary increase to their debit card's daily ATM limit.

Limit Increase Rules:
- **Maximum Increase**: New limit cannot exceed 150% of current limit
- **Duration**: Temporary increases last 24 hours, then automatically revert
- **Frequency**: Only one temporary increase per 24-hour period per card

Points are always rounded down to the nearest whole number. For example, a $126.77 purchase at 1% earns 126 points, not 127.
"""


def test_a_rule_comes_whole_and_an_example_with_what_it_illustrates(embedder):
    """A rule's short list is given with its lead line, never the sentence saying what the article is for; an example
    brings the sentence it illustrates."""
    answer = compose(
        "how long does a temporary ATM limit increase last, and can it be repeated?",
        _passages(TEMPORARY_LIMIT),
        embedder,
    ).text
    assert "Procedure for" not in answer
    assert all(part in answer for part in ("Limit Increase Rules:", "150%", "24 hours", "Only one"))
    answer = compose(
        "I bought something for $126.77 and only got 126 points, shouldn't it be 127?",
        _passages(TEMPORARY_LIMIT),
        embedder,
    ).text
    assert "For example" in answer and "rounded down" in answer


def test_a_low_best_match_answers_only_when_it_stands_out():
    assert stands_out([0.25, 0.14]) and stands_out([0.25])
    assert not stands_out([0.27, 0.24]) and not stands_out([0.2, 0.05]) and not stands_out([])


def test_staff_are_answered_from_the_internal_runbook_on_the_topic(embedder):
    public, internal = uuid.uuid4(), uuid.uuid4()
    candidates = [
        (internal, "Internal: EXP-504 workaround details", 0.575),
        (public, "Report export times out (EXP-504)", 0.504),
    ]
    question = "a customer's export is too big even for the scheduled export, how do I get them their data?"
    assert pick_article(question, candidates, embedder, staff=True) == internal
    assert pick_article(question, candidates, embedder) == public  # a problem's troubleshooting title, for anyone else


def test_a_short_article_answers_whole(embedder):
    """The condition that resolves ("read-only 14 days after") is kept although it scores low on the question."""
    text = (HELP_CENTER / "failed-payments.md").read_text().split("---", 2)[2]
    answer = compose("what happens if our card payment bounces?", _passages(text), embedder)
    assert answer.text.startswith("When a card payment fails we retry") and "read-only 14 days" in answer.text


def test_each_part_of_a_question_is_answered(embedder):
    text = (
        "## Speed\n\nStandard transfers arrive within 12 hours. Transfers to a new recipient may be reviewed first. "
        "Reviews rarely take longer than a day. Recipients are notified by email when money arrives.\n\n"
        "## Recipients\n\nAdd a recipient by email or phone number. A recipient must accept the first payment. "
        "Unclaimed payments return to you after 14 days. You can remove a recipient at any time from your list.\n\n"
        "## Pricing\n\nStandard transfers are free. Instant transfers cost $0.75 each and arrive right away. "
        "Business accounts pay the same fees. Fees are shown before you confirm a payment."
    ) * 2
    answer = compose(
        "how fast do normal transfers arrive and what does an instant one cost?", _passages(text), embedder
    )
    assert "12 hours" in answer.text and "$0.75" in answer.text


async def test_a_weak_match_answers_a_short_question_only_when_it_holds_its_distinctive_words(helpcenter):
    """An unanswerable question's distinctive words are missing from the article it matches weakly; a paraphrase's
    words that no passage holds ("excel spreadsheet") do not count against the article that answers it, nor do the
    words of a question the index knows nothing of."""
    async with helpcenter.session() as s:
        ids = {title: id_ for title, id_ in await s.execute(select(KbArticle.title, KbArticle.id))}
        mortgage = "what's your current rate on a 30 year fixed mortgage?"
        assert not await weak_match_answers(s, mortgage, ids["Plans and pricing"])
        assert await weak_match_answers(
            s, "how do i bring my contacts over from an excel spreadsheet?", ids["Import contacts from a CSV file"]
        )
        assert await weak_match_answers(s, "zxqv wibble?", ids["Plans and pricing"])


async def test_a_scenario_told_at_length_is_not_held_to_the_coverage_floor(helpcenter):
    """A long question's incidental words would sink any article's coverage: a weak match still answers it, while
    the same distinctive words asked briefly, without the article's own, do not."""
    scenario = (
        "our developer is building an integration for the warehouse system we run and asked me for an API key, "
        "where do I make one and what should I send over to him?"
    )
    async with helpcenter.session() as s:
        ids = {title: id_ for title, id_ in await s.execute(select(KbArticle.title, KbArticle.id))}
        tokens = ids["Create and use API tokens"]
        assert await weak_match_answers(s, scenario, tokens)
        assert not await weak_match_answers(s, "warehouse system developer integration?", tokens)


def test_an_article_that_sends_the_reader_elsewhere_hands_over_the_answer(embedder):
    """The import guide's sentence closest to the question points to the IMP-413 article by its title."""
    error = uuid.uuid4()
    guide = _passages((HELP_CENTER / "import-contacts-csv.md").read_text().split("---", 2)[2])
    question = "my contact file is too big to import, what can I do?"
    assert referred(question, guide, [(error, "Import file too large (IMP-413)")], embedder) == error
    assert referred(question, guide, [(error, "Export times out (EXP-504)")], embedder) is None
    assert (
        referred(
            "which columns does the import recognise?", guide, [(error, "Import file too large (IMP-413)")], embedder
        )
        is None
    )


async def test_an_article_under_the_floor_that_the_best_one_refers_to_is_cited_first(helpcenter, embedder):
    """The import guide answers "too large" by naming the IMP-413 article, which retrieval ranks below it (and scores
    under the floor with some CPUs' int8 kernels, just over it with others)."""
    tool = TOOLSET.get("kb_search")
    query = "customer's contact import got refused as too large, what's the cap and how do they get around it?"
    async with helpcenter.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
        hits = await search(s, embedder, query, limit=6, visibilities=(Visibility.public, Visibility.internal))
        result = await tool.run(
            ToolContext(session=s, actor=sam, settings=Settings(), embedder=embedder), {"query": query}
        )
    below = [h for h in hits if h.title == "Import file too large (IMP-413)"]
    assert below and below[0].score < hits[0].score and RELEVANCE_FLOOR <= hits[0].score  # the guide ranks first
    assert result.data["passages"][0]["title"] == "Import file too large (IMP-413)"
    assert "Split the file" in result.data["answer"]["text"]


GUIDE, TOO_LARGE = "Import contacts from a CSV file", "Import file too large (IMP-413)"


async def test_the_opening_passage_tells_what_an_article_is_about(helpcenter, embedder):
    """The import guide matches "too big to import" best by retrieval, but it opens on preparing the file; the IMP-413
    article opens on the upload failing, the question's problem: with the openings read, it is the one answered from."""
    question = "my contact file is too big to import, what can I do?"
    async with helpcenter.session() as s:
        hits = await search(s, embedder, question, limit=6)
        candidates = [(h.article_id, h.title, h.score) for h in hits if h.score >= RELEVANCE_FLOOR]
        openings = await opening_similarities(s, [a for a, _, _ in candidates], embed_cached(embedder, [question])[0])
        chosen = await choose_article(s, embedder, question, candidates)
    guide, too_large = (next(a for a, t, _ in candidates if t == title) for title in (GUIDE, TOO_LARGE))
    assert candidates[0][0] == guide and openings[too_large] > openings[guide]
    assert pick_article(question, candidates, embedder) == guide  # titles and retrieval alone
    assert chosen == too_large


async def test_a_short_question_naming_what_the_help_center_never_mentions_is_not_found(helpcenter, embedder):
    """ "QuickBooks" is in no passage: the invoices article it matches fairly well does not answer it. In a scenario
    told at length a name is incidental ("in April")."""
    tool = TOOLSET.get("kb_search")
    visitor = Actor.customer("visitor-names")
    long = "I cancelled our monthly subscription half way through April, do we get the unused half of the month back?"
    async with helpcenter.session() as s:
        assert await unknown_names(s, "do you sync invoices with QuickBooks?") == ["QuickBooks"]
        assert await unknown_names(s, "Where do I find the Invoices page in Settings?") == []
        assert await unknown_names(s, long) == []
        assert await unknown_names(s, "does nexa have a dark mode?") == ["dark", "mode"]  # whether something exists
        assert await unknown_names(s, "do you offer a mobile app?") == []  # the asking verb is no name
        context = ToolContext(session=s, actor=visitor, settings=Settings(), embedder=embedder)
        unknown = await tool.run(context, {"query": "do you sync invoices with QuickBooks?"})
        known = await tool.run(context, {"query": "how do I download invoices as PDF?"})
    assert unknown.data == {"found": False, "passages": []}
    assert known.data["found"]


async def test_the_help_centers_own_name_tells_no_article_from_another(helpcenter, embedder):
    """ "Nexa" is in a quarter of the passages and written as a name: left out of the question and the titles when they
    are compared, "Your first login to Nexa CRM" no longer wins "how do we stop paying for nexa?"; words many passages
    hold but write in lower case ("contacts") are no name."""
    first, cancel = uuid.uuid4(), uuid.uuid4()
    candidates = [(first, "Your first login to Nexa CRM", 0.38), (cancel, "Cancel your subscription", 0.33)]
    question = "we're closing the company at the end of the year. How do we stop paying for nexa?"
    async with helpcenter.session() as s:
        common = await own_names(s, question)
        assert common == ["nexa"] and await own_names(s, "how do I import contacts?") == []
    assert pick_article(question, candidates, embedder) == first
    assert pick_article(question, candidates, embedder, common=common) == cancel


def test_a_having_trouble_title_is_a_troubleshooting_title(embedder):
    """A problem is answered from "Having Trouble ...", which retrieval ranks first, over a look-alike "Why ..." title."""
    trouble, replacement = uuid.uuid4(), uuid.uuid4()
    candidates = [
        (trouble, "Having Trouble Making Purchases with Your Card?", 0.532),
        (replacement, "Why was your credit card replacement request rejected", 0.468),
    ]
    question = "my credit card keeps getting declined even though I'm way under my limit"
    assert pick_article(question, candidates, embedder) == trouble


def test_a_how_to_goes_to_the_competing_article_holding_steps(embedder):
    """Among look-alike how-to titles, the article holding steps (or a fix) answers a how-to over one holding only
    limits; a question of another need, or an article of no known sections, keeps the usual pick."""
    limits, stop, cancel = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    candidates = [
        (limits, "How do I remove spending limits on my teen's account?", 0.3905),
        (cancel, "Canceling a payment", 0.3898),
        (stop, "How do I stop a recurring payment?", 0.3841),
    ]
    question = "how do I stop the monthly money I send my nephew through everyone pay? the next one is in a few hours"
    roles = {limits: {"limits", "overview"}, cancel: {"overview"}, stop: {"steps", "overview"}}
    assert question_need(question) == "steps"
    assert pick_article(question, candidates, embedder) == limits  # titles and retrieval alone
    assert pick_article(question, candidates, embedder, roles=roles) == stop
    assert pick_article(question, candidates, embedder, roles={limits: {"limits"}, stop: {"overview"}}) == limits
    fact = "what is the most I can send my nephew through everyone pay each month?"
    assert pick_article(fact, candidates, embedder, roles=roles) == pick_article(fact, candidates, embedder)


LATE_FEES = """## Late fees

- Late fee per missed installment: $[value not available] (USD)
- Each missed installment can trigger a late fee.

## Avoiding late fees

- Track due dates and schedule payments before the due time.
- Keep a valid, funded payment method on file.
"""


def test_an_article_that_leaves_the_asked_value_out_does_not_answer(embedder):
    """The unit that answers best gives the value as missing: no answer (the caller says "not found"); a question the
    article does answer never gets the placeholder."""
    assert compose("how much is the late fee if I miss an installment?", _passages(LATE_FEES), embedder).text == ""
    answer = compose("how do I avoid paying late fees?", _passages(LATE_FEES), embedder).text
    assert "Track due dates" in answer and "not available" not in answer


DECLINE_CODES = """## Error reference
- Error 101 - Invalid account details
  - Ask the customer to re-enter the account number.
- Error 903 - Account closure blocked
  - Ask the customer to wait 48 hours and try again.

## CODE 05 - Do Not Honor

1. **Card Status**: check the card's status field. If FROZEN, offer to unfreeze it.
2. **Velocity Block**: if velocity_blocked is TRUE, the block lifts by itself after 30 minutes.

## CODE 54 - Expired Card

The card has passed its expiration date.
1. Check the expiration_date field.
2. If a replacement exists, direct the customer to the new card.
"""


def test_an_error_code_heading_is_the_section_answered_from(embedder):
    passages = _passages(DECLINE_CODES)
    answer = compose("decline code 05 and velocity_blocked is true, does it clear by itself?", passages, embedder).text
    assert "30 minutes" in answer and "expiration" not in answer
    assert names_code("a card declined with code 54", passages) and not names_code("error 777 on login", passages)


TRAVEL_REPLACEMENT = """## Timeline
- If your card is lost or stolen while abroad, an emergency replacement can typically reach you within 2 days.

## Accessing funds while you wait
- If you need a bank-issued instrument, a cashier's check can be provided for a fee of $8.

## CODE 87 - Purchase Amount Only, No Cash Back

The transaction was declined because it included a cash back request that isn't permitted.
1. If customer needs cash: 'For cash withdrawals, you can use any Rho-Bank ATM for free.'
"""


def test_a_question_naming_no_code_is_not_answered_from_a_codes_entry(embedder):
    """A decline code's entry answers that code's problem, not the article's topic: "get cash in the meantime" after a
    lost card is the cashier's check, not the cash-back decline's advice; asked by its code, the entry answers."""
    question = "lost my debit card abroad. how fast do I get a new one, and how do I get cash in the meantime?"
    answer = compose(question, _passages(TRAVEL_REPLACEMENT), embedder).text
    assert "2 days" in answer and "cashier's check" in answer and "cash back" not in answer
    coded = compose(
        "my purchase got declined with code 87, how do I get cash?", _passages(TRAVEL_REPLACEMENT), embedder
    )
    assert "cash back" in coded.text


ACCOUNT_FAQ = """## Frequently asked questions

### Do I pay for paper statements?
- Yes, paper statements delivered by mail cost $2.50 per month.

### Does this account earn interest?
- Yes. Your balance earns 0.11% APY.

### What is the fee for using a non-network ATM?
- The fee for out-of-network withdrawals is $3.00 per withdrawal.

### How long do transfers to another bank take?
- Transfers to external banks generally complete in 3 business days.

### What happens if a check I deposit is returned unpaid?
- A returned deposit incurs a fee of $17.50.

## Debit Card Decline Codes - PIN-Related Issues

If your debit card is declined due to PIN problems, you may see one of the following codes:

### CODE 55 - Incorrect PIN

Wrong PIN was entered. The card's pin_locked and pin_attempts_remaining fields show the status.

### CODE 83 - Unable to Verify PIN

The network couldn't verify the PIN due to a technical issue - this does NOT mean the PIN was wrong.
"""


def test_a_lead_line_is_not_added_without_its_list(embedder):
    """The line leading into the codes' list completes no answer once the codes' entries are left out."""
    answer = compose("can I get paper statements mailed for my account?", _passages(ACCOUNT_FAQ), embedder).text
    assert "$2.50" in answer and "following codes" not in answer


def test_a_near_duplicate_qualified_by_words_the_question_lacks_loses(embedder):
    """Siblings (titles sharing a word) are told apart by what each adds: a product the question does not name loses;
    titles with nothing in common are not compared this way."""
    product, general = uuid.uuid4(), uuid.uuid4()
    candidates = [
        (product, "Lime Green Account: Mobile Deposits and Daily Limits", 0.62),
        (general, "Depositing a Check Into Your Account", 0.60),
    ]
    assert pick_article("mobile check deposit keeps rejecting my photos", candidates, embedder) == general
    assert pick_article("lime green mobile deposit limit per day?", candidates, embedder) == product


def test_personal_is_the_default_and_business_a_qualifier(embedder):
    business, personal = uuid.uuid4(), uuid.uuid4()
    candidates = [
        (business, "Internal: Closing Business Checking Accounts", 0.5),
        (personal, "Internal: Closing Personal Checking Accounts", 0.5),
    ]
    question = "customer wants to close a Blue Account they opened 40 days ago, is there a fee?"
    assert pick_article(question, candidates, embedder, staff=True) == personal
    assert pick_article("closing a business checking account early, any fee?", candidates, embedder) == business


def test_a_qualifier_the_question_rules_out_loses(embedder):
    """ "not the business card" names the business card only to rule it out: its near-duplicate wins, although
    retrieval put it first; a question that does not rule it out keeps retrieval's order."""
    business, personal = uuid.uuid4(), uuid.uuid4()
    candidates = [
        (business, "Business Silver Rewards Card: How to File a Travel Insurance Claim", 0.39),
        (personal, "Silver Rewards Card: How to File a Travel Insurance Claim", 0.36),
    ]
    question = "my flight got delayed and I paid the hotel myself. it was booked on my Silver Rewards card ({}). how do I claim it back?"
    assert negated(question.format("personal one, not the business card")) == {"busines"}
    assert pick_article(question.format("personal one, not the business card"), candidates, embedder) == personal
    assert pick_article(question.format("the business card"), candidates, embedder) == business
    assert negated("Our business Silver Saver (not Silver Plus) had 8 transfers out") == {"plu"}


def test_what_the_asker_has_none_of_is_not_what_is_asked(embedder):
    """ "has no checking account with us" tells what the customer lacks: the runbook on opening a checking account,
    retrieved first, is not the one on opening the savings account asked about."""
    checking, savings = uuid.uuid4(), uuid.uuid4()
    candidates = [
        (checking, "Internal: Opening Personal Checking Accounts", 0.525),
        (savings, "Internal: Opening Personal Savings Accounts", 0.522),
    ]
    question = "customer wants to open a personal savings account but has no checking account with us, can I?"
    assert negated(question) == {"check"}
    assert negated("she doesn't have a checking account. can she open a savings account?") == {"check"}
    assert pick_article(question, candidates, embedder, staff=True) == savings
    assert pick_article("customer wants to open a personal checking account, can I?", candidates, embedder) == checking


def test_a_bracketed_qualifier_the_question_names_of_a_sibling_decides(embedder):
    """ "Green Account (checking)" and "Green Account (savings)" name one product line told apart in brackets: a question
    naming the savings one is not answered by the checking one, though retrieval put it first; a question naming
    neither keeps retrieval's order, and an audience mark in brackets is no qualifier."""
    checking, savings = uuid.uuid4(), uuid.uuid4()
    titles = ["FAQ: Green Account (checking)", "Green Account (savings): Why is paperless required?"]
    candidates = [(checking, titles[0], 0.63), (savings, titles[1], 0.575)]
    question = "can I get paper statements mailed for my Green savings account?"
    assert other_bracket(question, titles) == [(0, 1)]
    assert pick_article(question, candidates, embedder) == savings
    assert other_bracket("can I get paper statements mailed for my Green account?", titles) == []
    assert pick_article("can I get paper statements for my Green account?", candidates, embedder) == checking
    internal = ["Applying a Statement Credit (Internal)", "Applying a Statement Credit (personal)"]
    assert other_bracket("applying a personal statement credit", internal) == []


RAISES = """## Eligibility

Before granting a temporary raise of a debit card's ATM limit, verify all of the following:
1. The linked checking account is open and in good standing, with no holds or restrictions placed on it by the bank.
2. The account is at least 60 days old on the day of the request, counted from the day it was opened.
3. No overdraft fees were charged on the account in the last 30 days, whatever their amount.
4. The debit card is active, not frozen, not reported lost or stolen, and not waiting for activation.

## Raise rules

Temporary ATM limit raises follow these rules:
- Maximum raise: the new temporary ATM limit cannot exceed 150% of the card's current daily limit, whatever is asked.
- Duration: a temporary raise lasts 24 hours from the moment it is granted, and then the limit goes back on its own.
- Frequency: only one temporary raise can be granted per card in any 24-hour period, even when the first one was small.
"""


def test_a_short_list_completing_the_answer_is_given_whole(embedder):
    """The answer so far (the eligibility checks) leaves room for one rule only; the rules go together, so the short
    list it belongs to is given whole, with the line leading into it."""
    passages = _passages(RAISES)
    core = Composed(_join(_units(passages[0].content)), "fact", [passages[0].section], [passages[0].content])
    question = "customer wants their debit ATM limit raised from $500 to $1,000 for a trip tomorrow. can I do that?"
    answer = _extend(question, passages, core, embedder).text
    assert answer.startswith(core.text)
    assert all(rule in answer for rule in ("150%", "lasts 24 hours", "only one temporary raise", "follow these rules:"))


def test_the_unit_stating_the_amount_the_customer_quotes_answers(embedder):
    """A customer quoting the amount they were charged ("$25", "$12.50") is answered by the unit stating that amount
    ("$25.00"), not by its sibling that only reads closer."""
    units = [
        "- Personal accounts: a returned deposit fee of $12.50 is charged per returned item.",
        "- Business accounts: a returned deposit fee of $25.00 is charged per returned item.",
    ]
    for question, stated in [
        ("I was charged $25 for a returned deposit, which account fee is that?", 1),
        ("there's a $12.50 returned deposit fee on my statement, why?", 0),
    ]:
        scores = _scores(question, units, ["", ""], embedder, question_need(question))
        assert max(range(2), key=scores.__getitem__) == stated


def test_the_overlap_chunking_repeats_is_read_once():
    """Each chunk repeats the end of the one before; an article's passages are read without that repeat, so no
    answer says a sentence twice (once whole, once cut at the chunk's start)."""
    sentences = [f"Rule {i}: a recurring block stops every subscription payment on card {i}." for i in range(40)]
    text = "\n\n".join(sentences)
    chunks = chunk(text)
    assert len(chunks) > 2 and chunks[1].content[:20] in chunks[0].content  # chunking overlaps
    parts = [chunks[0].content] + [_after_overlap(a.content, b.content) for a, b in zip(chunks, chunks[1:])]
    assert "\n\n".join(parts) == text


TIERS = """When a customer asks for a replacement debit card, the rules vary by the checking account's tier.

ENTRY TIER:
- Maximum 2 replacement cards per rolling 12-month period
- If customer has exceeded the 2-card limit, they must wait, OR pay a $25 excess replacement fee

MID TIER:
- Maximum 3 replacement cards per rolling 12-month period
- If customer has exceeded the 3-card limit, they must wait, OR pay a $15 excess replacement fee

PREMIUM TIER:
- Maximum 5 replacement cards per rolling 12-month period
- If customer has exceeded the 5-card limit, they must wait (no fee option)

ELITE TIER:
- Unlimited replacement cards
- Complimentary shipping on all replacements, standard, expedited and rush alike

Card design fees:
- CLASSIC design: design_fee $0 on every tier
- PREMIUM design (metallic silver): design_fee $10, complimentary on the premium and elite tiers
- CUSTOM design (uploaded image): design_fee $25, discounted to $15 on the premium tier

How to Check Replacement History:
1) Retrieve all cards for the account
2) Count cards issued within the last 12 months
"""


def test_the_list_under_the_lead_the_question_names_answers(embedder):
    """Sibling lists ("ENTRY TIER:", "MID TIER:"): the one the question names answers, although a sibling's item is
    closer to another of its words ("third" next to the 3-card limit): its item is in the answer."""
    answer = compose(
        "Customer with an entry-tier checking account lost her debit card again - this would be her third replacement "
        "in the past year. What are her options?",
        _passages(TIERS),
        embedder,
    ).text
    assert "pay a $25 excess" in answer


def test_a_runbook_marked_internal_after_its_title_is_a_runbook(embedder):
    """ "Provisional Credit Eligibility Guidelines (Internal)" is staff's runbook as much as "Internal: ..." is: staff
    are answered from it, and a customer from the customer-facing article when one competes."""
    marked, other = uuid.uuid4(), uuid.uuid4()
    question = "a cardholder disputes a large unauthorized charge, what's the most provisional credit we can give?"
    candidates = [
        (other, "What is Provisional Credit?", 0.53),
        (marked, "Provisional Credit Eligibility Guidelines (Internal)", 0.50),
    ]
    assert pick_article(question, candidates, embedder, staff=True) == marked
    assert pick_article(question, candidates, embedder) == other


async def test_the_opening_is_compared_without_the_help_centers_own_name(helpcenter, embedder):
    """The first-login article opens on "Nexa" in every sentence: with the own name left out of the question and the
    openings (embedded again), a trial question about nexa is closest to the pricing page, not to the first login."""
    question = "thinking about trying nexa for my 6 person team. is there a free trial and do we need to put a card in?"
    async with helpcenter.session() as s:
        titles = {a.title: a.id for a in (await s.execute(select(KbArticle))).scalars()}
        ids = [titles["Plans and pricing"], titles["Your first login to Nexa CRM"]]
        vector = embed_cached(embedder, [question])[0]
        stored = await opening_similarities(s, ids, vector)
        common = await own_names(s, question)
        plain = await opening_similarities(s, ids, vector, embedder=embedder, question=question, common=common)
    assert common == ["nexa"]
    assert stored[ids[1]] > stored[ids[0]]  # the name draws the first login close
    assert plain[ids[0]] > plain[ids[1]]


async def test_a_long_question_naming_an_articles_error_code_is_answered_from_it(helpcenter, embedder):
    """A long story around an error code scores under the relevance floor (its many words are in no passage), but the
    code named in an article's title is the problem: that article answers."""
    question = (
        "trying to pull every closed deal since 2019 into a spreadsheet for the board. the download thing spins "
        "forever and then says EXP-504. it's like 80k rows. how do i actually get the file?"
    )
    async with helpcenter.session() as s:
        hits = await search(s, embedder, question, limit=6)
        assert hits[0].score < RELEVANCE_FLOOR
        context = ToolContext(session=s, actor=Actor.customer("visitor-code"), settings=Settings(), embedder=embedder)
        result = await TOOLSET.get("kb_search").run(context, {"query": question})
    assert result.data["found"] and result.data["passages"][0]["title"] == "Report export times out (EXP-504)"


def test_a_reference_right_after_the_closest_sentence_hands_over_the_answer(embedder):
    """ "If I zip it, will it get under your import limit?" is closest to the limit itself ("up to 100,000 rows and 50
    MB"); the sentence after it sends the reader to the IMP-413 article, which answers (compressing does not help)."""
    error = uuid.uuid4()
    guide = _passages((HELP_CENTER / "import-contacts-csv.md").read_text().split("---", 2)[2])
    question = "Our contact CSV is 70MB. If I zip it, will it get under your import limit?"
    _, closest = best_sentence(question, guide, embedder)
    assert "IMP-413" not in closest
    assert referred(question, guide, [(error, "Import file too large (IMP-413)")], embedder) == error


def test_an_article_that_never_names_the_alternative_asked_does_not_answer(embedder):
    """The email-tracking article tells of opens only: whether tracking also records link clicks it cannot say."""
    text = (HELP_CENTER / "email-tracking.md").read_text().split("---", 2)[2]
    assert (
        compose("Does Nexa email tracking also record link clicks, or only opens?", _passages(text), embedder).text
        == ""
    )
    assert compose("does email tracking record opens?", _passages(text), embedder).text


SIBLINGS = {
    "raise-limit.md": (
        "How do I increase my sending limit?",
        "Open Settings > Limits and choose Request increase. Add a reason and submit; we email you our decision.",
    ),
    "limits-by-period.md": (
        "Sending limits by period",
        "Verified members can send up to $2,500 each day and $10,000 each month. New members start lower.",
    ),
    "senior-checking.md": (
        "Evening Account specifications",
        "Designed for customers aged 62 and older. Foreign ATM fee: $0.00. Monthly fee: $0.00.",
    ),
    "everyday-atm.md": (
        "Foreign ATM fees for Everyday checking",
        "Each foreign ATM withdrawal costs $3.50. Fees are listed on your statement.",
    ),
    "rent-payments.md": (
        "Sending money for rent",
        "Pay your landlord from the app. Add the landlord as a contact and choose Send.",
    ),
    "raise-timing.md": (
        "Getting your sending limit raised",
        "Choose Request increase under Settings > Limits. Requests are reviewed within 2 business days.",
    ),
    "close-personal.md": (
        "Internal: Closing Personal Checking Accounts",
        "Tiers:\n\n- ENTRY TIER (Light Blue Account): early closure fee $15 within 30 days; notice 0 days\n"
        "- MID TIER (Blue Account, Green Account): early closure fee $25 within 60 days; notice 3 days",
    ),
    "close-business.md": (
        "Internal: Closing Business Checking Accounts",
        "Tiers:\n\n- ENTRY TIER (Navy Blue): early closure fee $20 within 30 days; notice 5 days\n"
        "- MID TIER (True Blue, Sky Blue): early closure fee $40 within 60 days; notice 10 days",
    ),
}


@pytest.fixture
async def siblings(db, embedder, tmp_path):
    for name, (title, body) in SIBLINGS.items():
        (tmp_path / name).write_text(f"---\ntitle: {title}\nvisibility: public\n---\n{body}\n")
    async with db.session() as s:
        await ingest(s, read_paths([tmp_path]), embedder)
        ids = {a.title: a.id for a in (await s.scalars(select(KbArticle))).all()}
    return db, ids


async def _chosen(db, ids, embedder, question: str, scored: list[tuple[str, float]]) -> str:
    candidates = [(ids[title], title, score) for title, score in scored]
    async with db.session() as s:
        chosen = await choose_article(s, embedder, question, candidates)
    return next(title for title, _ in scored if ids[title] == chosen)


async def test_a_sibling_never_naming_the_period_asked_does_not_answer(siblings, embedder):
    """ "the daily sending limit" asks of a day: the how-to on raising the limit, retrieved first, never names one, so
    its sibling giving the limit per day and month answers; a question naming no period keeps the usual pick."""
    db, ids = siblings
    scored = [("How do I increase my sending limit?", 0.7), ("Sending limits by period", 0.6)]
    question = "what is the daily sending limit for a verified member?"
    assert pick_article(question, [(ids[t], t, s) for t, s in scored], embedder) == ids[scored[0][0]]
    assert await _chosen(db, ids, embedder, question, scored) == "Sending limits by period"
    assert await _chosen(db, ids, embedder, "how do I get my sending limit raised?", scored) == scored[0][0]


async def test_a_product_named_by_the_age_of_its_customers_is_the_one_answered_from(siblings, embedder):
    """ "the checking for over-62s" is the account "designed for customers aged 62 and older", whatever its name."""
    db, ids = siblings
    scored = [("Foreign ATM fees for Everyday checking", 0.5), ("Evening Account specifications", 0.45)]
    question = "I have the checking for over-62s. do I still pay the foreign ATM fee when I travel?"
    assert pick_article(question, [(ids[t], t, s) for t, s in scored], embedder) == ids[scored[0][0]]
    assert await _chosen(db, ids, embedder, question, scored) == "Evening Account specifications"


async def test_steps_asked_with_a_duration_are_answered_by_a_sibling_stating_one(siblings, embedder):
    """ "How do I get it raised, and how long does that take?" asks a duration besides the steps: the rent article
    retrieved first states none, the one on raising the limit does ("within 2 business days")."""
    db, ids = siblings
    scored = [("Sending money for rent", 0.5), ("Getting your sending limit raised", 0.42)]
    question = (
        "I pay my rent with the app and keep hitting the cap. How do I get it raised, and how long does that take?"
    )
    assert pick_article(question, [(ids[t], t, s) for t, s in scored], embedder) == ids[scored[0][0]]
    assert await _chosen(db, ids, embedder, question, scored) == "Getting your sending limit raised"


def test_the_names_a_question_writes_and_an_article_naming_only_their_siblings():
    """A name of several words is read whole, also opening the question, without what the question rules out; an
    article writing "Navy Blue" and "True Blue" but never "Blue Account" (whole: "Light Blue Account" is another) names
    only its siblings."""
    assert name_phrases("Customer opened a Blue Account about 5 weeks ago. Is there a fee?") == ["Blue Account"]
    assert name_phrases("Gold Plus Saver - how many times a month can I move money out?") == ["Gold Plus Saver"]
    assert name_phrases("Our business Silver Saver (not Silver Plus) had 8 transfers out") == ["Silver Saver"]
    assert name_phrases("Do Rho-Bank employees get a discount?") == []
    assert names_other("Blue Account", "ENTRY TIER (Navy Blue); MID TIER (True Blue, Sky Blue)")
    assert not names_other("Blue Account", "MID TIER (Blue Account, Green Account)")
    assert names_other("Blue Account", "FAQ: Light Blue Account")
    assert not names_other("Everyone Pay", "Sending limits per day and month")  # no sibling named: it may be implied


async def test_an_article_naming_only_siblings_of_the_product_asked_loses(siblings, embedder):
    """The business closing runbook lists Navy Blue and True Blue, never the Blue Account the question names: the
    personal one, which lists it, answers, though titles alone pick the business one."""
    db, ids = siblings
    scored = [
        ("Internal: Closing Business Checking Accounts", 0.50),
        ("Internal: Closing Personal Checking Accounts", 0.49),
    ]
    question = "Customer opened a Blue Account about 5 weeks ago and now wants to close it. Is there a fee?"
    assert pick_article(question, [(ids[t], t, s) for t, s in scored], embedder) == ids[scored[0][0]]
    assert await _chosen(db, ids, embedder, question, scored) == scored[1][0]
    question = "Customer opened a checking account 5 weeks ago and wants to close it. Is there a fee?"  # no name
    expected = pick_article(question, [(ids[t], t, s) for t, s in scored], embedder)
    assert ids[await _chosen(db, ids, embedder, question, scored)] == expected


def test_an_article_never_naming_the_period_of_the_limit_asked_does_not_answer(embedder):
    """An article on a driver card's daily cap cannot say whether a monthly limit can be set besides it."""
    text = "Set a daily cap per driver card up to $1,250. Caps reset at midnight. Change caps under Card controls."
    asked = "Besides the daily cap, can I set a monthly spending limit on each driver card, and what's the maximum?"
    assert compose(asked, _passages(text), embedder).text == ""
    assert "$1,250" in compose("what's the daily cap on a driver card?", _passages(text), embedder).text


def test_a_period_adjective_is_its_period_when_titles_are_told_apart(embedder):
    """ "daily" is "day": the title "Sending limits - per day and month" adds no word the question lacks."""
    by_period, raise_ = uuid.uuid4(), uuid.uuid4()
    candidates = [
        (raise_, "How do I increase my Everyone Pay sending limit?", 0.566),
        (by_period, "Sending limits — per day and month", 0.598),
    ]
    question = "what is the daily sending limit on Everyone Pay for a verified account?"
    assert pick_article(question, candidates, embedder) == by_period


def test_an_article_never_naming_a_place_does_not_say_where(embedder):
    """How trees are earned is no answer to where they are planted; how they are earned is answered."""
    text = (
        "Each time your eligible spend reaches another multiple of $750, a tree is scheduled for planting. Trees are "
        "queued after eligible transactions settle. Your tracker shows the amount remaining to reach $750."
    )
    assert compose("where are the trees actually planted, which country?", _passages(text), embedder).text == ""
    assert "$750" in compose("how much do I need to spend for a tree to be planted?", _passages(text), embedder).text


CHECK_DEPOSIT = """## Before you start
- Confirm the check is payable to you and is not altered or damaged.
- Endorse the back of the check. Include any required restrictive endorsement (for example, "For mobile deposit only").

## Step-by-step: Mobile check deposit
1. Open the mobile app and sign in.
2. Choose Mobile Check Deposit and enter the check amount exactly as printed.
3. Photograph the front and the back of the check, then submit.

## Funds availability
- Standard deposits are typically available within 1-2 business days.
- Certain deposits may be held for extended review; the app shows the expected availability date.
- Deposits made after 8 pm count as made on the next business day.

## Common issues and how to resolve them
- Image quality error: Retake photos with better lighting and ensure all corners are visible.
- Endorsement missing: Sign the back and include the required restrictive wording, then resubmit.
- Amount mismatch: Edit the entered amount to exactly match the check and resubmit.
- Duplicate deposit detected: Do not attempt to redeposit; contact support through the app.
"""


def test_an_answer_referring_to_what_it_does_not_spell_out_gets_the_unit_that_does(embedder):
    """ "Include the required restrictive wording" tells the customer to write something without saying what: the
    unit quoting it ("For mobile deposit only") completes the answer; an answer naming nothing unsaid gets nothing."""
    units = _units(CHECK_DEPOSIT)
    endorse = next(i for i, u in enumerate(units) if "For mobile deposit only" in u)
    missing = next(u for u in units if u.startswith("- Endorsement missing"))
    assert _spelled_out(missing, units) == [endorse]
    assert _spelled_out(units[endorse], units) == []  # already said
    assert _spelled_out("- Retake photos with better lighting.", units) == []
    question = "my phone keeps bouncing my check back saying something about the endorsement. what am I doing wrong"
    answer = compose(question, _passages(CHECK_DEPOSIT), embedder).text
    assert "Endorsement missing" in answer and "For mobile deposit only" in answer


async def test_a_how_to_whose_article_stands_clear_is_answered_under_the_weak_match_score(helpcenter, embedder):
    """ "Add a colleague to our workspace" holds none of the invitation article's words and scores under WEAK_SCORE,
    but it asks how to do something and that article stands well clear of every other: it answers. A yes/no question
    about what no article says (a nonprofit discount), however clear its best match, stays unanswered."""
    tool = TOOLSET.get("kb_search")
    visitor = Actor.customer("visitor-howto")
    async with helpcenter.session() as s:
        context = ToolContext(session=s, actor=visitor, settings=Settings(), embedder=embedder)
        hits = await search(s, embedder, "how do I add a colleague to our workspace?", limit=6)
        howto = await tool.run(context, {"query": "how do I add a colleague to our workspace?"})
        discount = await tool.run(context, {"query": "is there a discount for registered nonprofits / charities?"})
    assert hits[0].title == "Invite teammates and assign roles" and hits[0].score < WEAK_SCORE
    assert stands_out([h.score for h in hits])
    assert howto.data["found"] and howto.data["passages"][0]["title"] == "Invite teammates and assign roles"
    assert discount.data == {"found": False, "passages": []}


def test_an_outline_is_the_title_and_the_title_with_each_distinct_heading():
    assert outline("Turn on two-factor authentication", ["Enable it", "Enable it", None, "Enforce for everyone"]) == [
        "Turn on two-factor authentication",
        "Turn on two-factor authentication. Enable it",
        "Turn on two-factor authentication. Enforce for everyone",
    ]
    assert outline("Email tracking and open rates", [None, None]) == ["Email tracking and open rates"]


def test_a_low_match_answers_when_its_outline_is_clearly_the_closest():
    """Under the relevance floor the retrieved article whose title or heading is OUTLINE_MARGIN closer to the question
    than any other retrieved article's answers, whatever its rank; not a near tie, nor an article scoring under
    STANDOUT_FLOOR."""
    assert outline_stands_out([0.296, 0.26, 0.2], [0.542, 0.373, 0.2]) == 0
    assert outline_stands_out([0.284, 0.271, 0.18], [0.3, 0.5, 0.2]) == 1  # the second retrieved, by its outline
    assert outline_stands_out([0.296, 0.26, 0.2], [0.542, 0.5, 0.2]) is None  # another outline nearly as close
    assert outline_stands_out([0.137, 0.1], [0.223, 0.1]) is None  # too weak a match to answer at all
    assert outline_stands_out([0.28, 0.2], [0.2, 0.4]) is None  # the clear outline's article scores too low
    assert outline_stands_out([0.296], [0.542]) is None  # nothing to stand clear of


async def _outlined(helpcenter, embedder, question: str):
    """The retrieved articles, their outlines' similarity to the question and the tool's answer, as a customer."""
    tool = TOOLSET.get("kb_search")
    async with helpcenter.session() as s:
        context = ToolContext(
            session=s, actor=Actor.customer("visitor-outline"), settings=Settings(), embedder=embedder
        )
        hits = await search(s, embedder, question, limit=6)
        outlines = await outline_similarities(s, [h.article_id for h in hits], embedder, question)
        return hits, outlines, await tool.run(context, {"query": question})


@pytest.mark.parametrize(
    ("question", "title", "said"),
    [
        (
            "how do I send one email to a lawyer without the open tracking thing on it? the rest can stay tracked",
            "Email tracking and open rates",
            "eye icon",
        ),
        (
            "can I make two-factor mandatory for my whole team?",
            "Turn on two-factor authentication",
            "Settings > Security",
        ),
    ],
)
async def test_a_question_whose_articles_title_or_heading_is_clearly_the_closest_is_answered_under_the_floor(
    helpcenter, embedder, question, title, said
):
    """These score under the relevance floor on every passage and no article's score stands out, but the article's
    title ("Email tracking and open rates"), or its title with a section heading ("... Enforce for everyone"), is far
    closer to the question than any other retrieved article's: it answers, with what resolves it."""
    hits, outlines, found = await _outlined(helpcenter, embedder, question)
    assert hits[0].title == title and hits[0].score < RELEVANCE_FLOOR
    # (whether the first score also stands out from the rest depends on the CPU the int8 encoder runs on: on AVX-512
    # the two-factor article's does; the answer is the same)
    assert outline_stands_out([h.score for h in hits], [outlines[h.article_id] for h in hits]) == 0
    assert found.data["found"] and found.data["passages"][0]["title"] == title
    assert said in found.data["answer"]["text"]


async def test_a_lower_ranked_article_whose_title_is_clearly_the_closest_answers_under_the_floor(helpcenter, embedder):
    """A plan downgrade told in other words ("go from Enterprise to Professional") scores under the floor everywhere,
    the SSO article first; "Upgrade or downgrade your plan", retrieved second, is by its title far the closest: the
    answer is its rule (features stay until the end of the billing period), not the SSO set-up."""
    question = (
        "We're downsizing and want to go from Enterprise to Professional. How do we do that, and do we lose SSO the "
        "same day?"
    )
    hits, outlines, found = await _outlined(helpcenter, embedder, question)
    titles = [h.title for h in hits]
    if titles[0] == "Upgrade or downgrade your plan" and hits[0].score >= RELEVANCE_FLOOR:
        # On AVX-512 the int8 encoder ranks the plan article first, just over the floor and next to the SSO set-up
        # (0.304 / 0.301), and the how-to preference then answers with the SSO steps: a known wrong answer (issue #20)
        pytest.xfail("with this CPU's encoder scores the plan article is first and the SSO steps answer (issue #20)")
    assert hits[0].score < RELEVANCE_FLOOR and titles[0] != "Upgrade or downgrade your plan"
    best = outline_stands_out([h.score for h in hits], [outlines[h.article_id] for h in hits])
    assert best is not None and titles[best] == "Upgrade or downgrade your plan"
    assert found.data["found"] and found.data["passages"][0]["title"] == "Upgrade or downgrade your plan"
    assert "billing period" in found.data["answer"]["text"]


async def test_an_unanswerable_question_is_not_answered_for_its_best_outline(helpcenter, embedder):
    """A discount the help center never mentions stays unanswered, whatever its best article's outline."""
    tool = TOOLSET.get("kb_search")
    async with helpcenter.session() as s:
        context = ToolContext(
            session=s, actor=Actor.customer("visitor-outline"), settings=Settings(), embedder=embedder
        )
        for question in (
            "Do you offer a discount for nonprofits or charities?",
            "what's the weather in Paris tomorrow?",
        ):
            assert (await tool.run(context, {"query": question})).data == {"found": False, "passages": []}


INSUFFICIENT_FUNDS = """## CODE 51 - Insufficient Funds

The account doesn't have enough funds for the transaction.

1. **Check Current Balance**: Look up the customer's accounts to get the checking account balance.

2. **If balance APPEARS sufficient** for the transaction amount:

   a. **Check Authorization Holds**: Ask the customer if they have any recent authorization holds.
      - Common sources: gas stations (often $75-$150 pre-auth), hotels, car rentals.
      - If holds exist, explain that these holds typically release in 1-3 business days.

   b. **Check Pending Transactions**: Review recent transaction history for pending transactions.
      - Pending debits reduce available balance.

3. **If balance is genuinely insufficient**:
   - Inform customer of their balance.
"""


def test_the_items_nested_under_a_lettered_sub_step_belong_to_it(embedder):
    """A lettered sub-step ("a. **Check Authorization Holds**: ...") holds the items nested under it, as a list item
    holds its own: the step's detail ("these holds typically release in 1-3 business days") comes with it, and the
    next lettered step is a unit of its own."""
    units = _units(INSUFFICIENT_FUNDS)
    holds = next(u for u in units if u.startswith("a. **Check Authorization Holds**"))
    assert "gas stations" in holds and "1-3 business days" in holds and "Pending debits" not in holds
    assert any(u.startswith("b. **Check Pending Transactions**") and "Pending debits" in u for u in units)
    assert "3. **If balance is genuinely insufficient**: Inform customer of their balance." in units
    question = "debit card declined with code 51 but the app shows enough money, and I filled up at a gas station"
    answer = compose(question, _passages(INSUFFICIENT_FUNDS), embedder).text
    assert "authorization holds" in answer and "1-3 business days" in answer


DEPOSIT_STEPS = """## Summary
Customers deposit checks with mobile check deposit. The customer takes a photo of the front and back of the check in
the app. Standard deposits are typically available within 1-2 business days.

## Before you start
- Confirm the check is payable to the account owner and is not altered or damaged.
- Endorse the back of the check. Include any required restrictive endorsement (for example, "For mobile deposit only").
- Ensure the check date and numeric/written amounts match.

## Step-by-step: Mobile check deposit
1. Open the mobile app and sign in.
2. Select the checking or savings account you want to deposit into.
3. Choose Mobile Check Deposit.
4. Enter the check amount exactly as printed.
5. Capture photos:
   - Front: all four corners visible, no shadows or glare.
   - Back: clear endorsement and all corners visible.
6. Review deposit details, confirm the destination account, and submit.
7. Keep the paper check in a secure place until the deposit is posted, then destroy it.

## If you are working with an agent
- The agent will give you access to the deposit_check tool.
- You will be prompted to call deposit_check(account_id, check_amount) from within the app to give the account and amount.
- The agent cannot deposit checks on your behalf. You must complete the deposit yourself in the mobile app.

## Photo and submission tips
- Place the check on a dark, flat background with good, even lighting.
- Turn off flash if it causes glare; avoid shadows and folded edges.

## After you submit
- Monitor deposit status in the app's transaction history for updates and availability.
- Retain the paper check until the deposit shows as posted and available, then securely destroy it.
"""


def test_a_question_asking_what_to_write_gets_the_words_quoted(embedder):
    """ "What do I write on the back of a check" asks for the words themselves: the steps say only "clear
    endorsement", so the unit quoting the wording ("For mobile deposit only") completes the answer."""
    question = "what do I write on the back of a check before depositing it in the app?"
    answer = compose(question, _passages(DEPOSIT_STEPS), embedder).text
    assert "1. Open the mobile app" in answer and "For mobile deposit only" in answer
    assert _WORDING.search("What should we put in the memo line?") and _WORDING.search("what wording do I use")
    assert not _WORDING.search("what do I do if the check bounces?")


RECURRING_BLOCK = """When a customer has issues with recurring debit card charges (subscriptions, memberships, automatic payments),
there are two different processes depending on what they need.

**DISPUTE (Past Charges):**
Use the standard debit dispute process for charges that have already occurred. This applies when:
- Customer cancelled with merchant but was charged after cancellation
- Customer never authorized the recurring charge
- Amount charged differs from agreed amount

For recurring charge disputes, the dispute_category should be 'recurring_charge_after_cancellation'.

**BLOCK RECURRING PAYMENTS (Future Charges):**
To prevent future recurring charges on a debit card, use the recurring block feature. This blocks ALL
recurring/subscription payments on the card - not just a specific merchant.

Blocking Process:
1. Verify customer identity
2. Explain that this will block ALL recurring payments on the card, not just one merchant
3. Use set_recurring_block with the card_id and block_recurring: true
4. Inform customer:
   - Block takes effect within 24 hours
   - One-time purchases are not affected - only recurring/subscription charges
   - This does not cancel their subscriptions with merchants - they must still contact merchants directly
   - Block remains active until customer requests it to be removed

**When Customer Needs BOTH:**

If customer was charged after cancellation AND wants to prevent future charges:
1. First file the dispute for past charges
2. Then set up the recurring block for future protection
3. Still advise customer to confirm cancellation directly with merchant in writing

**Important Notes:**
- The recurring block affects ALL recurring payments, not just specific merchants
- If customer only wants to block one merchant, advise them to cancel directly with that merchant
- Customer can unblock recurring payments at any time by calling back
"""


def test_the_instruction_for_the_case_the_question_tells_answers(embedder):
    """ "She wants only that one gym blocked" is the case of "If customer only wants to block one merchant, advise them
    to cancel directly with that merchant": the line about the asker's situation answers, beside the procedure, which
    blocks every recurring payment. A case the question does not tell gets no bonus."""
    case = "- If customer only wants to block one merchant, advise them to cancel directly with that merchant"
    question = (
        "customer keeps getting charged by a gym she cancelled, she wants only that one gym blocked from her debit "
        "card going forward. what do we do?"
    )
    assert _tells_case(case, question)
    assert not _tells_case(case, "how do I block all recurring payments on a card?")
    assert not _tells_case("1. Verify customer identity", question)
    answer = compose(question, _passages(RECURRING_BLOCK), embedder).text
    assert "cancel directly with that merchant" in answer
