"""What kind of value a fact question asks for, and whether an article states one of that kind.

A question no article answers often matches one well by its words ("how many months must I keep $250k in before
asking you to reconsider?" and the article on reconsideration), and the answer composed from it then says something
else. What the question asks for tells them apart when it is a value of a kind: an amount ("how much does it cost",
"what's the fee": a dollar figure, or that it is free), a percentage ("what percentage"), a duration ("how long",
"how many days": a number of days, hours... or "immediately"), a size ("how big", "the biggest payload": in MB,
rows, characters...), or a count of what "how many" names ("how many webhook
endpoints": a number said of endpoints). An amount asked of a thing the question names ("how much does it cost to
rent a safe deposit box") is likewise said of it ("$60 per box"), not of something else ("ATM fees up to $32"), and
so is a rate asked of one ("what APR do you offer on auto loans": a percentage said of loans, not of margin advances).
An article stating no value of that kind does not answer. Nor does one that never names what a question asks
for besides the thing it names ("does the bot also work in microsoft teams, or only slack?": an article on the Slack
app that says nothing of Microsoft or Teams cannot say whether it also works there), nor one that never names the
period of a limit asked ("a monthly spending limit" of an article on a daily cap). A period qualifying what is asked
("the daily sending limit") and an age naming a group ("the checking for over-62s") tell near-duplicate articles
apart: the one that never names them cannot be the one asked about.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["amount", "percentage", "duration", "size", "count"]

_UNITS = r"(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety"
)
_ASKS_AMOUNT = re.compile(
    r"\bhow much (?:will|would|does|do|did|is|are|was)\b.{0,50}\b(?:cost|charge|fee|pay)\w*|"
    r"\bwhat (?:does|will|would) (?:it|that|this|\w+) cost\b|\bwhat(?:'s| is) the (?:\w+ ){0,2}(?:fee|price|cost)\b",
    re.IGNORECASE,
)
_ASKS_PERCENTAGE = re.compile(r"\bpercent(?:age)?\b|\bwhat %", re.IGNORECASE)
_ASKS_DURATION = re.compile(rf"\bhow long\b|\bhow soon\b|\bhow many (?:business |calendar )?{_UNITS}\b", re.IGNORECASE)
_ASKS_SIZE = re.compile(r"\bhow (?:big|large)\b|\b(?:biggest|largest|max(?:imum)? size|what size)\b", re.IGNORECASE)
_ASKS_COUNT = re.compile(r"\bhow many ((?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*)", re.IGNORECASE)
_COUNT_STOP = frozenset(
    "can could do does did will would should is are was were come comes one we i you they he she it my our your per a "
    "an in on at before after for of with to from each every there out".split()
)  # the words after "how many" up to its verb or preposition name what is counted
_GENERIC = frozenset({"time", "free", "separate", "different", "more", "total", "other", "extra", "additional"})
_COSTED = re.compile(
    r"\b(?:how much (?:will|would|does|do|did|is|are|was)|what (?:does|will|would)) (?P<subject>(?:[\w'-]+ ){1,6}?)"
    r"(?:cost|charge)s?\b(?: (?:me|us|you|them))?(?: (?:per|a|each) \w+)?(?: to \w+ (?P<object>[^?.,;!]*))?",
    re.IGNORECASE,
)  # "how much will the next box of checks cost", "how much does it cost per year to rent a safe deposit box"
_RATE_ON = re.compile(r"\b(?:rates?|aprs?|apys?)\b(?: do you \w+)? (?:on|for) (?P<named>[^?.,;!]*)", re.IGNORECASE)
_RATES = re.compile(
    r"\bwhat(?:'s| is| are) (?:your|the) (?:current )?(?P<named>(?:[\w'-]+ ){1,4}?)(?:rates?|aprs?|apys?)\b"
    r"(?! limits?\b)",  # "the API rate limit" is a limit
    re.IGNORECASE,
)  # a rate asked of a thing: "what APR do you offer on auto loans", "what are your certificate of deposit rates"
_PRONOUNS = frozenset({"it", "that", "this", "they", "one"})
_DETERMINERS = frozenset({"a", "an", "the", "my", "our", "your", "their", "his", "her", "its", "this", "that", "next"})

_AMOUNT = re.compile(
    r"\$\s?\d|\b\d[\d,.]*\s?(?:usd|dollars)\b|\b(?:fees?|charges?|costs?|prices?)\s+(?:of|is|are)\s+\$?\d|"
    r"\b(?:free|no (?:fee|charge|cost)|waived|complimentary|at no (?:cost|charge)|(?:does|do) not charge)\b",
    re.IGNORECASE,
)
_PERCENTAGE = re.compile(r"\d\s?%|\bpercent\b", re.IGNORECASE)
_DURATION = re.compile(
    rf"\b(?:\d+(?:\.\d+)?|{_NUMBER_WORDS}|an?)(?:\s*[-\u2013]\s*\d+)?[\s-]*(?:business |calendar )?{_UNITS}\b|"
    r"\b(?:immediately|instantly|right away|same[- ]day|next business day|overnight)\b",
    re.IGNORECASE,
)
_SIZE = re.compile(
    r"\d\s?(?:[kmgt]i?b|bytes?|kilobytes?|megabytes?|gigabytes?|characters?|rows?|pixels?|px)\b", re.IGNORECASE
)
_NUMBER = re.compile(rf"(?<![\w$.,-])(?:\d[\d,]*|{_NUMBER_WORDS}|unlimited)\b(?!\s?%)", re.IGNORECASE)
_POINTS_BACK = re.compile(
    r"^\s*(?:[-*]\s+)?(?:th(?:e|is|at|ese|ose) (?:limit|cap|maximum|allowance|fee|charge|rate|count)s?|this|it)\b",
    re.IGNORECASE,
)  # a line about the value just stated ("The limit applies to outbound movements such as ...")
_WINDOW = 5  # words either side of a number that may say what it counts ("9 complimentary visits", "visits: 9")
_WORDS = re.compile(r"[a-z]+", re.IGNORECASE)
_ALSO_ONLY = re.compile(r"\balso (?P<verb>[a-z]+) (?P<asked>[^,?;.!]+?),? or (?:only|just)\b", re.IGNORECASE)
_PERIOD_ASKED = re.compile(
    r"\b(daily|weekly|monthly|yearly|annual|hourly)\b|\b(?:per|a|an|each|every) (day|week|month|year|hour)\b(?! ago\b)",
    re.IGNORECASE,
)
PERIOD_NOUNS = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "yearly": "year",
    "annual": "year",
    "hourly": "hour",
}
_PERIOD_SAID = {
    period: re.compile(rf"\b(?:{period}s?|{adjective})\b", re.IGNORECASE)
    for period, adjective in [
        ("day", "daily"),
        ("week", "weekly"),
        ("month", "monthly"),
        ("year", "yearly|annual(?:ly)?"),
        ("hour", "hourly"),
    ]
}
_LIMIT_PERIOD = re.compile(
    r"\b(daily|weekly|monthly|yearly|annual)\s+(?:[a-z]+\s+)?(?:limits?|caps?|maximum|max|minimum)\b|"
    r"\b(?:limits?|caps?|maximum|max|minimum)\s+(?:per|a|each)\s+(day|week|month|year)\b",
    re.IGNORECASE,
)  # "a monthly spending limit", "the cap per day"
_ASKS_PLACE = re.compile(
    r"\b(?:which|what) (?:country|countries|region|city|cities|location|data cent(?:er|re))\b|"
    r"\bwhere (?:is|are|was|were) (?:[\w'-]+ ){1,5}?(?:located|hosted|stored|planted|based|held|kept|made)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(
    r"\b(?:in|at|from|within) (?:the )?[A-Z][\w-]+|\b(?:countr(?:y|ies)|regions?|located|headquartered)\b"
)
_AGE_GROUP = re.compile(r"\b(?:over|under)[- ]?(\d{1,3})s\b|\b(\d{1,3})\+", re.IGNORECASE)
_FUNCTION = frozenset(
    "a an the in on at to of for with by from into and or my our your their its it them this that these those".split()
)  # the words of an asked phrase that name nothing


def asked_kinds(question: str) -> dict[Kind, frozenset[str]]:
    """The kinds of value a question asks for, each with the words naming what is counted (for a count only)."""
    kinds: dict[Kind, frozenset[str]] = {}
    if _ASKS_AMOUNT.search(question):
        kinds["amount"] = frozenset(_costed(question))
    if _ASKS_PERCENTAGE.search(question):
        kinds["percentage"] = frozenset()
    elif rate := _RATE_ON.search(question) or _RATES.search(question):
        kinds["percentage"] = frozenset(_named(rate.group("named").split()))
    if _ASKS_SIZE.search(question):
        kinds["size"] = frozenset()
    if _ASKS_DURATION.search(question):
        kinds["duration"] = frozenset()
    elif counted := _ASKS_COUNT.search(question):
        kinds["count"] = frozenset(_counted(counted.group(1).split()))
    return kinds


def _counted(words: list[str]) -> set[str]:
    """What "how many" counts: the last word before its verb or preposition ("webhook endpoints can ..." ->
    "endpoint"), plural cut; nothing for a generic one ("how many times")."""
    phrase: list[str] = []
    for word in words:
        if word.lower() in _COUNT_STOP:
            break
        phrase.append(word)
    head = _WORDS.findall(phrase[-1]) if phrase else []
    return {_stem(head[-1])} - _GENERIC if head else set()


def _costed(question: str) -> set[str]:
    """What an amount question prices (`_named`): the subject of "cost" ("the next box of checks" -> "box"), or the
    object of the verb after it when the subject is a pronoun ("it costs ... to rent a safe deposit box" -> "box")."""
    m = _COSTED.search(question)
    if m is None:
        return set()
    subject = m.group("subject").split()
    return _named(subject if subject[-1].lower() not in _PRONOUNS else (m.group("object") or "").split())


def _named(phrase: list[str]) -> set[str]:
    """The thing a noun phrase names, as `_counted` reads it, after its determiners ("a safe deposit box at ..." ->
    "box"); nothing for a pronoun ("the new one": named before, not here) or an act ("closing": priced in other
    words, "the closure fee")."""
    while phrase and phrase[0].lower() in _DETERMINERS:
        phrase = phrase[1:]
    if any(w.lower() in _PRONOUNS for w in phrase[:2]):
        return set()
    return {w for w in _counted(phrase) if not w.endswith("ing")}


def states_asked(question: str, text: str) -> bool:
    """Whether `text` states a value of every kind the question asks for (True when it asks for none)."""
    return all(_states(kind, counted, text) for kind, counted in asked_kinds(question).items())


def _states(kind: Kind, counted: frozenset[str], text: str) -> bool:
    if kind == "amount":  # an amount said of what is priced ("$20 per box"), when the question names it
        return _said_of(counted, _AMOUNT, text) if counted else bool(_AMOUNT.search(text))
    if kind == "percentage":  # a rate said of the thing the question names ("7.0% APR on advances")
        return _said_of(counted, _PERCENTAGE, text) if counted else bool(_PERCENTAGE.search(text))
    if kind == "duration":
        return bool(_DURATION.search(text))
    if kind == "size":
        return bool(_SIZE.search(text))
    plain = re.sub(r"\$\s?\d[\d,.]*", " ", text)  # money is no count
    if not counted:  # "how many times": any number
        return bool(_NUMBER.search(plain))
    return _said_of(counted, _NUMBER, plain)


def _said_of(counted: frozenset[str], value: re.Pattern[str], text: str) -> bool:
    """Whether a value of the pattern is said within _WINDOW words of one of the `counted` words, or of what the line
    right after it says the value applies to, pointing back at it ("up to 30 withdrawals during each monthly cycle." /
    "The limit applies to ... electronic transfers": a count of transfers)."""
    for m in value.finditer(text):
        around = _WORDS.findall(text[: m.start()])[-_WINDOW:] + _WORDS.findall(text[m.end() :])[:_WINDOW]
        if counted & {_stem(w) for w in around}:
            return True
        after = [line for line in text[m.end() :].split("\n")[1:3] if line.strip()][:1]
        if after and _POINTS_BACK.match(after[0]) and counted & {_stem(w) for w in _WORDS.findall(after[0])}:
            return True
    return False


def _stem(word: str) -> str:
    """A word without its plural ending ("endpoints" -> "endpoint", "policies" -> "policy"), lower case."""
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def asked_periods(question: str) -> frozenset[str]:
    """The periods a question qualifies what it asks with ("the daily sending limit", "how many times a month"): "day",
    "week", "month", "year" or "hour"; a time past ("an hour ago") is none."""
    return _periods(_PERIOD_ASKED, question)


def names_periods(question: str, text: str) -> bool:
    """Whether `text` names every period the question qualifies what it asks with (True when it names none): an
    article never saying "day" or "daily" does not give a daily limit."""
    return all(_PERIOD_SAID[period].search(text) for period in asked_periods(question))


def names_limit_period(question: str, text: str) -> bool:
    """Whether `text` names the period of a limit the question asks about ("a monthly spending limit", "the cap per
    day"); True when it asks of none. An article on the daily cap of a card that never says "month" or "monthly" does
    not say whether there is a monthly limit, nor what it is."""
    return all(_PERIOD_SAID[period].search(text) for period in _periods(_LIMIT_PERIOD, question))


def _periods(pattern: re.Pattern[str], question: str) -> frozenset[str]:
    """The periods the pattern's groups find in a question, as nouns ("daily" -> "day")."""
    found = (w.lower() for m in pattern.finditer(question) for w in m.groups() if w)
    return frozenset(PERIOD_NOUNS.get(w, w) for w in found)


def names_place(question: str, text: str) -> bool:
    """Whether `text` names a place when the question asks where something is ("where are the trees actually planted,
    which country or partner?", "which region is our data hosted in?"): a place's name after "in", "at" or "from" ("in
    Brazil", "at the EU data centre"), or a country or region spoken of; True when it asks none. An article telling how
    trees are earned but never where they grow cannot say where."""
    return not _ASKS_PLACE.search(question) or bool(_PLACE.search(text))


def asked_ages(question: str) -> frozenset[str]:
    """The ages a question names a group of people by ("the checking for over-62s", "62+", "under-18s")."""
    return frozenset(m.group(1) or m.group(2) for m in _AGE_GROUP.finditer(question))


def names_ages(question: str, text: str) -> bool:
    """Whether `text` names every age the question names a group of people by (the product for "over-62s" is the one
    "for customers aged 62 and older"); True when it names none."""
    return all(re.search(rf"(?<![\d.,$]){age}(?![\d,]|\.\d)", text) for age in asked_ages(question))


def names_alternative(question: str, text: str) -> bool:
    """Whether `text` names any word of what a question asks for besides the thing it names: "... also record link
    clicks, or only opens?" asks of "link clicks" ("also", its verb, then the words up to "or only"); True when the
    question asks no such alternative."""
    m = _ALSO_ONLY.search(question)
    if m is None:
        return True
    asked = {_stem(w) for w in _WORDS.findall(m.group("asked")) if w.lower() not in _FUNCTION}
    return not asked or bool(asked & {_stem(w) for w in _WORDS.findall(text)})
