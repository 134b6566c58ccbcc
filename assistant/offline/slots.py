"""Pure slot parsers: dates, times, amounts, contact details, enums and name spans.

Every `find_*` function scans a text and returns a `Found` (value plus the character span it
came from, so callers can mask what was consumed) or None. Nothing here knows about intents.

Date rules, all relative to `today` (the caller's local date):
- "today"/"tonight", "tomorrow", "day after tomorrow", "yesterday" (a meeting or call being logged); "in N days/weeks/months".
- "<weekday>", "on/by/before/until <weekday>": the first such day strictly after today
  (said on a Tuesday, "Tuesday" is a week away). "this <weekday>": the first on or after today.
  "next <weekday>": that weekday in the following calendar week (weeks start on Monday), so on
  Tuesday 24 Nov "next Wednesday" is 2 Dec and "next Tuesday" is 1 Dec.
- A period stands for its last day: "this/next week" -> Friday of that week, "this/next month",
  "this/next quarter", "this/next year", "end of ..." alike, "Q1".."Q4" -> the end of the
  next such quarter (this one if we are in it). "end of <Month>" -> last day of the next such
  month on or after today. "<Month> <day>", "<day> <Month>", "m/d": the next such day on or
  after today unless a year is given. ISO "YYYY-MM-DD" as written.
Times: "10am", "2 pm", "10:30", "14:30", "noon", "midnight", "at 3" (1-7 -> afternoon).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from dateutil.relativedelta import relativedelta

# A task named by its numbered title, as the demo CRM's follow-ups are ("follow up #29"): never a ticket number
NUMBERED_TASK = r"follow[\s-]?up\s*#\s*\d+"
# A ticket's number said bare ("make 1001 urgent"): four or five digits (tickets are numbered from 1001), not an amount,
# a duration or a PIN ("$1500", "2000k", "1200 days", "wants their new PIN to be 1234"); "ticket 12", "case #12" and
# "#12" say the number as a ticket's.
BARE_TICKET = re.compile(
    r"(?<![$\d.,#])(?<!\bpin\sis\s)(?<!\bpin\sof\s)(?<!\bpin\sas\s)(?<!\bpin\sto\sbe\s)(?<!\bpin:\s)"
    r"\b(\d{4,5})\b(?!\s*(?:k|m|%|[.,]\d|days?|weeks?|months?))",
    re.I,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A parsed value and the [start, end) span of text it was read from."""

    value: T
    start: int
    end: int


MASK = "\x00"


def mask(text: str, *spans: Found[Any] | None) -> str:
    """Blank the given spans (same length, so offsets stay valid) to mark them as consumed."""
    for found in spans:
        if found is not None:
            text = text[: found.start] + MASK * (found.end - found.start) + text[found.end :]
    return text


# ----------------------------------------------------------------------------------- numbers

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
}
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"


def _number(word: str) -> float:
    return float(word) if word[0].isdigit() else float(NUMBER_WORDS[word.lower()])


# ----------------------------------------------------------------------------------- calendar

WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sunday": 6,
}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_WD = r"(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MON = r"(" + _MONTH_NAMES + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"


def month_end(year: int, month: int) -> date:
    """Last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def period_end(unit: str, today: date, ahead: int = 0) -> date:
    """Last day of the week (Friday), month, quarter or year containing today, `ahead` units later."""
    if unit == "week":
        return today - timedelta(days=today.weekday()) + timedelta(days=4 + 7 * ahead)
    if unit == "year":
        return date(today.year + ahead, 12, 31)
    span = 3 if unit == "quarter" else 1
    index = (today.month - 1) // span + ahead  # months or quarters since January
    year, first = today.year + index * span // 12, index * span % 12 + 1
    return month_end(year, first + span - 1)


def _next_month_day(today: date, month: int, day: int, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _weekday(today: date, modifier: str | None, name: str) -> date:
    target = WEEKDAYS[name.lower()]
    if modifier == "next":
        return today - timedelta(days=today.weekday()) + timedelta(days=7 + target)
    ahead = (target - today.weekday()) % 7
    if ahead == 0 and modifier != "this":
        ahead = 7
    return today + timedelta(days=ahead)


def _quarter_end(today: date, quarter: int, year: int | None) -> date:
    if year is None:
        year = today.year if quarter >= (today.month - 1) // 3 + 1 else today.year + 1
    return month_end(year, quarter * 3)


def _end_of(today: date, which: str | None, unit: str) -> date:
    unit = unit.lower()
    if unit in MONTHS:
        month = MONTHS[unit]
        year = today.year if month >= today.month else today.year + 1
        return month_end(year, month)
    if unit[0] == "q" and unit[1:].isdigit():
        return _quarter_end(today, int(unit[1:]), None)
    return period_end(unit, today, 1 if which == "next" else 0)


def _in_units(today: date, count: str, unit: str) -> date | None:
    """`today` plus n days, weeks or months; None when that is past the calendar's end (year 9999)."""
    n = int(_number(count))
    try:
        if unit.startswith("day"):
            return today + timedelta(days=n)
        if unit.startswith("week"):
            return today + timedelta(weeks=n)
        month = today.month - 1 + n
        year, month = today.year + month // 12, month % 12 + 1
        return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    except (OverflowError, ValueError):
        return None


_YEAR = r"(?:,?\s+(\d{4}))?"
_DATE_RULES: list[tuple[re.Pattern[str], Callable[[date, re.Match[str]], date | None]]] = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), lambda t, m: _next_month_day(t, int(m[2]), int(m[3]), int(m[1]))),
    (
        re.compile(
            r"\b(?:the\s+)?end\s+of\s+(?:the\s+)?(?:(this|next|current)\s+)?(week|month|quarter|year|q[1-4]|"
            + _MONTH_NAMES
            + r")\b",
            re.I,
        ),
        lambda t, m: _end_of(t, m[1] and m[1].lower(), m[2]),
    ),
    (
        re.compile(
            r"\b(?:to|until|till|into|by|in|for|out\s+to)\s+(?:(mid)[- ]?|late\s+)?(" + _MONTH_NAMES + r")\b(?!\s*\d)",
            re.I,
        ),
        lambda t, m: _end_of(t, None, m[2]).replace(day=15) if m[1] else _end_of(t, None, m[2]),
    ),  # "push it to august": its end
    (
        re.compile(r"\beo([wmqy])\b", re.I),
        lambda t, m: _end_of(t, None, {"w": "week", "m": "month", "q": "quarter", "y": "year"}[m[1].lower()]),
    ),
    (
        re.compile(r"\b" + _MON + r"\s+(\d{1,2})" + _ORD + r"\b" + _YEAR, re.I),
        lambda t, m: _next_month_day(t, MONTHS[m[1].lower()], int(m[2]), int(m[3]) if m[3] else None),
    ),
    (
        re.compile(r"\b(\d{1,2})" + _ORD + r"\s+(?:of\s+)?" + _MON + r"\b" + _YEAR, re.I),
        lambda t, m: _next_month_day(t, MONTHS[m[2].lower()], int(m[1]), int(m[3]) if m[3] else None),
    ),
    (
        re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b"),
        lambda t, m: _next_month_day(t, int(m[1]), int(m[2]), int(m[3]) if m[3] else None),
    ),
    (re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b", re.I), lambda t, m: t + timedelta(days=2)),
    (re.compile(r"\bthis\s+(?:morning|afternoon|evening)\b", re.I), lambda t, m: t),
    (
        re.compile(r"\b(today|tonight|tomorrow|tmrw|yesterday)\b", re.I),
        lambda t, m: {"today": t, "tonight": t, "yesterday": t - timedelta(days=1)}.get(
            m[1].lower(), t + timedelta(days=1)
        ),
    ),
    (
        re.compile(r"\bin\s+" + _NUM + r"\s+(days?|weeks?|months?)\b", re.I),
        lambda t, m: _in_units(t, m[1], m[2].lower()),
    ),
    (
        re.compile(r"\b" + _NUM + r"\s+(days?|weeks?|months?)\s+(?:out|from\s+(?:now|today))\b", re.I),
        lambda t, m: _in_units(t, m[1], m[2].lower()),
    ),  # "two weeks out", "10 days from now"
    (
        re.compile(r"\b(?:(next|this|coming|on|by|before|until)\s+)?" + _WD + r"\b", re.I),
        lambda t, m: _weekday(t, m[1] and m[1].lower().replace("coming", "this"), m[2]),
    ),
    (
        re.compile(r"\bq([1-4])(?:\s+(\d{4}))?\b", re.I),
        lambda t, m: _quarter_end(t, int(m[1]), int(m[2]) if m[2] else None),
    ),
    (
        re.compile(r"\b(this|next|the)\s+(week|month|quarter|year)\b", re.I),
        lambda t, m: period_end(m[2].lower(), t, 1 if m[1].lower() == "next" else 0),
    ),
]


def says_date(text: str) -> bool:
    """Whether the text holds a date phrase of a day that exists ("jan 31", not "24/7"), whatever day it is said on:
    read from a leap year's first day, on which every such phrase resolves."""
    return find_date(text, date(2000, 1, 1)) is not None


def find_date(text: str, today: date) -> Found[date] | None:
    """The first date phrase found, trying the more specific phrase shapes first."""
    for pattern, resolve in _DATE_RULES:
        for m in pattern.finditer(text):
            value = resolve(today, m)
            if value is not None:
                return Found(value, m.start(), m.end())
    return None


_TIME_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], time | None]]] = [
    (
        re.compile(r"\b(\d{1,2})(?::([0-5]\d))?\s*([ap])\.?m\b\.?", re.I),
        lambda m: _clock(int(m[1]) % 12 + (12 if m[3].lower() == "p" else 0), int(m[2] or 0)),
    ),
    (re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b"), lambda m: _clock(int(m[1]), int(m[2]))),
    (
        re.compile(r"\b(?:at\s+)?(noon|midday|midnight)\b", re.I),
        lambda m: time(0, 0) if m[1].lower() == "midnight" else time(12, 0),
    ),
    (
        re.compile(r"\bat\s+(\d{1,2})\b(?![:/.\d]|\s*(?:%|percent|days?|weeks?))", re.I),
        lambda m: _clock(int(m[1]) + (12 if 1 <= int(m[1]) <= 7 else 0), 0),
    ),
]


def _clock(hour: int, minute: int) -> time | None:
    return time(hour, minute) if 0 <= hour < 24 else None


def find_time(text: str) -> Found[time] | None:
    """The first clock time found."""
    for pattern, resolve in _TIME_RULES:
        for m in pattern.finditer(text):
            value = resolve(m)
            if value is not None:
                return Found(value, m.start(), m.end())
    return None


def combine(day: date | None, clock: time | None, now: datetime) -> datetime | None:
    """A timezone-aware start from a date and/or a time, in `now`'s timezone (a zoneinfo or fixed offset).

    A time without a date is today if still ahead, else tomorrow; a date without a time is 09:00.
    """
    if day is None and clock is None:
        return None
    if day is None:
        day = now.date()
        if (
            clock is not None and datetime.combine(day, clock, now.tzinfo) <= now
        ):  # a time alone (both None returned above)
            day += timedelta(days=1)
    return datetime.combine(day, clock or time(9, 0), now.tzinfo)


# ----------------------------------------------------------------------------------- durations

_DURATION = re.compile(
    r"\b(?:(half\s+an?|an?\s+half)\s+hour|(an?|one)\s+hour(?:\s+and\s+a\s+half)?|"
    + _NUM
    + r"\s*(?:-\s*)?(minutes?|mins?|m|hours?|hrs?|h)\b)(?:-long|\s+long)?",
    re.I,
)


def find_duration(text: str) -> Found[int] | None:
    """A duration in minutes: "30 minutes", "45 min", "1.5 hours", "half an hour", "hour-long"."""
    m = _DURATION.search(text)
    if m is None:
        return None
    if m[1]:
        minutes = 30.0
    elif m[2]:
        minutes = 90.0 if "half" in m[0].lower() else 60.0
    else:
        minutes = _number(m[3]) * (60 if m[4].lower().startswith("h") else 1)
    return Found(int(minutes), m.start(), m.end())


_SPAN_OF_DAYS = re.compile(r"\b" + _NUM + r"\s*\+?\s*(days?|weeks?|months?|fortnights?)\b", re.I)


def find_days(text: str) -> Found[int] | None:
    """A span of time in whole days: "10 days", "3 weeks" (21), "a month" (30)."""
    m = _SPAN_OF_DAYS.search(text)
    if m is None:
        return None
    per_unit = {"d": 1, "w": 7, "m": 30, "f": 14}[m[2][0].lower()]
    return Found(int(_number(m[1]) * per_unit), m.start(), m.end())


# ----------------------------------------------------------------------------------- money

_AMOUNT = re.compile(
    r"(?<![\w.#])(?P<cur>[$€£])?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<mult>k|m|mm|mn|bn|b|thousand|million|billion|grand)\b)?"
    r"(?:\s?(?P<code>usd|eur|gbp|dollars|euros|pounds|bucks)\b)?(?![\w%:/-])",
    re.I,
)
_MULTIPLIERS = {
    "k": 3,
    "thousand": 3,
    "grand": 3,
    "m": 6,
    "mm": 6,
    "mn": 6,
    "million": 6,
    "b": 9,
    "bn": 9,
    "billion": 9,
}


def find_amount(text: str) -> Found[Decimal] | None:
    """A money amount: "40k", "$1.2M", "35,000", "45k USD", "1.5m", "8,500 dollars".

    A bare number counts only from 1,000 up, so seat counts, days or small numbers are skipped.
    """
    for m in _AMOUNT.finditer(text):
        try:
            value = Decimal(m["num"].replace(",", ""))
        except InvalidOperation:
            continue
        mult = (m["mult"] or "").lower()
        if mult:
            value = value.scaleb(_MULTIPLIERS[mult])
        if mult or m["cur"] or m["code"] or "," in m["num"] or value >= 1000:
            value = Decimal(int(value)) if value == value.to_integral_value() else value.normalize()
            return Found(value, m.start(), m.end())
    return None


_FLOOR = re.compile(
    r"\b(?:(?P<strict>over|above|more\s+than|greater\s+than|bigger\s+than|higher\s+than|north\s+of)|at\s+least|min(?:imum)?)"
    r"\s+(?P<said>\$?\d[\d.,]*\s*(?:k|m|mm)?\b)|(?P<sign>>=?)\s*(?P<signed>\$?\d[\d.,]*\s*(?:k|m|mm)?\b)",
    re.I,
)


def find_floor(text: str) -> Found[tuple[Decimal, bool]] | None:
    """The least value a list is asked for ("my deals over 100k", "leads scoring above 80", "at least 50k"): the number
    (money as `find_amount` reads it, else the plain number) and whether it is itself left out ("over", "above", ">")."""
    m = _FLOOR.search(text)
    if m is None:
        return None
    said = m["said"] or m["signed"]
    amount = find_amount(said)
    try:
        value = amount.value if amount is not None else Decimal(said.strip("$ ").replace(",", ""))
    except InvalidOperation:
        return None
    return Found((value, bool(m["strict"]) or m["sign"] == ">"), m.start(), m.end())


# ----------------------------------------------------------------------------------- reasons

_REASON_START = re.compile(
    r"\b(?:closed[\s_-]?lost|lost|dead|fell through|disqualif\w*|unqualified|not interested|kill(?:ed)?)\b", re.I
)
_REASON_LEAD = re.compile(
    r"^[\s,;:-]*(?:on|over|because(?:\s+of)?|due\s+to|since|as|reason:?|for)\s+(\S.*)", re.I | re.S
)
_REASON_AFTER_SEP = re.compile(r"[,;:–—-]\s*(\S.*)$", re.S)


_LOST_TO = re.compile(r"^\s+(?:it\s+|them\s+|him\s+|her\s+)?(to\s+(?:a|an|the|their)?\s*\S.*)", re.I | re.S)
_REASON_CUE = re.compile(
    r"\b(?:went|going|gone|chose|chosen|picked|signed|competitor|competition|cheaper|price|pricing|budget|expensive|"
    r"costs?|timing|funding|froze|frozen|freeze|cuts?|in-?house|acquired|ghosted|unresponsive|dark|fit|priorit\w+|"
    r"no\s+longer|not\s+interested|no\s+need|renewed\s+with|stayed\s+with|sticking\s+with)\b",
    re.I,
)
_CLAUSE_END = re.compile(r"\s[-–—]\s|[,;:()!?]|\.(?:\s|$)")


def clauses(text: str) -> list[Found[str]]:
    """The clauses of a message (split at commas, colons, semicolons, spaced dashes and sentence ends), stripped."""
    found, start = [], 0
    for end in [*(m for m in _CLAUSE_END.finditer(text)), None]:
        stop = end.start() if end is not None else len(text)
        part = text[start:stop]
        value = part.strip(" \x00\t\n")
        if value:
            offset = start + part.index(value)
            found.append(Found(value, offset, offset + len(value)))
        start = end.end() if end is not None else len(text)
    return found


def find_reason(text: str) -> Found[str] | None:
    """Why a deal or lead was lost, read after the last "lost"-like word: "lost on price" ->
    "price", "dead, lost because of timing" -> "timing", "lost, went with X" -> "went with X", "lost it to
    Initech" -> "lost to Initech"; else the one other clause that gives a reason ("they went with a competitor,
    mark it lost" -> "they went with a competitor")."""
    starts = list(_REASON_START.finditer(text))
    if not starts:
        return None
    m = starts[-1]
    rest = text[m.end() :]
    found = _REASON_LEAD.match(rest) or _REASON_AFTER_SEP.search(rest)
    if found is not None:
        reason = found[1].strip(" \x00.,;:!?")
        return Found(reason, m.end() + found.start(1), len(text)) if reason else None
    lost_to = _LOST_TO.match(rest)
    if lost_to is not None and m[0].lower() == "lost":
        return Found(f"lost {lost_to[1].strip(' .,;:!?')}", m.end() + lost_to.start(1), len(text))
    said = [c for c in clauses(text) if not c.start <= m.start() < c.end and _REASON_CUE.search(c.value)]
    return said[0] if len(said) == 1 else None


# ----------------------------------------------------------------------------------- contacts

# Words that make a phrase a job title ("VP Engineering", "Head of Procurement")
TITLE_WORDS = frozenset(
    "ceo cto cfo coo cmo cio cro ciso vp svp evp head director manager founder co-founder cofounder owner "
    "president chief officer engineer analyst consultant specialist architect buyer administrator admin "
    "coordinator executive principal developer designer recruiter".split()
)
# A person's new title: "dev ueda at cedarforge is Head of Procurement now", "tara ueda at crestlogic is the CFO now",
# "vera hansen at northpath - she's VP Engineering now" (the person, with the company said after "at"; the title)
_NAMED_ROLE_NOW = re.compile(
    r"^\W*([a-z]+(?:\s+[a-z]+)?(?:\s+(?:at|@|from)\s+[a-z][\w&.-]*(?:\s+[a-z][\w&.-]*)?)?)"
    r"(?:\s+(?:is|['’]s)|\s*[-–—:,]\s*(?:she|he|they)(?:['’]s|\s+is|\s+are))\s+(?:now\s+)?"
    r"(?:the\s+|our\s+|their\s+)?((?-i:[A-Z][\w&/-]*)(?:\s+(?:of\s+)?(?-i:[A-Z&][\w&/-]*)){0,4})(?:\s+now)?\s*(?:[.,;!]|$)",
    re.I,
)


def named_role(text: str) -> tuple[str, str] | None:
    """The person (with the company said after "at") and the title a message gives them ("... is the CFO now")."""
    said = _NAMED_ROLE_NOW.match(text)
    if said is None or not TITLE_WORDS & set(said[2].lower().split()):
        return None
    return re.split(r"\s+(?:at|@|from)\s+", said[1], maxsplit=1, flags=re.I)[0], said[2]


_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I)
_PHONE = re.compile(r"(?<![\w+])(\+?\(?\d[\d\s().-]{5,}\d)(?!\w)")


def find_email(text: str) -> Found[str] | None:
    """The first email address, lowercased."""
    m = _EMAIL.search(text)
    return Found(m[0].lower(), m.start(), m.end()) if m else None


def find_phone(text: str, shortest: int = 10) -> Found[str] | None:
    """The first phone number as "+" (if written) and digits: "(415) 555-0100" -> "4155550100".

    Needs at least `shortest` digits (10 unless the words already say it is a phone number, "phone to 555 0142"), or
    7 after a "+", so that dates and amounts are not taken for one.
    """
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m[1])
        plus = m[1].startswith("+")
        if shortest <= len(digits) <= 15 or (plus and 7 <= len(digits) <= 15):
            return Found(("+" if plus else "") + digits, m.start(), m.end())
    return None


# ----------------------------------------------------------------------------------- enums


def _keyword_map(table: list[tuple[str, str]]) -> Callable[[str], Found[str] | None]:
    compiled = [(re.compile(pattern, re.I), value) for pattern, value in table]

    def find(text: str) -> Found[str] | None:
        for pattern, value in compiled:
            m = pattern.search(text)
            if m:
                return Found(value, m.start(), m.end())
        return None

    return find


find_source = _keyword_map(
    [
        (
            r"\b(?:webinar|conference|trade\s*show|expo|meetup|event|summit|booth)\b"
            r"|^\W*(?:just\s+)?met\s+(?:\w+\s+){1,3}at\s+[a-z]\w*\s+(?:yesterday|today|last|this|on)\b",
            "event",
        ),  # "met priya nair at saastr yesterday": met at a named place and time is an event
        (r"\b(?:linkedin|twitter|facebook|instagram|social media|x\.com|on x)\b", "social_media"),
        (r"\b(?:cold[\s-]?call(?:ed|ing)?|outbound call)\b", "cold_call"),
        (r"\b(?:referr(?:al|ed)|intro(?:duction|duced)? (?:from|by)|recommended by)\b", "referral"),
        (r"\b(?:website|web\s*site|site|web\s*form|inbound form|contact form|landing page|online form)\b", "website"),
    ]
)
"""Lead source enum from how the lead came in."""

find_lead_status = _keyword_map(
    [
        (
            r"\b(?:lost|disqualif\w*|unqualified|dead|not interested|no longer interested|went cold|gone cold|"
            r"lost cause|drop(?:ped)?)\b",
            "lost",
        ),
        (r"\bqualif\w*\b|\bgood fit\b", "qualified"),
        (
            r"\b(?:contacted|reached out|reach out|emailed|called|spoke|spoken|talked|in touch|first contact|"
            r"got hold of|pinged|messaged)\b",
            "contacted",
        ),
        (r"\b(?:new|reset)\b", "new"),
    ]
)
"""Lead status enum (new|contacted|qualified|lost)."""

find_stage = _keyword_map(
    [
        (
            r"\bclosed[\s_-]?lost\b|\blost\b|\bfell through\b|\bdead\b|\bwent with (?:a|another)\b|\bkill(?:ed)?\b",
            "closed_lost",
        ),  # "kill the summitgate platform deal": it is lost
        (r"\bclosed[\s_-]?won\b|\bwon\b|\bsigned\b|\bclosed\b|\bwe got\b|\bwin\b", "closed_won"),
        (r"\bnegotiat\w*\b", "negotiation"),
        (r"\bproposal\b|\bquote sent\b", "proposal"),
        (r"\bqualif\w*\b", "qualification"),
        (r"\bprospect\w*\b|\bdiscovery\b", "prospecting"),
    ]
)
"""Deal stage enum."""

find_ticket_status = _keyword_map(
    [
        (r"\bre-?open\w*\b", "open"),
        (r"\bclos(?:e|ed|ing)\b", "closed"),
        (r"\b(?:resolved?|fixed|solved)\b", "resolved"),
        # "waiting" is the status, not how long it waited ("been waiting since this morning", "waiting the longest")
        (r"\b(?:pending|on hold|(?<!been )waiting(?!\s+(?:since|for|the\s+longest|longest)))\b", "pending"),
        (r"\bopen\b", "open"),
    ]
)
"""Ticket status enum (open|pending|resolved|closed)."""

_PRIORITY_WORDS = {
    "urgent": "urgent",
    "critical": "urgent",
    "blocker": "urgent",
    "asap": "urgent",
    "p1": "urgent",
    "high": "high",
    "p2": "high",
    "medium": "medium",
    "normal": "medium",
    "moderate": "medium",
    "p3": "medium",
    "low": "low",
    "minor": "low",
    "p4": "low",
    "escalate": "urgent",
    "escalated": "urgent",
}
_PRIORITY_STRICT = re.compile(
    r"\b(urgent|critical|blocker|asap|p[1-4]|escalated?)\b|\b(high|medium|normal|low|moderate|minor)[\s-]+pri(?:ority|o)\b"
    r"|\bpri(?:ority|o)\b\W*(?:to\s+|of\s+|is\s+|as\s+)?(high|medium|normal|low|urgent|critical)\b",
    re.I,
)
_PRIORITY_LOOSE = re.compile(
    r"\b(?:to|as|make\s+it|it'?s|now)\s+(high|medium|normal|low)\b|[,.]\s*(high|medium|normal|low|urgent)\s*[.!]*$"
    r"|\b(?:make|set|mark|bump)\s+(?:(?:ticket|case)\s*)?#?\d{3,5}\s+(high|medium|normal|low)\b"
    # "make the sso ticket from olga zhou high": said last (a look-ahead: the words before it still name the ticket)
    r"|^(?=\W*(?:make|set|mark|bump)\s+(?:[\w'’#-]+\s+){1,7}?(?:ticket|case|one)\s+(?:(?:for|from|of|at)\s+(?:[\w'’-]+\s+){1,2})?"
    r"(high|medium|normal|low)\s*[.!]*$)",
    re.I,
)  # "file a ticket, high", "make 1058 high"


def is_priority(word: str) -> bool:
    """Whether a single word names a ticket priority ("urgent", "p2", "low")."""
    return word.lower() in _PRIORITY_WORDS


def find_priority(text: str, *, loose: bool = False) -> Found[str] | None:
    """Ticket priority (low|medium|high|urgent); `loose` also accepts "to high"-style phrases."""
    m = _PRIORITY_STRICT.search(text) or (_PRIORITY_LOOSE.search(text) if loose else None)
    if m is None:
        return None
    word = next(group for group in m.groups() if group)
    return Found(_PRIORITY_WORDS[word.lower()], m.start(), m.end())


find_direction = _keyword_map(
    [
        (
            r"\b(?:inbound|incoming)\b|\b(?:called|phoned|rang|buzzed)\s+(?:me|us|in)\b|\bgave\s+(?:me|us)\s+a\s+(?:call|ring)\b"
            r"|\breturned\s+my\s+call\b",
            "inbound",
        ),
        (r"\b(?:outbound|outgoing)\b|\b(?:i|we)\s+(?:just\s+)?(?:called|phoned|rang|dialed|dialled)\b", "outbound"),
    ]
)
"""Call direction enum (inbound|outbound), only when the user says so."""

_PERIOD_WORDS = _keyword_map(
    [
        (
            r"\b(?:overdue|past due|late|missed)\b|\bbehind\s+on\b|\bpast\s+(?:their|the|its|a|his|her)\s+close\s+dates?\b"
            r"|\b(?:blew|blow|blown|missed|past)\s+(?:the\s+|a\s+|their\s+|its\s+)?(?:(?:due|close|closing)\s+dates?|deadlines?)\b|\bclose\s+dates?\b.{0,20}\b(?:already\s+)?passed\b",
            "overdue",
        ),
        (r"\btoday\b|\btonight\b", "today"),
        (r"\bnext\s+week\b", "next_week"),
        (r"\b(?:this|the|current)\s+week\b|\bend of (?:the )?week\b", "this_week"),
        (r"\bnext\s+month\b", "next_month"),
        (r"\b(?:this|the|current)\s+month\b|\bend of (?:the )?month\b|\beom\b", "this_month"),
        (r"\bnext\s+quarter\b", "next_quarter"),
        (r"\b(?:this|the|current)\s+quarter\b|\bend of (?:the )?quarter\b|\bq-?t-?d\b|\beoq\b", "this_quarter"),
        (r"\b(?:this|the|current)\s+year\b|\bend of (?:the )?year\b|\bytd\b|\beoy\b", "this_year"),
        (r"\b(?:last|previous|past)\s+week\b", "last_week"),
        (r"\b(?:last|previous|past)\s+month\b", "last_month"),
        (r"\b(?:last|previous|past)\s+quarter\b", "last_quarter"),
        (r"\b(?:last|previous|past)\s+year\b", "last_year"),
    ]
)
# "closed won in august", "calls during march", "pipe for q4": a month or a quarter by name as the period (never a
# date: "in august 3rd")
_NAMED_PERIOD = re.compile(
    r"\b(?:in|for|during|over|from)\s+(?:the\s+month\s+of\s+)?(" + _MONTH_NAMES + r")\b\.?(?!\s*\d)"
    r"|^\W*(" + _MONTH_NAMES + r")\W*$"
    r"|\b(?:in|for|during|over|of)\s+(?:the\s+)?q([1-4])\b(?!\s*(?:forecast|target|quota))"
    r"|\bq([1-4])(?=\s+(?:pipe|pipeline|deals|numbers|revenue|sales|wins|bookings|win\s+rate))"  # "my q1 pipeline"
    r"|^\W*(?:and\s+|what\s+about\s+|how\s+about\s+)?(?:for\s+)?q([1-4])\W*$"  # "and q2?"
    r"|\b(" + _MONTH_NAMES + r")(?=\s+(?:pipe|pipeline|numbers|revenue|bookings|forecast)\b)"  # "june pipeline pls"
    r"|\bhow(?:'?s|\s+is|\s+does)\s+(?:(" + _MONTH_NAMES + r")|q([1-4]))\s+look",  # "hows april looking pipeline wise"
    re.I,
)  # "and for august?", "what about august": the month alone


def find_period(text: str) -> Found[str] | None:
    """Reporting period enum (today|overdue|this_week|next_week|this_month|next_month|...|a month's name|q1..q4)."""
    found = _PERIOD_WORDS(text)
    month = _NAMED_PERIOD.search(text)
    if found is not None or month is None:
        return found
    name = (month[1] or month[2] or month[6] or month[7] or "").lower()
    if quarter := month[3] or month[4] or month[5] or month[8]:  # "wheres my pipe at for q4": the quarter by its number
        return Found(f"q{quarter}", month.start(), month.end())
    return Found(calendar.month_name[MONTHS[name]].lower(), month.start(), month.end())


find_scope = _keyword_map(
    [
        (r"\b(?:company|everyone|everybody|whole|entire|all reps|org|organi[sz]ation|across the board)\b", "all"),
        (r"\bteam\b|\bour\s+team\b", "team"),
        (r"\b(?:my|mine)\b", "mine"),
    ]
)
"""Pipeline scope enum (mine|team|all)."""

find_group_by = _keyword_map(
    [
        (r"\b(?:by|per|each|across)\s+(?:deal\s+)?(?:stage|phase)s?\b|\bstage\s+breakdown\b", "stage"),
        (
            r"\b(?:by|per|each)\s+(?:owner|rep|person|seller|salesperson|sales rep|ae|account exec\w*)s?\b|\bwho\s+has\s+the\s+(?:most|biggest|"
            r"largest|least)\b|\bleaderboard\b|\bwhich\s+(?:of\s+my\s+)?reps?\b"
            r"|\bwho(?:'?s|\s+is|\s+has)?\s+(?:\w+\s+)?(?:the\s+)?(?:most|biggest|largest|least)\s+pipeline\b",
            "owner",
        ),
    ]
)
"""Pipeline grouping enum (stage|owner)."""


# ----------------------------------------------------------------------------------- names

STOPWORDS = frozenset(
    """
a an the this that these those else it its it's i i'm i've i'd i'll me my mine we we've we're our us you your
he he's him his she she's her they they're them their who whom what what's which when where why how
is are was were be been being am do does did done doing have has had having will would shall should
can can't could may might must not no nor yes yeah ok okay please pls thanks thank hey hi hello just
now still already also too very really so then than there here any anything everything something all
some every each both either neither about above after again against at before below between by down
during for from in into of off on onto out over through to under until up upon with within without via
and or but if because as since while per behalf back away around regarding re ahead instead anymore
show see view display open pull bring give get got find look lookup search tell know check list fetch
info information details detail rundown summary overview profile record records history page latest
add create new make log put set change update edit mark move moved push bump advance convert turn
increase decrease lower raise reduce slash slashed cut trim chop knock nuke kill scrap ditch axe drop delete remove cancel delay slip slipped expected expect expecting correct promote
book schedule arrange organize organise plan invite meet remind remember note notes jot write attach
save leave enter capture file submit report reported go going went let lets let's want wants need needs
like ready qualify qualified reset reached reach contacted spoke spoken talked emailed called named
phoned rang texted messaged pinged asked asking said says told left sent wrote self myself next last
lead leads prospect deal deals account accounts opportunity opportunities opp opps company contact
contacts customer client person team stage status value amount worth price close closing closed date
pipeline ticket tickets task tasks todo to-do comment call calls phone everything support queue issue
issues case cases problem problems bug bugs request requests escalation escalations
meeting meetings demo lunch dinner breakfast coffee session sync check-in catch-up kickoff visit onsite
today tomorrow tonight yesterday week month quarter year morning afternoon evening end soon later ago due overdue
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri
qualification prospecting proposal negotiation won lost win signed stuck stalled
high medium low urgent critical priority inbound outbound pending resolved hold
mobile cell email e-mail address number score owner owns worth doing overall included subsidiaries again driving
opportunities opps behind plate anything something last talk talked reach title role position including
whats hows whos wheres thats lets total sum past nobody anyone yet hot hottest warmest top best biggest largest w pls plz thx summarize summarise recap
industry employees headcount website tier revenue health probability source department address based located
many much across right recently recent lately lose losing waiting work works working ppl people staff folks quota attainment
haven't hasn't isn't aren't don't doesn't didn't won't can't uncontacted unqualified havent hasnt isnt arent wasnt werent dont doesnt didnt wont cant couldnt shouldnt wouldnt yet never ever
rank ranked ranking sort sorted order ordered size sized rep reps risk risks risky likely slip slipping big bigger
largest smallest most least newest oldest average avg sitting sit sits parked hanging currently presently main primary explain draft drafts compose follow-up followup gist step steps
grew grown grows rose risen jumped climbed expanded shrank shrunk fell doubled halved curious wondering wonder boss
carrying raised holding handling supposed meant touched untouched converted unconverted
few couple pipe weighted cc vm voicemail exactly stuff bunch rn asap manager thurs tues weds covering reports
together altogether thing things ones other others more less fewer whose longest shortest list lists
talking speaking dealing
""".split()
)
"""Words that are never part of a CRM name (function words, commands, CRM vocabulary, dates)."""

_TOKEN = re.compile(r"[A-Za-z0-9][\w&'’.-]*")


@dataclass(frozen=True)
class Token:
    """A word of the text and its span."""

    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return self.text.lower().replace("’", "'")


def tokens(text: str) -> list[Token]:
    """Words with their spans; a possessive "'s" and trailing dots are cut off."""
    found = []
    for m in _TOKEN.finditer(text):
        word = re.sub(r"(?:['’]s)?\.*$", "", m[0]) or m[0]
        found.append(Token(word, m.start(), m.start() + len(word)))
    return found


_CONTRACTED = re.compile(r"[a-z](?:'(?:ve|re|ll|d|m)|n't)$")  # "what've", "they'd", "shouldn't": never a name


def name_runs(text: str, stop: frozenset[str] = STOPWORDS) -> list[Found[str]]:
    """Maximal runs of non-stop words separated only by spaces (punctuation breaks a run)."""
    runs: list[list[Token]] = []
    for token in tokens(text):
        if token.key in stop or token.key.isdigit() or _CONTRACTED.search(token.key):
            runs.append([])
        elif runs and runs[-1] and text[runs[-1][-1].end : token.start].strip(" ") == "":
            runs[-1].append(token)
        else:
            runs.append([token])
    return [Found(text[run[0].start : run[-1].end], run[0].start, run[-1].end) for run in runs if run]


# The position words of a list ("the second one"), 1-based.
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
}


def find_name(
    text: str,
    *,
    after: tuple[str, ...] = (),
    before: tuple[str, ...] = ("deal", "deals", "lead", "account", "opportunity", "opp", "team"),
    fallback: bool = True,
) -> Found[str] | None:
    """The name a user wrote, as a run of non-stop words of at most four words.

    Preference: a run right before one of `before` ("the Acme deal"), then the runs after the
    first of the `after` words that has any ("a call with Tom"), then (with `fallback`) all runs;
    among those, the first capitalised one if the user capitalised any, else the first.
    """
    runs = name_runs(text, STOPWORDS | set(after))
    words = tokens(text)
    follower = {run.start: next((t.key for t in words if t.start >= run.end), None) for run in runs}
    chosen = next((run for run in runs if follower[run.start] in before), None)
    candidates: list[Found[str]] = []
    for anchor in (t.end for t in words if t.key in after):
        candidates = candidates or [run for run in runs if run.start >= anchor]
    if not candidates and fallback:
        candidates = runs
    if chosen is None and candidates:
        chosen = next((run for run in candidates if run.value[0].isupper()), candidates[0])
    if chosen is None:
        return None
    kept = tokens(chosen.value)[:4]
    return Found(chosen.value[: kept[-1].end], chosen.start, chosen.start + kept[-1].end)


# ----------------------------------------------------------------------------------- windows

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PAST_SPAN = re.compile(
    r"\b(?:last|past|previous)\s+(\d+|a|one|two|three|four|five|six|seven|ten|fourteen|thirty)\s+(days?|weeks?)\b"
    r"|\b(?:the\s+)?(?:past|last)\s+(week|fortnight)\b(?!\s+of\b)",
    re.I,
)
_SINCE = re.compile(
    r"\bsince\s+(?:the\s+)?(?:(start|beginning)\s+of\s+(?:the\s+|this\s+)?(month|week|quarter)|(last\s+)?("
    + "|".join(_WEEKDAYS)
    + r"|mon|tue|wed|thu|fri))\b",
    re.I,
)
_SPAN_COUNT = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
_SPAN_COUNT |= {"fourteen": 14, "thirty": 30}


def find_window(text: str, today: date) -> tuple[date, date] | None:
    """A window of days back from today that the words name: "over the last 7 days", "the past week", "since monday",
    "since the start of the month" (both ends included); None when there is none."""
    if (span := _PAST_SPAN.search(text)) is not None:
        if span[3]:
            days = 14 if span[3].lower() == "fortnight" else 7
        else:
            count = int(span[1]) if span[1].isdigit() else _SPAN_COUNT[span[1].lower()]
            days = count * (7 if span[2].lower().startswith("w") else 1)
        return today - timedelta(days=days), today
    if (since := _SINCE.search(text)) is None:
        return None
    if since[2]:
        unit = since[2].lower()
        if unit == "week":
            return today - timedelta(days=today.weekday()), today
        month = today.month if unit == "month" else (today.month - 1) // 3 * 3 + 1
        return date(today.year, month, 1), today
    day = next(i for i, name in enumerate(_WEEKDAYS) if name.startswith(since[4].lower()[:3]))
    back = (today.weekday() - day) % 7 or (7 if since[3] else 0)
    return today - timedelta(days=back), today


_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "couple": 2, "few": 3}
_SHIFT = re.compile(
    r"\b(?:push|slip|slide|move|bump|delay|kick|shift)(?:s|ed|ing)?\b(?:\s+(?!by\b|out\b|back\b)[\w'-]+){0,4}?"
    r"(?:\s+(?:out|back))?\s+(?:by\s+)?(?:a\s+)?(\d{1,2}|an?|one|two|three|four|five|six|couple(?:\s+of)?|few)\s+"
    r"(days?|weeks?|months?)\b(?!\s+(?:ago|from\s+now))",
    re.I,
)


def find_shift(text: str) -> Found[relativedelta] | None:
    """A date moved by a span said ("push it a week", "slip the close date out two weeks", "delay by 10 days")."""
    said = _SHIFT.search(text)
    if said is None:
        return None
    word = said[1].lower().removesuffix(" of")
    count = int(word) if word.isdigit() else _COUNTS[word]
    unit = said[2].lower().rstrip("s")
    span = {"day": relativedelta(days=count), "week": relativedelta(weeks=count), "month": relativedelta(months=count)}
    return Found(span[unit], said.start(1), said.end())
