"""Properties (Hypothesis): the offline slot parsers and the services' invariants, for any input.

Parsers (pure, hundreds of examples each): an amount written the ways people write money reads
back as the same value; relative dates land where the rules in assistant/offline/slots.py say,
relative to any `today`; names never contain stop words; and no text makes a parser raise.

Services (real PostgreSQL, a few dozen generated sequences each): every operation runs in its own
transaction, as one API call does, and after each one the record is read back in a fresh session
and compared with a model of what the spec (README, "Business rules") says it should be:
- deals: weighted_value = round(amount x probability / 100, 2), the stage's probability unless
  overridden, closed stages final;
- leads: only the lifecycle's transitions happen; a refused move raises and changes nothing;
- accounts: no parent assignment makes a cycle; a refused one changes nothing; roll-ups cover
  exactly the descendants.

The expected tables are written from the spec here, not imported from the services, so that the
services are checked against the spec rather than against themselves.
"""

from __future__ import annotations

import calendar
import itertools
import string
import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from assistant.offline.slots import (
    MASK,
    MONTHS,
    STOPWORDS,
    WEEKDAYS,
    find_amount,
    find_date,
    find_duration,
    find_name,
    find_time,
    mask,
    name_runs,
    tokens,
)
from store.errors import Conflict, DomainError, InvalidInput, InvalidTransition
from store.models import Account, Deal, Lead
from store.models.enums import LeadStatus
from store.services import AccountService, DealService, LeadService
from tests.support.factories import SYSTEM

PURE = settings(max_examples=300, derandomize=True, deadline=None, database=None)
# The service properties share one emptied database per test (function-scoped `db`), so each
# example makes its own records; a few dozen sequences keep the module at a few seconds.
SERVICE = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TODAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))

# Words that read like CRM text to the parsers, mixed with arbitrary text by the crash properties.
VOCABULARY = [
    "in",
    "on",
    "by",
    "at",
    "the",
    "of",
    "end",
    "next",
    "this",
    "coming",
    "before",
    "until",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "quarter",
    "year",
    "today",
    "tomorrow",
    "tonight",
    "after",
    "eom",
    "eoq",
    "Q1",
    "q4",
    "am",
    "pm",
    "noon",
    "midnight",
    "half",
    "an",
    "hour",
    "hours",
    "minutes",
    "min",
    "k",
    "m",
    "M",
    "bn",
    "grand",
    "thousand",
    "million",
    "usd",
    "dollars",
    "euros",
    "$",
    "€",
    "£",
    ",",
    ".",
    "/",
    ":",
    "-",
    "%",
    "#",
    "deal",
    "lead",
    "with",
    "for",
    "call",
    "Acme",
    "Sarah",
    "Tom",
    "Smith",
    "worth",
    "closing",
    "lost",
    "won",
    *calendar.month_name[1:],
    *calendar.month_abbr[1:],
    *WEEKDAYS,
]
NUMBERS = st.one_of(
    st.integers(0, 10**12),
    st.integers(0, 99),
    st.sampled_from([2**31, 2**63, 10**9, 999_999_999]),
    st.decimals(0, 10**7, places=2, allow_nan=False, allow_infinity=False),
).map(str)
CRM_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(VOCABULARY), NUMBERS, st.text(string.printable, max_size=6)), max_size=12).map(
        " ".join
    ),
    st.tuples(
        st.sampled_from(["in", "for", "by", "at", "worth", "next"]),
        NUMBERS,
        st.sampled_from(["days", "weeks", "months", "hours", "minutes", "k", "m", "dollars", "pm", "Friday"]),
    ).map(" ".join),
)


def _no_raise(parse, *args, **kwargs):
    """The parser's result; an exception fails the property with the exact call that raised it."""
    try:
        return parse(*args, **kwargs)
    except Exception as err:
        call = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        raise AssertionError(f"{parse.__name__}({call}) raised {err!r}") from err


# ----------------------------------------------------------------------------------- money


def _plain(value: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros after the point."""
    return format(value.normalize(), "f")


def _grouped(value: Decimal) -> str:
    """With thousands separators, and cents when there are any: 12,500 or 1,234.56."""
    return f"{value:,.2f}".removesuffix(".00")


CENTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
WHOLE = st.integers(0, 10**9).map(Decimal)


@st.composite
def written_amounts(draw) -> tuple[str, Decimal]:
    """An amount and one way of writing it."""
    shape = draw(st.sampled_from(["dollar", "grouped", "code", "k", "m", "word", "symbol"]))
    if shape == "dollar":  # $12,500 / $12,500.50 / $40
        value = draw(CENTS)
        return f"${_grouped(value)}", value
    if shape == "grouped":  # 12,500 (a bare number counts from 1,000 up)
        value = draw(CENTS.filter(lambda v: v >= 1000))
        return _grouped(value), value
    if shape == "code":  # 12500 dollars / 45000 USD / 8,500 euros
        value = draw(CENTS)
        number = draw(st.sampled_from([_plain(value), _grouped(value)]))
        return f"{number} {draw(st.sampled_from(['dollars', 'USD', 'usd', 'euros', 'EUR', 'pounds', 'bucks']))}", value
    if shape == "k":  # 12.5k / 40K / 12.5 thousand / 3 grand
        thousands = draw(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False))
        suffix = draw(st.sampled_from(["k", "K", " k", " thousand", " grand"]))
        return f"{_plain(thousands)}{suffix}", thousands * 1000
    if shape == "m":  # $1.2M / 1.5m / 2 million / 3bn
        millions = draw(st.decimals(min_value=0, max_value=10**3, places=2, allow_nan=False, allow_infinity=False))
        suffix, scale = draw(
            st.sampled_from(
                [("M", 10**6), ("m", 10**6), ("MM", 10**6), (" million", 10**6), ("bn", 10**9), (" billion", 10**9)]
            )
        )
        return f"{draw(st.sampled_from(['', '$']))}{_plain(millions)}{suffix}", millions * scale
    if shape == "word":  # 45k USD
        thousands = draw(st.integers(1, 999))
        return f"{thousands}k USD", Decimal(thousands * 1000)
    value = draw(CENTS)  # €3,000 / £2,500.75
    return f"{draw(st.sampled_from(['€', '£']))}{_grouped(value)}", value


SENTENCES = [
    "{}",
    "deal worth {} closing soon",
    "convert Dana Whitfield, deal worth {}",
    "budget is {}.",
    "update the amount to {}",
    "they offered {}, we asked for more",
]


@PURE
@given(written=written_amounts(), sentence=st.sampled_from(SENTENCES))
@example(written=("$12,500", Decimal(12500)), sentence="{}")
@example(written=("12.5k", Decimal(12500)), sentence="{}")
@example(written=("12500 dollars", Decimal(12500)), sentence="{}")
@example(written=("$1.2M", Decimal(1_200_000)), sentence="{}")
def test_an_amount_reads_back_as_written(written, sentence):
    text, value = written
    found = find_amount(sentence.format(text))
    assert found is not None, f"nothing found in {sentence.format(text)!r}"
    assert found.value == value, f"{sentence.format(text)!r} read as {found.value}, written as {value}"
    assert sentence.format(text)[found.start : found.end].strip() == text


@PURE
@given(text=CRM_TEXT)
@example(text="$1,2345")
def test_the_amount_parser_never_fails_and_reports_its_span(text):
    found = _no_raise(find_amount, text)
    if found is None:
        return
    assert 0 <= found.start < found.end <= len(text)
    assert found.value >= 0
    again = find_amount(text[found.start : found.end])  # the span it consumed says the same on its own
    assert again is not None and again.value == found.value
    assert len(mask(text, found)) == len(text) and MASK * (found.end - found.start) in mask(text, found)


# ----------------------------------------------------------------------------------- dates


def _friday_of_week(day: date, weeks_ahead: int = 0) -> date:
    return day - timedelta(days=day.weekday()) + timedelta(days=4 + 7 * weeks_ahead)


def _quarter_end(day: date) -> date:
    last_month = (day.month - 1) // 3 * 3 + 3
    return date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


@PURE
@given(today=TODAYS, n=st.integers(0, 400), unit=st.sampled_from(["day", "days", "week", "weeks"]))
def test_in_n_days_or_weeks(today, n, unit):
    found = find_date(f"remind me in {n} {unit}", today)
    assert found is not None and found.value == today + timedelta(days=n * (7 if unit.startswith("week") else 1))


@PURE
@given(today=TODAYS, n=st.integers(1, 120))
def test_in_n_months_lands_in_that_month_on_the_same_day_or_its_last(today, n):
    found = find_date(f"follow up in {n} months", today)
    assert found is not None
    months = (found.value.year - today.year) * 12 + found.value.month - today.month
    assert months == n and found.value > today
    assert found.value.day == today.day or (found.value.day < today.day and _is_month_end(found.value))


@PURE
@given(
    today=TODAYS,
    name=st.sampled_from(sorted(WEEKDAYS)),
    modifier=st.sampled_from(["", "on ", "by ", "this ", "next ", "coming "]),
)
def test_a_weekday_is_the_right_day_in_the_right_week(today, name, modifier):
    found = find_date(f"call Tom {modifier}{name}", today)
    assert found is not None
    day = found.value
    assert day.weekday() == WEEKDAYS[name]
    ahead = (day - today).days
    if modifier == "next ":  # in the following calendar week (weeks start on Monday)
        assert day.isocalendar()[:2] == (today + timedelta(weeks=1)).isocalendar()[:2]
    elif modifier in ("this ", "coming "):  # the first on or after today
        assert 0 <= ahead <= 6
    else:  # the first strictly after today
        assert 1 <= ahead <= 7


@PURE
@given(today=TODAYS)
def test_fixed_relative_phrases(today):
    def at(phrase: str) -> date:
        found = find_date(phrase, today)
        assert found is not None, phrase
        return found.value

    assert at("today") == at("tonight") == today
    assert at("tomorrow") == today + timedelta(days=1)
    assert at("the day after tomorrow") == today + timedelta(days=2)
    assert (
        at("end of month")
        == at("eom")
        == at("this month")
        == date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    )
    assert at("end of quarter") == at("by end of the quarter") == at("eoq") == _quarter_end(today)
    assert at("end of year") == at("this year") == date(today.year, 12, 31)
    assert at("next year") == date(today.year + 1, 12, 31)
    assert at("this week") == _friday_of_week(today) and at("next week") == _friday_of_week(today, 1)
    next_month = at("next month")
    assert (
        _is_month_end(next_month) and (next_month.year * 12 + next_month.month) - (today.year * 12 + today.month) == 1
    )
    next_quarter = at("end of next quarter")
    assert next_quarter == _quarter_end(next_quarter) and 28 <= (next_quarter - _quarter_end(today)).days <= 92


@PURE
@given(today=TODAYS, quarter=st.integers(1, 4))
def test_a_named_quarter_is_the_end_of_its_next_occurrence(today, quarter):
    found = find_date(f"closing Q{quarter}", today)
    assert found is not None
    day = found.value
    assert day == _quarter_end(day) and (day.month - 1) // 3 + 1 == quarter
    assert today <= day and (day - today).days < 366 + 92


@PURE
@given(today=TODAYS, month=st.sampled_from(sorted(MONTHS)), day=st.integers(1, 31), end=st.booleans())
def test_a_named_month_is_its_next_occurrence(today, month, day, end):
    number = MONTHS[month]
    if end:
        found = find_date(f"closing end of {month}", today)
        assert found is not None
        assert found.value.month == number and _is_month_end(found.value)
        assert (found.value.year, found.value.month) >= (today.year, today.month) and (found.value - today).days < 366
        return
    assume(day <= calendar.monthrange(2001, number)[1])  # a day every year has (29 February aside)
    found = find_date(f"meeting on {month} {day}", today)
    assert found is not None
    assert (found.value.month, found.value.day) == (number, day)
    assert today <= found.value and (found.value - today).days < 366


@PURE
@given(written=st.dates(min_value=date(1000, 1, 1)), today=TODAYS)
def test_an_iso_date_is_taken_as_written(written, today):
    found = find_date(f"due {written.isoformat()}", today)
    assert found is not None and found.value == written


# "in N days/weeks/months" with any N a user could type.
SPANS_AHEAD = st.tuples(
    st.sampled_from(["remind me in", "closing in", "in"]), NUMBERS, st.sampled_from(["days", "weeks", "months"])
).map(" ".join)


@PURE
@given(text=CRM_TEXT | SPANS_AHEAD, today=TODAYS)
@example(text="remind me in 9999999999 days", today=date(2026, 11, 24))
@example(text="follow up in 99999 months", today=date(2026, 11, 24))
def test_the_date_and_time_parsers_never_fail(text, today):
    for parse, args in ((find_date, (text, today)), (find_time, (text,)), (find_duration, (text,))):
        found = _no_raise(parse, *args)
        if found is not None:
            assert 0 <= found.start < found.end <= len(text)


# ----------------------------------------------------------------------------------- names

NAME_WORD = st.from_regex(r"\A[A-Z][a-z]{1,9}\Z").filter(lambda w: w.lower() not in STOPWORDS)
TEMPLATES = [
    ("show me {}", ()),
    ("what do we know about {}?", ()),
    ("log a call with {}: asked for a demo", ("with",)),
    ("move the {} deal to proposal", ()),
    ("book a demo with {} next Wednesday 10am", ("with",)),
    ("remind me to email {} by Friday", ("email",)),
]


@PURE
@given(words=st.lists(NAME_WORD, min_size=1, max_size=3), template=st.sampled_from(TEMPLATES))
def test_a_written_name_is_found_whole(words, template):
    text, after = template
    name = " ".join(words)
    assume(not any(word.lower() in after for word in words))
    assume(not MONTHS.keys() & {w.lower() for w in words})  # "May Chen" next to a date is ambiguous by design
    found = find_name(text.format(name), after=after)
    assert found is not None and found.value == name, f"{text.format(name)!r} gave {found}"


@PURE
@given(text=CRM_TEXT, after=st.sampled_from([(), ("with",), ("for", "to")]))
def test_names_never_contain_stop_words_and_never_fail(text, after):
    found = _no_raise(find_name, text, after=after)
    for run in name_runs(text):
        assert not [t for t in tokens(run.value) if t.key in STOPWORDS], run
    if found is None:
        return
    assert text[found.start : found.end] == found.value and found.value.strip()
    words = tokens(found.value)
    assert 1 <= len(words) <= 4
    assert not [w.text for w in words if w.key in STOPWORDS or w.key in after or w.key.isdigit()], found


# ----------------------------------------------------------------------------------- services

STAGE_PROBABILITY = {
    "prospecting": 10,
    "qualification": 25,
    "proposal": 50,
    "negotiation": 75,
    "closed_won": 100,
    "closed_lost": 0,
}
CLOSED = {"closed_won", "closed_lost"}


def weighted(amount: Decimal, probability: int) -> Decimal:
    """PostgreSQL's round(amount * probability / 100, 2): half away from zero (amounts are never negative)."""
    return (amount * probability / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


DEAL_STEPS = st.one_of(
    st.tuples(st.just("move"), st.sampled_from(list(STAGE_PROBABILITY)), st.sampled_from([None, "", "  ", "price"])),
    st.tuples(
        st.just("amount"),
        st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False, allow_infinity=False),
    ),
    st.tuples(st.just("probability"), st.none() | st.integers(0, 100)),
)


async def _try(db, work) -> DomainError | None:
    """Run `work(session)` in its own transaction, as one API call would: a domain error rolls it back."""
    try:
        async with db.session() as s:
            await work(s)
    except DomainError as err:
        return err
    return None


@SERVICE
@given(
    stage=st.sampled_from(["prospecting", "qualification", "proposal", "negotiation"]),
    amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    steps=st.lists(DEAL_STEPS, max_size=8),
)
async def test_weighted_value_follows_amount_and_probability_and_closed_stages_are_final(db, stage, amount, steps):
    async with db.session() as s:
        deal_id = (
            await DealService(s, SYSTEM).create({"deal_name": f"Deal {uuid.uuid4()}", "amount": amount, "stage": stage})
        ).id
    model = {"stage": stage, "amount": amount, "probability": STAGE_PROBABILITY[stage], "override": False}
    for step in steps:
        kind, *args = step
        if kind == "move":
            target, reason = args
            error = await _try(db, lambda s: DealService(s, SYSTEM).move_stage(deal_id, target, reason=reason))
            if model["stage"] in CLOSED or target == model["stage"]:
                assert isinstance(error, InvalidTransition), (step, model, error)
            elif target == "closed_lost" and not (reason or "").strip():
                assert isinstance(error, InvalidInput) and error.field == "lost_reason", (step, error)
            else:
                assert error is None, (step, model, error)
                model["stage"] = target
                if target in CLOSED or not model["override"]:
                    model["probability"] = STAGE_PROBABILITY[target]
        elif kind == "amount":
            assert await _try(db, lambda s: DealService(s, SYSTEM).update(deal_id, {"amount": args[0]})) is None
            model["amount"] = args[0]
        else:
            assert await _try(db, lambda s: DealService(s, SYSTEM).update(deal_id, {"probability": args[0]})) is None
            model["override"] = args[0] is not None
            model["probability"] = STAGE_PROBABILITY[model["stage"]] if args[0] is None else args[0]
        async with db.session() as s:
            deal = await s.get(Deal, deal_id)
            assert (deal.stage.value, deal.amount, deal.probability) == (
                model["stage"],
                model["amount"],
                model["probability"],
            ), step
            assert deal.weighted_value == weighted(deal.amount, deal.probability), (step, deal.amount, deal.probability)


# The lead lifecycle as the README states it: new -> contacted -> qualified -> converted | lost,
# forward moves only, a lost lead may be re-engaged as contacted; converted only by conversion.
LEAD_MOVES = {
    "new": {"contacted", "qualified", "lost"},
    "contacted": {"qualified", "lost"},
    "qualified": {"lost"},
    "lost": {"contacted"},
    "converted": set(),
}
LEAD_STEPS = st.one_of(
    st.tuples(st.just("status"), st.sampled_from([s.value for s in LeadStatus]), st.sampled_from([None, "", "budget"])),
    st.tuples(st.just("convert"), st.booleans()),
)
_leads = itertools.count(1)


@SERVICE
@given(steps=st.lists(LEAD_STEPS, max_size=8))
async def test_a_lead_only_follows_its_lifecycle(db, steps):
    n = next(_leads)
    async with db.session() as s:
        lead_id = (
            await LeadService(s, SYSTEM).create(
                {
                    "first_name": "Prop",
                    "last_name": f"Lead{n}",
                    "email": f"prop{n}-{uuid.uuid4().hex[:8]}@example.test",
                    "source": "website",
                    "company": f"Prop Co {uuid.uuid4()}",
                }
            )
        ).id
    status, lost_reason = "new", None
    for step in steps:
        if step[0] == "status":
            _, target, reason = step
            bant = (
                {"budget": "unknown", "authority": "unknown", "need": "unknown", "timeline": "unknown"}
                if target == "qualified"
                else None
            )
            error = await _try(
                db, lambda s: LeadService(s, SYSTEM).set_status(lead_id, target, reason=reason, bant=bant)
            )
            if target not in LEAD_MOVES[status]:
                assert isinstance(error, InvalidTransition), (status, step, error)
            elif target == "lost" and not (reason or "").strip():
                assert isinstance(error, InvalidInput) and error.field == "reason", (status, step, error)
            else:
                assert error is None, (status, step, error)
                status = target
                lost_reason = reason if target == "lost" else lost_reason
        else:
            error = await _try(db, lambda s: LeadService(s, SYSTEM).convert(lead_id, {"create_deal": step[1]}))
            if status == "converted":
                assert isinstance(error, Conflict), (status, error)
            elif status != "qualified":  # lost, or not qualified yet (the default conversion rule)
                assert isinstance(error, InvalidTransition), (status, error)
            else:
                assert error is None, (status, step, error)
                status = "converted"
        async with db.session() as s:
            lead = await s.get(Lead, lead_id)
            assert (lead.status.value, lead.lost_reason) == (status, lost_reason), step
            assert (lead.converted_at is not None) == (status == "converted")


ACCOUNT_STEPS = st.lists(st.tuples(st.integers(0, 5), st.none() | st.integers(0, 5)), max_size=12)


def _ancestors(parents: dict[int, int | None], node: int) -> list[int]:
    seen = []
    while parents[node] is not None and parents[node] not in seen:
        node = parents[node]
        seen.append(node)
    return seen


@SERVICE
@given(size=st.integers(2, 6), steps=ACCOUNT_STEPS)
async def test_account_parents_never_make_a_cycle(db, size, steps):
    tag = uuid.uuid4().hex[:8]
    async with db.session() as s:
        ids = [(await AccountService(s, SYSTEM).create({"account_name": f"Prop {tag} {i}"})).id for i in range(size)]
    parents: dict[int, int | None] = dict.fromkeys(range(size))
    for child, parent in steps:
        child, parent = child % size, None if parent is None else parent % size
        error = await _try(
            db,
            lambda s: AccountService(s, SYSTEM).update(
                ids[child], {"parent_account_id": None if parent is None else ids[parent]}
            ),
        )
        if parent is not None and (parent == child or child in _ancestors(parents, parent)):
            assert isinstance(error, InvalidInput) and error.field == "parent_account_id", (child, parent, error)
        else:
            assert error is None, (child, parent, error)
            parents[child] = parent
        async with db.session() as s:
            stored = {
                ids.index(a.id): (ids.index(a.parent_account_id) if a.parent_account_id else None)
                for a in [await s.get(Account, i) for i in ids]
            }
            assert stored == parents
            for node in range(size):
                assert node not in _ancestors(parents, node)  # acyclic
                below = {other for other in range(size) if node == other or node in _ancestors(parents, other)}
                rollup = await AccountService(s, SYSTEM).rollup(ids[node])
                assert {ids.index(i) for i in rollup.account_ids} == below


@pytest.mark.parametrize("depth", [10, 55])
async def test_a_cycle_through_a_deep_chain_is_refused(db, depth):
    """The hierarchy's cycle check walks descendants through a recursive query; a chain deeper than
    its walk would let a cycle through. 55 levels is past the depth the query stops at (50)."""
    async with db.session() as s:
        accounts = AccountService(s, SYSTEM)
        chain = [await accounts.create({"account_name": f"Chain {depth} 0"})]
        for level in range(1, depth):
            chain.append(
                await accounts.create({"account_name": f"Chain {depth} {level}", "parent_account_id": chain[-1].id})
            )
        top, bottom = chain[0].id, chain[-1].id
    error = await _try(db, lambda s: AccountService(s, SYSTEM).update(top, {"parent_account_id": bottom}))
    assert isinstance(error, InvalidInput) and error.field == "parent_account_id", (
        f"making the top of a {depth}-level chain a child of its bottom was not refused: {error!r}"
    )
    async with db.session() as s:
        assert (await s.get(Account, top)).parent_account_id is None
