"""Small, pure text rules: sentence splitting, lexicon sentiment, intent and error codes."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

Sentiment = Literal["negative", "neutral", "positive"]
Intent = Literal["billing", "bug", "how_to", "access", "cancellation", "feature_request", "other"]

# ---------------------------------------------------------------- sentences

_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
_ABBREVIATIONS = {"e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "no.", "approx.", "inc.", "ltd.", "st."}


def split_sentences(text: str | None) -> list[str]:
    """Sentences of a text: lines first (emails, lists), then terminal punctuation; quoted lines ('>') dropped."""
    sentences: list[str] = []
    for line in (text or "").splitlines():
        line = _BULLET.sub("", line).strip()
        if not line or line.startswith(">"):
            continue
        sentences.extend(_split_line(" ".join(line.split())))
    return sentences


def _split_line(line: str) -> list[str]:
    parts, start = [], 0
    for match in _BOUNDARY.finditer(line):
        head = line[start : match.start()].strip()
        if head.rsplit(" ", 1)[-1].lower() in _ABBREVIATIONS:
            continue
        parts.append(head)
        start = match.end()
    parts.append(line[start:].strip())
    return [p for p in parts if re.search(r"[A-Za-z0-9]", p)]


def questions(text: str | None) -> list[str]:
    """The sentences of a text that ask something (end in '?')."""
    return [s for s in split_sentences(text) if s.rstrip("\"')").endswith("?")]


# ---------------------------------------------------------------- sentiment

LEXICON: dict[str, float] = {
    # negative
    "angry": -2.5,
    "annoyed": -1.5,
    "annoying": -1.5,
    "awful": -2.5,
    "bad": -1.5,
    "blocked": -1.5,
    "broke": -1.0,
    "broken": -1.5,
    "bug": -1.0,
    "buggy": -1.5,
    "complaint": -1.5,
    "confused": -1.0,
    "confusing": -1.5,
    "crash": -1.5,
    "crashed": -1.5,
    "crashes": -1.5,
    "crashing": -1.5,
    "disappointed": -2.0,
    "disappointing": -2.0,
    "disaster": -3.0,
    "error": -1.0,
    "errors": -1.0,
    "escalate": -1.5,
    "fail": -1.5,
    "failed": -1.5,
    "failing": -1.5,
    "fails": -1.5,
    "failure": -1.5,
    "frustrated": -2.0,
    "frustrating": -2.0,
    "furious": -3.0,
    "hate": -2.5,
    "horrible": -2.5,
    "impossible": -1.5,
    "issue": -0.5,
    "issues": -0.5,
    "lost": -1.5,
    "mess": -1.5,
    "nightmare": -2.5,
    "outage": -2.0,
    "overcharged": -2.0,
    "poor": -1.5,
    "problem": -1.0,
    "problems": -1.0,
    "ridiculous": -2.5,
    "slow": -1.0,
    "stuck": -1.5,
    "sucks": -2.5,
    "terrible": -2.5,
    "unacceptable": -2.5,
    "unhappy": -2.0,
    "unusable": -2.5,
    "upset": -2.0,
    "urgent": -1.0,
    "useless": -2.0,
    "worse": -2.0,
    "worst": -3.0,
    "wrong": -1.0,
    # positive
    "amazing": 2.5,
    "appreciate": 2.0,
    "appreciated": 2.0,
    "awesome": 2.5,
    "best": 2.0,
    "brilliant": 2.5,
    "easy": 1.5,
    "excellent": 2.5,
    "fantastic": 2.5,
    "fast": 1.0,
    "fixed": 1.5,
    "glad": 2.0,
    "good": 1.5,
    "grateful": 2.0,
    "great": 2.0,
    "happy": 2.0,
    "helpful": 2.0,
    "impressed": 2.0,
    "love": 2.5,
    "loved": 2.5,
    "nice": 1.5,
    "perfect": 2.5,
    "pleased": 2.0,
    "quick": 1.0,
    "resolved": 1.5,
    "satisfied": 2.0,
    "smooth": 1.5,
    "solved": 1.5,
    "thank": 1.5,
    "thankful": 2.0,
    "thanks": 1.5,
    "wonderful": 2.5,
    "work": 1.0,
    "worked": 1.5,
    "working": 1.0,
    "works": 1.0,
}
INTENSIFIERS: dict[str, float] = {
    "absolutely": 1.6,
    "completely": 1.5,
    "extremely": 1.8,
    "highly": 1.4,
    "incredibly": 1.7,
    "really": 1.4,
    "seriously": 1.5,
    "so": 1.3,
    "super": 1.5,
    "too": 1.3,
    "totally": 1.5,
    "truly": 1.4,
    "very": 1.5,
    "fairly": 0.7,
    "kinda": 0.6,
    "slightly": 0.5,
    "somewhat": 0.6,
}
NEGATIONS = {
    "not",
    "no",
    "never",
    "cannot",
    "cant",
    "dont",
    "doesnt",
    "didnt",
    "isnt",
    "wont",
    "without",
    "nothing",
    "neither",
    "nor",
}
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[.,;:!?]")
NEGATION_SCOPE, INTENSIFIER_SCOPE, THRESHOLD = 3, 2, 0.15


def sentiment_score(text: str | None) -> float:
    """Polarity in [-1, 1]: lexicon words, flipped by a negation up to 3 words before ("not working"),
    scaled by an intensifier up to 2 words before ("very frustrated"); punctuation ends both scopes."""
    total, since_negation, since_intensifier, boost = 0.0, None, None, 1.0
    for token in _TOKEN.findall((text or "").lower().replace("\u2019", "'")):
        if token in ".,;:!?":
            since_negation = since_intensifier = None
            continue
        since_negation = since_negation + 1 if since_negation is not None else None
        since_intensifier = since_intensifier + 1 if since_intensifier is not None else None
        if token in NEGATIONS or token.endswith("n't"):
            since_negation = 0
        elif token in INTENSIFIERS:
            since_intensifier, boost = 0, INTENSIFIERS[token]
        elif token in LEXICON:
            total += _polarity(LEXICON[token], since_negation, since_intensifier, boost)
            since_negation = since_intensifier = None
    return total / math.sqrt(total * total + 15)


def _polarity(value: float, since_negation: int | None, since_intensifier: int | None, boost: float) -> float:
    if since_intensifier is not None and since_intensifier <= INTENSIFIER_SCOPE:
        value *= boost
    if since_negation is not None and since_negation <= NEGATION_SCOPE:
        value = -value if value > 0 else -value * 0.5  # "not happy" is bad; "not bad" is only mildly good
    return value


def label(score: float) -> Sentiment:
    """negative / neutral / positive for a polarity score."""
    return "negative" if score <= -THRESHOLD else "positive" if score >= THRESHOLD else "neutral"


def sentiment(texts: str | Sequence[str]) -> Sentiment:
    """The sentiment of a text, or of a series of texts with the latest weighted most (weights 1, 2, 3...)."""
    items = [texts] if isinstance(texts, str) else [t for t in texts if t and t.strip()]
    if not items:
        return "neutral"
    weights = range(1, len(items) + 1)
    return label(sum(w * sentiment_score(t) for w, t in zip(weights, items)) / sum(weights))


# ---------------------------------------------------------------- intent and error codes

_ERROR_CODES = (
    re.compile(r"\b[A-Z]{1,5}[-_]?\d{3,5}\b"),
    re.compile(r"\bERR_[A-Z_]+\b"),
    re.compile(r"\b(?:HTTP|error|status)\s*(?:code\s*)?[:#]?\s*[1-5]\d\d\b", re.I),
)


def error_codes(text: str | None) -> list[str]:
    """Error codes mentioned in a text (E-4012, ERR_CONN_RESET, HTTP 500, error 403), first seen first."""
    found = (m.group(0) for pattern in _ERROR_CODES for m in pattern.finditer(text or ""))
    return list(dict.fromkeys(found))


def _rules(weight: float, *patterns: str) -> list[tuple[float, re.Pattern[str]]]:
    return [(weight, re.compile(rf"\b(?:{p})\b", re.I)) for p in patterns]


# Order breaks ties: the costlier misunderstanding first (churn risk, locked-out users, money).
INTENT_RULES: dict[str, list[tuple[float, re.Pattern[str]]]] = {
    "cancellation": _rules(
        2,
        r"cancel\w*",
        r"terminat(?:e|ion)",
        r"close (?:my|our) account",
        r"churn\w*",
        r"unsubscribe",
        r"not (?:going to )?renew\w*",
        r"won't (?:be )?renew\w*",
        r"switch(?:ing)? to",
        r"competitor\w*",
        r"downgrad\w+",
        r"end (?:my|our|the) contract",
    ),
    "access": _rules(
        2,
        r"log ?in",
        r"logging in",
        r"sign ?in",
        r"signing in",
        r"password\w*",
        r"2fa|mfa|two[- ]factor",
        r"sso",
        r"locked out",
        r"access denied",
        r"(?:can't|cannot|can not) access",
        r"unauthori[sz]ed",
        r"permissions?",
    ),
    "billing": _rules(
        2,
        r"invoic\w*",
        r"billing|billed|bill",
        r"charg(?:e|ed|es|ing)",
        r"overcharg\w*",
        r"refund\w*",
        r"payments?",
        r"paid|pay",
        r"credit card",
        r"receipts?",
        r"pricing|prices?",
        r"vat|tax(?:es)?",
        r"discount\w*",
    ),
    "bug": _rules(
        1,
        r"bugs?",
        r"errors?",
        r"crash\w*",
        r"broken",
        r"exceptions?",
        r"stack ?trace",
        r"fail(?:s|ed|ing|ure)?",
        r"not working|(?:doesn't|does not|don't|won't) (?:work|load|sync|open)",
        r"stopped working",
        r"glitch\w*",
        r"blank page",
        r"time[sd]? ?out",
        r"freez\w+|frozen",
    ),
    "feature_request": _rules(
        2,
        r"feature request",
        r"would be (?:nice|great|helpful|useful) (?:if|to)",
        r"(?:could|can) you (?:please )?add",
        r"please add",
        r"wish (?:there|it|you)",
        r"suggestions?",
        r"roadmap",
        r"support for",
        r"add (?:an? )?option",
    ),
    "how_to": _rules(
        1,
        r"how (?:do|can|to|would|should)",
        r"where (?:do|can) (?:i|we)",
        r"is there a way",
        r"instructions?",
        r"guide|tutorial",
        r"documentation|docs",
        r"set ?up",
        r"configur\w+",
        r"steps? to",
    ),
}


def intent(text: str | None) -> Intent:
    """The most likely request type by weighted keyword rules (an error code counts for 'bug'); 'other' when none match."""
    scores = {name: sum(w * len(p.findall(text or "")) for w, p in rules) for name, rules in INTENT_RULES.items()}
    scores["bug"] += len(error_codes(text))
    best = max(scores, key=lambda name: scores[name])  # the first of equals wins
    return best if scores[best] > 0 else "other"  # type: ignore[return-value]
