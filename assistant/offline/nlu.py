"""`understand()`: a chat message -> intent, confidence and normalised slots (no database).

Each intent has a slot filler. Fillers find values with the parsers of `slots`, mask what they
consumed so that a date or amount is never read as part of a name, and split messages like
"log a call with Tom: asked for a review" into a head (who) and a tail (free text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from assistant.offline import english
from assistant.offline import slots as sl
from assistant.offline.guard import COMPANY_SUFFIXES
from assistant.offline.handoff import handed_to
from assistant.offline.intents import IntentClassifier
from assistant.offline.slots import Found, find_name, mask, name_runs

Slots = dict[str, Any]  # slot name -> value; the type varies by slot (text, number, date, money, list)
T = TypeVar("T")


@dataclass
class Parse:
    """What the offline model understood: an intent, how sure it is, and its slots."""

    intent: str
    confidence: float
    slots: Slots = field(default_factory=dict)


def understand(text: str, *, now: datetime, classifier: IntentClassifier) -> Parse:
    """Classify `text` and fill the slots of its intent; relative dates resolve against `now`."""
    intent, confidence = classifier.classify(text)
    filler = FILLERS.get(intent)
    return Parse(intent, confidence, filler(text, now) if filler else {})


# ----------------------------------------------------------------------------------- helpers

# a colon, not a time's ("10:30"); after a number when a space follows ("add a note to northfield pilot 64: ...")
_SEPARATORS = (re.compile(r"(?<!\d):(?!\d)|(?<=\d):(?=\s)"), re.compile(r"\s[-–—]\s|\s*[–—]\s*"))
_EDGE_JUNK = re.compile(r"^[\s\x00,;:.!?'\"()~-]+|[\s\x00,;:.!?'\"()~-]+$")
_DANGLING = re.compile(r"(?:\s+(?:by|on|due|before|until|at|for|in|the|and|of))+\s*$", re.I)
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.I)


def _date(text: str, now: datetime) -> Found[date] | None:
    """A date phrase: the date rules first, then dateparser for phrases they do not know ("on the 15th")."""
    found = sl.find_date(text, now.date())
    if found is None and (parsed := english.date_phrase(text, now)) is not None:
        found = Found(*parsed)
    return found


def _put(slots: Slots, key: str, found: Found[T] | None) -> Found[T] | None:
    """Store a found value under `key`; return what was found, for masking."""
    if found is not None:
        slots[key] = found.value
    return found


def _clean(text: str) -> str:
    """Collapse masks and blanks, drop edge punctuation and dangling prepositions."""
    text = re.sub(r"[\s\x00]+", " ", text)
    previous = None
    while previous != text:
        previous = text
        text = _DANGLING.sub("", _EDGE_JUNK.sub("", text))
    return text


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _split_detail(text: str, words: tuple[str, ...] = ()) -> tuple[str, str]:
    """(head, tail) around the first colon, else spaced dash, else one of `words`, else comma.

    Offsets are kept: head is text[:i] and tail text[j:]; the tail is "" when nothing splits.
    """
    patterns = [*_SEPARATORS]
    if words:
        patterns.append(re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I))
    patterns.append(re.compile(","))
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            return text[: m.start()], " " * m.end() + text[m.end() :]
    return text, ""


_SAY_SO = re.compile(
    r"\W*(?:(?:pls|please|thx|thanks)\W+)*(?:(?:can|could)\s+(?:you|u)\s+)?"
    r"(?:(?:log|record|save|note|add|capture)\s+(?:it|that|this)(?:\s+(?:down|for\s+me))?)?"
    r"(?:\W+(?:pls|please|thx|thanks))*\W*",
    re.I,
)


def _segments(tail: str) -> list[str]:
    """The parts of a message's details, split at commas, semicolons and sentence ends; a closing "log it pls" (the
    request itself) is no part."""
    parts = [part for part in re.split(r"[,;]|(?<=[a-z0-9)])\.\s+", tail) if part.strip(" \x00")]
    while parts and _SAY_SO.fullmatch(parts[-1]):
        parts = parts[:-1]
    return parts


def _drop_edges(parts: list[str], empty: Callable[[str], bool]) -> list[str]:
    """Drop leading and trailing segments for which `empty` holds."""
    while parts and empty(parts[0]):
        parts = parts[1:]
    while parts and empty(parts[-1]):
        parts = parts[:-1]
    return parts


def _blank(text: str) -> bool:
    return not _clean(text)


# ----------------------------------------------------------------------------------- fillers


def _show_record(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    _put(slots, "name", find_name(text, after=("about", "on", "for", "of", "regarding", "with")))
    return slots


_BANT = [
    ("budget", re.compile(r"\bbudget\b|\$\s?\d|\b\d+(?:\.\d+)?\s?[km]\b|\bfunding\b|\bfunded\b", re.I)),
    (
        "authority",
        re.compile(
            r"\bdecid\w*|\bdecision[- ]?maker\b|\bsigns?\s+off\b|\bsign-?off\b|\bauthority\b|\bapprover\b"
            r"|\bchampion\b|\beconomic buyer\b|\bcalls the shots\b|\bapprov(?:es|ed|al)\b|\bsigns\b|\bsigns?\s+the\s+(?:contract|deal|po)\b"
            r"|\bowns?\s+the\s+(?:decision|budget)\b|\bmakes?\s+the\s+(?:call|decision)\b|\bfinal\s+say\b",
            re.I,
        ),
    ),
    (
        "timeline",
        re.compile(
            r"\bgo[- ]?live\b|\btimeline\b|\blaunch\b|\bby\s+(?:q[1-4]|end|" + sl._MONTH_NAMES + r")\b|\bq[1-4]\b"
            r"|\bwithin\s+\w+\s+(?:weeks?|months?)\b|\bstart\w*\s+in\b|\brollout\b",
            re.I,
        ),
    ),
    (
        "need",
        re.compile(r"\bneeds?\b|\bpain\b|\bproblem\b|\bwants?\b|\blooking\s+for\b|\breplac\w+\b|\bstruggl\w+\b", re.I),
    ),
]


_BANT_LABEL = re.compile(r"budget|authority|needs?|timeline|timing", re.I)
_UNKNOWN_ANSWER = re.compile(r"(?:is\s+)?(?:unknown|not\s+sure|no\s+idea|tbd|n/?a|not\s+known)", re.I)


def find_bant(text: str) -> Slots:
    """Budget, authority, need and timeline from the parts of a qualification message ("budget 80k signed off, she
    decides, go-live June"): each comma/semicolon/dash part goes to the first BANT field it speaks of."""
    found: Slots = {}
    for part in re.split(r"[,;]|\.\s|\s[-–—]\s|\s+and\s+(?=(?:\w+\s+)?(?:decid|sign|need|want|budget|go))", text):
        head, colon, tail = part.partition(":")
        if colon and not _BANT_LABEL.fullmatch(head.strip()):  # "Wes is qualified: budget 80k" but not "need: a CRM"
            part = tail
        part = part.strip(" .!")
        for key, pattern in _BANT:
            if (
                key not in found
                and pattern.search(part)
                and not re.fullmatch(r"(?:\w+\s+){0,3}(?:is\s+)?qualified", part, re.I)
            ):
                found[key] = (
                    "unknown" if _UNKNOWN_ANSWER.fullmatch(_BANT_LABEL.sub("", part, count=1).strip(" :")) else part
                )
                break
    return found


def _update_lead_status(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    status = _put(slots, "status", sl.find_lead_status(text))
    bant = find_bant(text) if slots.get("status") == "qualified" else {}
    slots.update(bant)
    reason = _put(slots, "reason", sl.find_reason(text)) if slots.get("status") == "lost" else None
    head = mask(text, reason, status)
    if bant:
        head = _split_detail(head)[0]
    _put(slots, "name", find_name(head))
    return slots


# A value the user rules out ("isnt closing in oct anymore, push it out to nov 30"): up to the end of its clause.
_RULED_OUT = re.compile(r"\b(?:isn'?t|is\s+not|aren'?t|not|no\s+longer|won'?t\s+be|never)\b[^,;.]*", re.I)


def _deal_money(text: str, now: datetime, slots: Slots) -> tuple[str, Found[Decimal] | None]:
    """Fill amount and close_date (never one the user rules out); return the text with both masked, and the amount
    found."""
    ruled = _RULED_OUT.sub(lambda m: sl.MASK * len(m[0]), text)
    amount = _put(slots, "amount", sl.find_amount(ruled))
    text = mask(text, amount)
    close = _put(slots, "close_date", _date(mask(ruled, amount), now))
    return mask(text, close), amount


_CALLED = re.compile(r"\b(?:called|named|titled|(?:call|name)\s+it)\s+", re.I)
_QUOTED = re.compile(r"\s*['\"‘“]([^'\"‘’“”]+)['\"’”]")
_DEAL_NAME = re.compile(
    r"(?:(?!(?:closing|closes|close|due|by|worth|for|with|at|in|on|to|and|valued|expected|from|deal|"
    r"opportunity|opp)\b)"
    r"[A-Za-z][\w&'’-]*\s?){1,4}",
    re.I,
)


# A deal's whole name typed last, after a dash: "Company - Name" ("add a 9.5k deal on X - Silverpoint Partners - Pack")
_WHOLE_NAME_LAST = re.compile(
    r"\s[-–—:]\s+([A-Za-z][\w&'.]*(?:\s+[\w&'.]+){0,3}\s+-\s+[A-Za-z][\w&'.-]*(?:\s+[\w&'.-]+){0,4})(?=\s*(?:[,;]|$))"
)  # "... on northline partners - Northline Partners - Data Add-on, closing 9/30"
# The deal's main contact: "..., contact vera meyer, close 9/15"
_DEAL_CONTACT = re.compile(
    r"(?:^|[,;]|\bwith)\s*(?:main\s+|primary\s+)?contact\s*(?:is\s+|:\s*)?([a-z][\w'-]*\s+[a-z][\w'-]*)\s*(?=[,;]|$)",
    re.I,
)


def _deal_name(text: str, amount: Found[Decimal] | None) -> Found[str] | None:
    """A deal's own name: up to four words after "called"/"named", or right after the amount
    ("20k platform upgrade closing ..." -> "platform upgrade")."""
    called = _CALLED.search(text)
    if called and (quoted := _QUOTED.match(text, called.end())):  # "call it 'Lumenbridge - Analytics Add-on'"
        return Found(quoted[1].strip(), quoted.start(1), quoted.end(1))
    if called:  # "called Globex - Analytics Add-on, 15k": the name as typed, up to the next part
        typed = re.match(
            r"[^,;:\x00]+?(?=\s+(?:closing|closes|close|due|worth|valued|expected|for|with|in\s+stage)\b|\s*[,;:\x00]|\s*$)",
            text[called.end() :],
            re.I,
        )
        if typed and typed[0].strip():
            return Found(typed[0].strip(), called.end(), called.end() + len(typed[0].strip()))
    if not called and (whole := _WHOLE_NAME_LAST.search(text)):  # "... on silverpoint 44 - Silverpoint - Support Pack"
        return Found(whole[1], whole.start(1), whole.end(1))
    start = called.end() if called else amount.end + 1 if amount is not None else None
    m = _DEAL_NAME.match(text, start) if start is not None else None
    return Found(m[0].strip(), m.start(), m.start() + len(m[0].strip())) if m else None


# Why a lead not yet qualified is converted anyway: "... - override, he's verbally committed"
_OVERRIDE = re.compile(r"\boverride\b\s*(?:reason)?\s*[,:;-]?\s*(?:because\s+|since\s+)?(\S.{3,}?)\W*$", re.I)


def _convert_lead(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    override = _OVERRIDE.search(text)
    if override:
        slots["override_reason"] = override[1]
        text = text[: override.start()]
    rest, _ = _deal_money(text, now, slots)
    deal = _put(slots, "deal_name", _deal_name(rest, None))
    head = rest[: deal.start] if deal else rest
    _put(slots, "name", find_name(head, after=("convert", "turn", "promote")))
    return slots


def _create_deal(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    rest, amount = _deal_money(text, now, slots)
    deal = _put(slots, "deal_name", _deal_name(rest, amount))
    colon = _SEPARATORS[0].search(rest)
    if colon and not _CALLED.search(
        rest
    ):  # "new deal for Globex: analytics add-on, 15k" -> the first part after the colon
        first = next((part for part in re.split(r"[,;]", rest[colon.end() :]) if _clean(part)), "")
        words = _clean(re.sub(r"\b(?:closing|close|due|worth|in|by)\b.*$", "", first, flags=re.I))
        if words and len(words.split()) <= 6:
            start = rest.index(first)
            deal = Found(words, start, start + len(first))
            slots["deal_name"] = words
    called = _CALLED.search(rest)
    if contact := _DEAL_CONTACT.search(rest):
        slots["contact"] = contact[1]
        rest = rest[: contact.start()] + " " * len(contact[0]) + rest[contact.end() :]
    _put(slots, "name", find_name(mask(rest, deal), after=("for", "with", "at"), fallback=not called))
    if "name" not in slots and " - " in str(
        slots.get("deal_name") or ""
    ):  # "called Globex - Analytics Add-on": Globex's
        slots["name"] = str(slots["deal_name"]).split(" - ")[0]
    stage = sl.find_stage(mask(rest, deal))
    if stage is not None and stage.value not in (
        "closed_won",
        "closed_lost",
    ):  # "stage qualification": a new deal's stage
        slots["stage"] = stage.value
    return slots


_PERCENT = re.compile(
    r"\b(\d{1,3})\s*(?:%|percent\b)|(?<=probability)\s+(?:(?:to|of|at|is|=)\s+)?(\d{1,3})\b(?!\s*[km]\b)", re.I
)


def _update_deal(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    percent = _PERCENT.search(text)
    if (
        percent
        and re.search(r"\b(?:probability|prob|odds|likelihood|chance)", text, re.I)
        and int(percent[1] or percent[2]) <= 100
    ):
        slots["probability"] = int(percent[1] or percent[2])
        text = text[: percent.start()] + sl.MASK * (percent.end() - percent.start()) + text[percent.end() :]
    rest, _ = _deal_money(text, now, slots)
    _put(slots, "name", find_name(rest))
    return slots


_MONEY_MARK = re.compile(
    r"[$€£]|\d\s*(?:k|m|mm|grand)\b|\d,\d{3}|\b(?:amount|worth|value|valued|at|for)\s+(?:is\s+)?(?:now\s+)?$", re.I
)


def _move_deal_stage(text: str, now: datetime) -> Slots:
    """The stage, the lost reason, the deal's name, and a new amount said with the move ("moved to negotiation, amount is
    now 110k"; a bare number is a deal's name part, never an amount)."""
    slots: Slots = {}
    stage = _put(slots, "stage", sl.find_stage(text))
    reason = _put(slots, "reason", sl.find_reason(text)) if slots.get("stage") == "closed_lost" else None
    head = mask(text, reason)
    amount = sl.find_amount(head)
    if amount is not None and (
        _MONEY_MARK.search(head[amount.start : amount.end])
        or _MONEY_MARK.search(head[max(0, amount.start - 20) : amount.start])
    ):
        slots["amount"] = amount.value
        head = mask(head, amount)
    _put(slots, "name", find_name(mask(head, stage)))
    return slots


def _pipeline(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    _put(slots, "scope", sl.find_scope(text))
    _put(slots, "group_by", sl.find_group_by(text))
    _put(slots, "period", sl.find_period(text))
    return slots


def _stuck_deals(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    _put(slots, "days", sl.find_days(text))
    return slots


def _period_only(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    _put(slots, "period", sl.find_period(text))
    return slots


def _period_within(text: str, now: datetime) -> Slots:
    slots = _period_only(text, now)
    within = find_within(text)
    if within:
        slots["within_days"] = within
        if slots.get("period") in ("next_week", "next_month"):  # "in the next week": the days, not the week
            del slots["period"]
    return slots


_ABOUT = re.compile(r"\b(?:about|regarding|re:)\s+(\S.*)$", re.I | re.S)


_OUTCOMES = [
    (re.compile(p, re.I), outcome)
    for p, outcome in [
        (r"\bvoice\s*-?mail\b|\bleft\s+(?:a\s+)?(?:message|vm)\b|\bvm\b", "left_voicemail"),
        (
            r"\bno\s+answer\b|\bdidn'?t\s+(?:answer|pick\s+up)\b|\bdid\s+not\s+(?:answer|pick\s+up)\b|\bunanswered\b",
            "no_answer",
        ),
        (r"\bline\s+(?:was\s+)?busy\b|\bbusy\s+(?:signal|tone)\b", "busy"),
    ]
]


_CALLER_FROM = re.compile(
    r"^\W*[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2}\s+(?:from|at|@)\s+[\w&'-]+(?:\s+[\w&'-]+)?\s+(?:called|rang|phoned)\b",
    re.I,
)


_SAY_SO_LAST = re.compile(r"\s+[-–—]\s*" + _SAY_SO.pattern + r"$", re.I)  # "... wants a trial extension - log it"
_CALLED_US = re.compile(r"\s+(?:rang|called|phoned|rung)(?:\s+(?:me|us|in))?\W*$", re.I)  # "hiro silva rang"


def _log_call(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    if said := _SAY_SO_LAST.search(text):  # the request said last after a dash: the details split at their commas
        text = text[: said.start()] + " " * len(said[0])
    _put(slots, "direction", sl.find_direction(text))
    outcome = next((value for pattern, value in _OUTCOMES if pattern.search(text)), None)
    if outcome:
        slots["outcome"] = outcome
    head, tail = _split_detail(text)
    duration = _put(slots, "duration_minutes", sl.find_duration(head))
    head = mask(head, duration)
    if (day := sl.find_date(head, now.date())) is not None:  # "i called rosa rossi on tuesday": the day it took place
        on = day.value - timedelta(days=7) if 0 < (day.value - now.date()).days <= 7 else day.value  # the last one
        if on < now.date():
            slots["called_on"] = on
        head = mask(head, day)
    caller = _CALLER_FROM.match(head)  # "nils varga from falconpath called": the caller, not the company
    name = _put(slots, "name", find_name(head, after=("with", "to") if caller else ("with", "to", "from")))
    pronoun = re.search(
        r"\b(?:with|to|from|called|rang|phoned|pinged|reached|emailed|texted)\s+(?:her|him|them)\b", head, re.I
    )  # the person in focus: no name in the notes
    parts = _segments(tail)
    while parts:
        candidate = find_name(parts[0]) if name is None and not pronoun else None
        if candidate is not None and candidate.value == _clean(_CALLED_US.sub("", parts[0])):
            name = _put(slots, "name", candidate)
        elif (
            "duration_minutes" not in slots and (found := sl.find_duration(parts[0])) and _blank(mask(parts[0], found))
        ):
            slots["duration_minutes"] = found.value
        elif _blank(
            mask(parts[0], sl.find_direction(parts[0]))
        ):  # "outbound, 30 mins, she ...": the direction said alone
            pass
        else:
            break
        parts = parts[1:]
    while parts:  # "it was about the renewal, 20 min, connected": the duration and outcome said last are no notes
        last = parts[-1]
        if "duration_minutes" not in slots and (found := sl.find_duration(last)) and _blank(mask(last, found)):
            slots["duration_minutes"] = found.value
        elif re.fullmatch(r"\W*(?:connected|got\s+through|picked\s+up)\W*", last, re.I):
            slots.setdefault("outcome", "connected")
        else:
            break
        parts = parts[:-1]
    notes = _clean(",".join(parts))
    if not notes and (about := _ABOUT.search(head)):
        notes = _clean(about[1])
    if notes:
        slots["notes"] = notes
    return slots


# A note asked for after what it should say ("fyi she prefers email ..., put a note on her", "legal at globex wants a
# DPA - stick that on the deal as a note"): the text before is the note, the words after "on" name its record.
NOTE_AFTER = re.compile(
    r"(?:[,;.!]|\s[-–—])\s*(?:pls\s+|please\s+|can\s+you\s+|could\s+you\s+)?(?:put|stick|add|leave|drop|save|pop)\s+"
    r"(?:a\s+note|that|this|it)\s+(?:on|to|against)\s+(?P<on>[^,;.!]*?)(?:\s+as\s+a\s+note)?\W*$",
    re.I,
)


_AT_COMPANY = re.compile(
    r"\b(?:at|@|from)\s+([a-z][\w&.-]*(?:\s+(?:" + "|".join(sorted(COMPANY_SUFFIXES)) + r")\b)?)", re.I
)


def _add_note(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    after = NOTE_AFTER.search(text)
    if after and (re.search(r"\bnote\b", after[0], re.I)):
        body = _clean(re.sub(r"^\W*(?:fyi|btw|heads\s+up)\b[,:\s]*", "", text[: after.start()], flags=re.I))
        on = re.sub(
            r"^\W*(?:the|his|her|their|its)\s+(?:deal|lead|contact|account|record)\b|^\W*(?:her|him|them|it)\b",
            "",
            after["on"],
        )
        named = find_name(on) if on.strip() else None
        runs = sl.name_runs(body)
        kind = re.match(r"^\W*the\s+(deal|account)\b", after["on"], re.I)
        company = _AT_COMPANY.search(body) if kind else None
        if named is not None:
            slots["name"] = named.value
        elif kind and company is not None:  # "legal at globex wants a DPA - stick that on the deal": globex's deal
            slots["name"], slots["on_kind"] = company[1], kind[1].lower()
        elif runs:  # "sarah johnson prefers email ...": the person the note opens with
            slots["name"] = " ".join(runs[0].value.split()[:2])
        if body:
            slots["body"] = body
        return slots
    head, tail = _split_detail(text, ("that", "saying", "says"))
    name = _put(slots, "name", find_name(head, after=("to", "on", "for", "about")))
    if name is None and tail and (named := find_name(tail)) is not None and named.value[:1].isupper():
        slots["name"], slots["name_in_body"] = named.value, True
    body = _clean(tail)
    if body:
        slots["body"] = body
    return slots


_MEETING_NOUNS = frozenset(
    "meeting call demo lunch dinner breakfast coffee review session sync catch-up catchup check-in "
    "kickoff kick-off presentation walkthrough workshop qbr training interview visit onsite "
    "appointment chat standup discussion briefing".split()
)


def _meeting_title(text: str) -> Found[str] | None:
    """The kind of meeting: a meeting noun and up to two modifiers before it ("pricing review")."""
    words = sl.tokens(text)
    found: list[tuple[int, Found[str]]] = []
    for i in range(len(words)):
        if words[i].key in _MEETING_NOUNS:
            first = i
            while (
                first > max(0, i - 2)
                and words[first - 1].key not in sl.STOPWORDS
                and not text[words[first - 1].end : words[first].start].strip(" ")
            ):
                first -= 1
            start, end = words[first].start, words[i].end
            found.append((i - first, Found(_capitalised(text[start:end]), start, end)))
    # "a meeting w tom smith, pricing review": the kind with modifiers, else the first one said
    return next((f for modifiers, f in found if modifiers), found[0][1] if found else None)


_TITLED = re.compile(r"\b(?:title[d]?|called|named)\s*(?:is|:|=)?\s*(['\"“‘])(.+?)(['\"”’])", re.I)


def _schedule_meeting(text: str, now: datetime) -> Slots:
    """Start from the date and time phrases (see `slots.combine`); the title is "Meeting" when
    no kind of meeting is named."""
    slots: Slots = {}
    duration = _put(slots, "duration_minutes", sl.find_duration(text))
    text = mask(text, duration)
    day = _date(text, now)
    text = mask(text, day)
    clock = sl.find_time(text)
    text = mask(text, clock)
    start = sl.combine(day.value if day else None, clock.value if clock else None, now)
    if start is not None:
        slots["start"] = start
    named = _TITLED.search(text)  # "title 'Acme demo'": the title as typed
    title = Found(named[2], named.start(), named.end()) if named else _meeting_title(text)
    slots["title"] = title.value if title else "Meeting"
    rest = mask(text, title)
    if re.search(r"\b(?:with|w)\s+(?:her|him|them)\b", rest, re.I):
        return slots  # "book a mtg w her thu 2pm re the upgrade": the person in focus; "the upgrade" is the topic
    rest = rest.split(": ", 1)[0]  # "log a meeting for yesterday 2pm: walked through pilot scope": what was said
    _put(slots, "name", find_name(rest, after=("with", "for", "met")))
    with_ = re.search(r"\b(?:with|for|met)\s+(.*)$", rest, re.I | re.S)
    if with_:
        names: list[str] = []
        placed = False  # the attendees said so far each with their company ("olga zhou at helixfield and ...")
        for part in re.split(
            r"\s+(?:and|&|\+)\s+|,", with_[1]
        ):  # the attendees: the parts led by a name, up to one that says more
            found = find_name(part)
            if found is None or _clean(part[: found.start]):
                break
            company = re.match(r"\s*(?:at|from|@)\s.*$", part[found.end :], re.S)  # "yara quist at helixfield"
            if placed and company is None:
                break  # "tara ueda from cedarline tmrw 3pm, renewal scoping": the topic, no one else
            names.append(found.value)
            placed = placed or (len(names) == 1 and company is not None)
            if company is None and _clean(part[found.end :]):
                break  # the part says more than a name
        if len(names) > 1:
            slots["names"] = names
    return slots


_TASK_LEAD = re.compile(
    r"\b(?:remind(?:er)?|(?:ping|nudge|bug)\s+me|forget|need|have|got|task|to-?do|list|make sure|want)\b.*?\bto\s+(\S.*)$",
    re.I | re.S,
)
_TASK_COMMAND = re.compile(
    r"^\W*(?:please\s+)?(?:(?:add|create|make|set|new|put)\s+)?(?:a\s+)?(?:new\s+)?"
    r"(?:task|to-?do|reminder)s?\b(?:\s+(?:for\s+me|to))?",
    re.I,
)
_TASK_PARTS = re.compile(r",|\s[-–—]\s(?=.*\b(?:tasks?|to-?dos?|reminders?)\b)")  # "... - make it a task for me"
_TASK_META = re.compile(r"\b(?:tasks?|to-?dos?|my list|reminders?)\b", re.I)
_TASK_WORD_START = re.compile(r"^\W*(?:(?:a|new)\s+)?(?:task|to-?do|reminder)\b[\s:,-]*", re.I)
_PRIORITY_WORDS = re.compile(
    r"[\s,]*\b(?:urgent(?:ly)?|asap|(?:high|low|medium|top)[\s-]+prio(?:rity)?|prio(?:rity)?\s+(?:high|low|medium))\b[\s:,-]*",
    re.I,
)
_RECIPIENT = re.compile(
    r"^(?:send|email|give|show|forward|get|hand)\s+([a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s+(?:the|a|an|our|my|some|updated)\b",
    re.I,
)
_TASK_PEOPLE = (
    "to",
    "with",
    "from",
    "for",
    "call",
    "email",
    "ping",
    "text",
    "phone",
    "meet",
    "contact",
    "about",
    "chase",
    "nudge",
)


# "give carlos a follow-up task on the brightpath deal": the kind of task and what it is on, its title
_KIND_TASK = re.compile(
    r"\b(?!(?:a|an|the|new|my|his|her|their|this|that|one)\b)([a-z][\w-]*)\s+(?:task|to-?do|reminder)\s+"
    r"((?:on|about|re|regarding)\s+\S.*)$",
    re.I | re.S,
)
_LONE_PRIORITY = re.compile(r"[,;]\s*(urgent|high|medium|low)\W*$", re.I)  # "..., due april 9, high"
_LINKED = re.compile(
    r"[,;]?\s*\b(?:link|attach|relate|tie)\w*\s+(?:it|this|the\s+task)?\s*(?:to|with)\s+(.+)$", re.I | re.S
)


# "can you get carlos to chase the orbitpath deal - make him a task": the task is the chase (its assignee: act_check)
_HANDED_ON = re.compile(r"^(?:(?:can|could)\s+(?:you|u)\s+)?(?:get|have)\s+(?!me\b|us\b)[a-z]+\s+to\s+(?=\S)", re.I)


def _create_task(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    due = _put(slots, "due_date", _date(text, now))
    text = mask(text, due)
    colon = _SEPARATORS[0].search(text)
    dash = _SEPARATORS[1].search(text)
    if colon is None and dash is not None and _TASK_META.search(text[: dash.start()]):
        colon = dash  # "give mike a task - send lisa chen the whitepaper": what to do follows the dash
    body = text[colon.end() :] if colon else text
    if m := _TASK_LEAD.search(body):
        body = m[1]
    elif m := _KIND_TASK.search(body):
        body = f"{m[1]} {m[2]}"
    else:
        body = _TASK_COMMAND.sub("", body)
    body = _TASK_WORD_START.sub("", body)
    priority = sl.find_priority(body) or sl.find_priority(text)
    if priority is not None:
        slots["priority"] = priority.value
        body = _PRIORITY_WORDS.sub(", ", body)
    elif lone := _LONE_PRIORITY.search(body):
        slots["priority"] = lone[1].lower()
        body = body[: lone.start()]
    linked = _LINKED.search(body)
    if linked:
        body = body[: linked.start()]
    parts = [part for part in _TASK_PARTS.split(body) if not _blank(re.sub(r"\bdue\b", "", part, flags=re.I))]
    parts = _drop_edges(parts, lambda part: _blank(part) or bool(_TASK_META.search(part)))
    title = re.sub(r"\s+(?:eod|cob|eow|by|before|on|due)$", "", _clean(",".join(parts)), flags=re.I)  # "... eod friday"
    title = _HANDED_ON.sub("", title)
    if title:
        slots["title"] = _capitalised(title)
        plain = re.sub(r"\b[A-Z]{2,4}\b", lambda m: m[0].lower(), title)  # "chase tom smith on the PO": no name in PO
        _put(slots, "name", find_name(plain, after=_TASK_PEOPLE, fallback=False, before=()))
        given = _RECIPIENT.match(title)
        if "name" not in slots and given and all(t.key not in sl.STOPWORDS for t in sl.tokens(given[1])):
            slots["name"] = given[1]  # "send sarah connor the SOW": the one it goes to
    if linked and (related := find_name(linked[1], before=("deal", "account", "lead", "opportunity"))):
        slots["name"] = related.value  # "link it to the acme enterprise deal": the record the task is about
        slots["related_kind"] = (re.search(r"\b(deal|account|lead|contact)\b", linked[1], re.I) or [None, None])[1]
    return slots


def _list_tickets(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    if not _NOT_DONE.search(text):  # "tickets that aren't resolved": the open ones, whatever their status
        _put(slots, "status", sl.find_ticket_status(text))
    _put(slots, "priority", sl.find_priority(text))
    _put(slots, "name", find_name(text, after=("for", "from", "of", "at")))
    return slots


FOR_THEM = re.compile(r"\bfor\s+(?:her|him|them)\b", re.I)  # "open a ticket for her": the person in the conversation
_NOT_DONE = re.compile(
    r"(?:\bnot|n['’]t)\s+(?:yet\s+)?(?:been\s+)?(?:resolved|closed|solved|fixed)\b|\bunresolved\b", re.I
)


def _create_ticket(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    priority = _put(slots, "priority", sl.find_priority(text, loose=True))
    if priority is not None:  # "..., seat limit error. high": the priority is no part of the problem
        text = text[: priority.start] + " " * (priority.end - priority.start) + text[priority.end :]
    product = _PRODUCT.search(text)
    if product:  # "product is Authentication"
        slots["product"] = product[1].strip()
        text = text[: product.start()] + " " * (product.end() - product.start()) + text[product.end() :]
    # "sarah johnson says SSO login is broken ... open a ticket for her": what the customer reports is the problem
    head, tail = _split_detail(text, ("about", "that", "saying", "says", "said", "reports", "reported"))
    _put(slots, "name", find_name(mask(head, priority), after=("for", "from", "of")))
    runs = name_runs(text)
    pointed = FOR_THEM.search(text)
    if pointed and runs and len(runs[0].value.split()) > 1 and runs[0].start < pointed.start():
        slots["name"] = runs[0].value  # "sarah connor from globex just called, ... open a ticket for her": she
    elif pointed:
        slots.pop("name", None)  # "open a new ticket for her: wants webhook retries configurable": the one in focus
    elif (
        "name" not in slots
        and (reporter := _REPORTER.match(tail))
        and not set(reporter[1].lower().split()[:2]) & sl.STOPWORDS
    ):
        slots["name"] = reporter[1]  # "new ticket: grace young at lumenbridge can't see her webhook logs"
    quoted = re.fullmatch(r"\W*?[:\s]*['\"“‘](.+)['\"”’]\W*", tail)
    parts = [quoted[1]] if quoted else _drop_edges(_segments(tail), _ticket_noise)  # a quote is the customer's words
    subject = _ARTICLE.sub("", _clean(",".join(parts)))
    if subject:
        slots["subject"] = _capitalised(subject)
    return slots


# A ticket's text opening with the customer who reports it: a full name, where they work, then what they say or hit.
_REPORTER = re.compile(
    r"^\W*([a-z]+\s+[a-z]+(?:\s+(?:at|from|@)\s+[a-z][\w&'-]*)?)\s+"
    r"(?:can'?t|cannot|can\s+not|could\s+not|couldn'?t|says|said|reports|reported|keeps|is\s+getting|gets|sees|wants|needs)\b",
    re.I,
)
_PRODUCT = re.compile(r"[,;]?\s*\bproduct\s*(?:is|=|:)?\s+([A-Za-z][\w -]{1,40}?)\s*(?=[,;.]|$)", re.I)


def _ticket_noise(part: str) -> bool:
    """A part of a ticket message that is no subject: empty, a priority, or about the ticket itself."""
    priority = sl.find_priority(part)
    return _blank(mask(part, priority)) or bool(re.search(r"\b(?:ticket|case)\b", part, re.I))


# A ticket pointed at by its status or priority ("the pending one - set it back to open"): those words are no value
STATE_POINTER = re.compile(
    r"\bthe\s+(open|pending|resolved|closed|urgent|high|medium|low)(?:[\s-]+(?:priority|prio))?\s+(?:one|ticket|case)\b",
    re.I,
)


_STATUS_SET = re.compile(
    r"(?:\b(?:as|to|into)\s+|->\s*|→\s*)(re-?open\w*|clos\w+|resolved?|fixed|solved|pending|on\s+hold|open)\b", re.I
)


def _update_ticket(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    text = STATE_POINTER.sub(" ", text)
    number = _TICKET_NO.search(text) or sl.BARE_TICKET.search(text)  # "down 3 days" names no ticket
    if number:
        slots["ticket_number"] = int(number[1])
    # "1040 -> pending and nils lopez's ticket -> resolved": the values said in the number's own clause are its ("can u
    # close 1026, customer confirmed its fixed": closed, the verb before the number)
    clauses = re.split(r"\s+and\s+|;", text)
    own = next((c for c in clauses if number and number[0] in c), text)
    set_to = _STATUS_SET.search(own)  # "close out 1030 as resolved": the status said after "as"/"to"/"->" first
    _put(slots, "status", sl.find_ticket_status(set_to[1] if set_to else own) or sl.find_ticket_status(text))
    _put(slots, "priority", sl.find_priority(own, loose=True) or sl.find_priority(text, loose=True))
    return slots


# ----------------------------------------------------------------------------------- create_lead

_LEAD_PARTS = re.compile(r"[,;:()]|\s[-–—]\s|\s+and\s+", re.I)
_CONTACT_WORDS = re.compile(r"^(?:\s|\x00|phone|tel|mobile|cell|e-?mail|mail|number|is|at)*$", re.I)
_PRONOUN_LEAD = re.compile(
    r"^(?:(?:she|he|they)(?:'s|’s|\s+is|\s+are|\s+works\s+as)?\s+)?(?:(?:the|a|an|our|their)\s+)?", re.I
)
_COMPANY_AT = re.compile(r"\b(?:at|from|with)\s+|(?<=\s)@\s*(?=[A-Z])", re.I)


_SIZE = re.compile(
    r"\b(\d[\d,]*)\s*(?:-|–|to)\s*(\d[\d,]*)\s*(?:employees|people|staff|ppl)\b|\b(\d[\d,]*)\s*\+\s*(?:employees|people|staff)\b",
    re.I,
)
_SIZES = ((10, "1-10"), (50, "11-50"), (200, "51-200"), (1000, "201-1000"), (5000, "1001-5000"))


def find_company_size(text: str) -> Found[str] | None:
    """A company-size band from "51-200 employees" or "5000+ staff" (the band holding the upper figure)."""
    m = _SIZE.search(text)
    if m is None:
        return None
    top = int((m[2] or m[3]).replace(",", ""))
    band = "5000+" if m[3] and top >= 5000 else next((band for limit, band in _SIZES if top <= limit), "5000+")
    return Found(band, m.start(), m.end())


def _create_lead(text: str, now: datetime) -> Slots:
    slots: Slots = {}
    size = _put(slots, "company_size", find_company_size(text))
    text = mask(text, size)
    email = _put(slots, "email", sl.find_email(text))
    local = _LOCAL_PHONE.search(mask(text, email))  # "..., 555-0142": a local number said as one of the details
    phone = _put(slots, "phone", sl.find_phone(mask(text, email), shortest=7 if local else 10))
    _put(slots, "source", sl.find_source(text))
    for part in _LEAD_PARTS.split(mask(text, email, phone)):
        if _CONTACT_WORDS.match(part) or sl.find_source(part):
            continue
        if "first_name" not in slots:
            person = find_name(part)
            if person is None:
                continue
            words = sl.tokens(person.value)
            slots["first_name"] = words[0].text
            if len(words) > 1:
                slots["last_name"] = person.value[words[1].start :]
            part = " " * person.end + part[person.end :]
        _lead_role(part, slots)
    if str(slots.get("first_name", "")).islower():  # typed in lower case: "dana whitfield"
        slots["first_name"] = str(slots["first_name"]).title()
        slots["last_name"] = str(slots.get("last_name") or "").title() or None
    masked = mask(text, email, phone)
    if "first_name" not in slots and (spoken := next(iter(english.people(masked)), None)):
        first, _, last = spoken.partition(" ")
        slots["first_name"], slots["last_name"] = (
            first[:1].upper() + first[1:],
            last.title() if last.islower() else last,
        )
    if "company" not in slots and (
        company := next(
            (o for o in english.organisations(masked) if o.lower() not in (slots.get("title") or "").lower()), None
        )
    ):
        slots["company"] = company
    _as_the_email_says(text, slots)
    return slots


def _as_the_email_says(text: str, slots: Slots) -> None:
    """The person's name as their email address spells it, when the words say it ("raj patel, raj.patel@acme.test",
    "met priya nair ... priya@loomly.io"); the company after "under", the title after "a new" ("acme has a new cfo")."""
    local = str(slots.get("email") or "").split("@")[0]
    parts = [p for p in re.split(r"[._-]+", local) if p.isalpha()]
    said = None
    if len(parts) >= 2:
        said = re.search(rf"\b({re.escape(parts[0])})\s+({re.escape(parts[-1])})\b", text, re.I)
    elif len(parts) == 1 and len(parts[0]) > 2:  # "priya@": her first name, and the word after it when it is a name
        said = re.search(rf"\b({re.escape(parts[0])})\s+([a-z][a-z'-]+)\b", text, re.I)
        said = said if said and said[2].lower() not in sl.STOPWORDS and not sl.find_source(said[2]) else None
    if said is not None:
        slots["first_name"], slots["last_name"] = (w.title() if w.islower() else w for w in (said[1], said[2]))
    if under := _UNDER.search(text):
        slots["company"] = under[1]
    if (new := _A_NEW_ROLE.search(text)) and not (
        slots.get("title") and {t.key for t in sl.tokens(str(slots["title"]))} <= sl.TITLE_WORDS
    ):
        slots["title"] = new[2].upper() if len(new[2]) <= 4 else new[2]
        slots.setdefault("company", new[1])


_UNDER = re.compile(r"\bunder\s+(?:the\s+)?([a-z][\w&.-]*(?:\s+(?!account\b)[a-z][\w&.-]*)?)(?:\s+account)?\W*$", re.I)
_A_NEW_ROLE = re.compile(
    r"^\W*([a-z][\w&.-]*(?:\s+[a-z][\w&.-]*)?)\s+(?:has|got|hired)\s+a\s+new\s+([a-z]{2,4}|vp\s+\w+)\b", re.I
)


_LOCAL_PHONE = re.compile(r"(?:^|[,;])\s*\(?\d{3}\)?[-.\s]\d{4}\s*(?:[,;]|$)")
# "COO of Lumio Health": the company a chief or a founder is of ("VP of Sales", "Head of Procurement" are titles)
_CHIEF_OF = re.compile(r"\b(?:c[a-z]{1,3}o|founder|co-?founder|president|owner)\s+(of)\s+(?=[a-z])", re.I)


def _lead_role(part: str, slots: Slots) -> None:
    """Read a title and/or company from one comma-separated part of a new-lead message."""
    at = _COMPANY_AT.search(part)
    chief = _CHIEF_OF.search(part) if at is None else None
    cut = (at.start(), at.end()) if at else (chief.start(1), chief.end()) if chief else None
    role = _PRONOUN_LEAD.sub("", _clean(part[: cut[0]] if cut else part))
    if role and "title" not in slots and {t.key for t in sl.tokens(role)} & sl.TITLE_WORDS:
        slots["title"] = role
        role = ""
    company = find_name(part[cut[1] :], before=()) if cut else None
    if company is None and role and len(sl.tokens(role)) <= 4:
        company = find_name(role, before=())
        company = company if company and company.value == role else None
    if company is not None and "company" not in slots:
        slots["company"] = company.value


_WITHIN = re.compile(
    r"\b(?:in|within|over|during)?\s*(?:the\s+)?(?:next|coming|upcoming)\s+(?:(\d+|a|one|two|three|four|five|six|seven|ten|couple(?:\s+of)?|few)\s+)?"
    r"(days?|weeks?|fortnight|months?)\b|\bwithin\s+(\d+|a|one|two|three)\s+(days?|weeks?|months?)\b",
    re.I,
)
_COUNT = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "couple": 2,
    "couple of": 2,
    "few": 3,
}


def find_within(text: str) -> int | None:
    """A window from today in days: "in the next 7 days" (7), "next 2 weeks" (14), "within a month" (30)."""
    m = _WITHIN.search(text)
    if m is None:
        return None
    count, unit = (m[1], m[2]) if m[2] else (m[3], m[4])
    if (
        count is None
        and unit.lower().startswith(("week", "month"))
        and not unit.lower().endswith("s")
        and not re.match(r"(?:in|within|over|during)\s+the\s", m[0], re.I)
    ):
        return None  # "next week", "next month" are periods; "in the next week" is seven days
    n = int(count) if count and count.isdigit() else _COUNT.get((count or "one").lower(), 1)
    per = {"d": 1, "w": 7, "f": 14, "m": 30}[unit[0].lower()]
    return n * per


_TICKET_NO = re.compile(r"(?:\b(?:ticket|case)s?\s*(?:#|no\.?|number)?\s*#?|#)(\d{3,})\b", re.I)
_BARE_NUMBER = re.compile(
    r"^\W*(?:(?:show|open|pull\s+up|get|check|view|look\s+at)\s+(?:me\s+)?)?(\d{4})\W*$", re.I
)  # "show me 1029"
_NEGATED = re.compile(
    r"(?:\bnot|\bnever|\bnobody|n['’]t|\b(?:havent|hasnt|isnt|arent|wasnt|werent))\s+(?:\w+\s+){0,2}$|\bun$", re.I
)
_PERSON_FOR = ("is", "for", "of", "does", "has", "about", "on", "show", "what")


_FIELD_PHRASE = re.compile(r"\b(?:direct|desk|office)\s+line\b|\b(?:phone|mobile|cell)\s+(?:number|no)\b", re.I)


# "tom smith from acme": a person and where they work; "sara jonson's email": the record a question opens with.
_PERSON_AT = re.compile(r"\b([a-z]+\s+[a-z]+)\s+(?:from|at|@)\s+([a-z][\w&-]*)", re.I)
_OWNER_FIRST = re.compile(r"^\W*(?:so\s+|and\s+)?([a-z]+(?:\s+[a-z]+)?)['’]s\s+(?!been\b|got\b|going\b|not\b)", re.I)


def read_slots(text: str, now: datetime) -> Slots:
    """The slots of a question (a read): what to look at, and its filters; never a write's fields."""
    slots: Slots = {}
    number = _TICKET_NO.search(text) or _BARE_NUMBER.match(text)
    if number:
        slots["ticket_number"] = int(number[1])
    within = find_within(text)
    if within:
        slots["within_days"] = within
    else:
        _put(slots, "period", sl.find_period(text))
    days = sl.find_days(text)
    if days is not None and not within:
        slots["days"] = days.value
    _put(slots, "scope", sl.find_scope(text))
    _put(slots, "group_by", sl.find_group_by(text))
    if not _NOT_DONE.search(text):  # "how many tickets have i got that aren't resolved": the open ones
        _put(slots, "status", sl.find_ticket_status(text))
    _put(slots, "priority", sl.find_priority(text))
    lead_status = re.search(r"(?:\b|(?<=un))(new|contacted|qualified|lost|converted)\b", text, re.I)
    if lead_status and _NEGATED.search(text[: lead_status.start()]):  # "haven't been contacted yet": still new
        slots["lead_status"] = "new" if lead_status[1].lower() == "contacted" else None
    elif lead_status:
        slots["lead_status"] = lead_status[1].lower()
    said = _FIELD_PHRASE.sub(lambda m: sl.MASK * len(m[0]), text)  # "need toms direct line": the name is "toms"
    name = find_name(
        mask(said, *(f for f in [sl.find_period(said)] if f)),
        after=("about", "on", "for", "of", "regarding", "with", "to", "at", "from", "is", "does", "did"),
    )
    person = _PERSON_AT.search(said)
    owned = _OWNER_FIRST.match(said)
    if owned and [run.value for run in sl.name_runs(owned[1])] == [owned[1]]:
        name = Found(owned[1], owned.start(1), owned.end(1))  # "sara jonson's email? need to cc her": hers
    elif (
        name is not None
        and person
        and person[2].lower() == name.value.lower().split()[0]
        and [run.value for run in sl.name_runs(person[1])] == [person[1]]
    ):
        name = Found(person[1], person.start(1), person.end(1))  # "tom smith from acme ... his number": the person
    if name is not None and re.fullmatch(r"\$?\d[\d.,]*\s*[km]?", name.value, re.I):
        name = None  # "my deals over 100k": an amount, never a name
    if name is not None:
        slots["name"] = name.value
        first = name.value.split()[0]
        if (
            first[:1].isupper()
            or re.search(rf"\b{re.escape(first)}['’]s\b", text, re.I)
            or re.search(rf"\b(?:has|does|did)\s+{re.escape(first)}\s+(?:got|gotten|have|has|had)\b", text, re.I)
        ):  # "mike's deals", "how much has john got open": a teammate's, if they are one
            slots["person"] = first
    return slots


_FIELD_CHANGE = re.compile(
    r"(?:['’]s|\b(?:his|her|their|the))\s+(phone|mobile|cell|e-?mail|job\s+title|title|department|linkedin)(?:\s+(?:number|address))?"
    r"\s+(?:is\s+now|is|to|=|should\s+be|now)\s+(.+?)\s*[.!]*$",
    re.I | re.S,
)
_FIELDS = (
    r"(phone|mobile|cell|e-?mail|job\s+title|title|department|linkedin|direct\s+line|(?:work|office)\s+phone|landline)"
)
_FIELD_SET = re.compile(
    r"^.*?(?:(?:['’]s|\b(?:his|her|their|the|new))\s+|^\W*)(?:new\s+)?" + _FIELDS + r"(?:\s+(?:number|address))?"
    # "is now", "to", ...; a number or an address needs none ("new mobile +1 415 555 0199")
    r"(?:\s+(?:is\s+now|is|to|=|should\s+be|now)\s+|\s*[:-]?\s*(?=\+?\d|[\w.+-]+@)"
    r"|(?<=\btitle)\s+(?=(?-i:[A-Z])))(.+?)(?:\s+now)?(?:\s+(?:pls|plz|please|thanks|thx))?\s*[.!]*$",  # "..., title Lead Engineer"
    re.I | re.S,
)
_NAMED_FIELD = re.compile(  # "rosa rossi title -> Head of Procurement" (the arrow read as "to"): the name, then the field
    r"^\W*(?:(?:update|set|change)\s+)?[a-z]+(?:\s+[a-z]+)?(?:\s+(?:lead|contact)(?:['’]s)?)?\s+"
    + _FIELDS
    + r"(?:\s+(?:number|address))?"
    r"\s+(?:to|is\s+now|=)\s+(.+?)\s*[.!]*$",
    re.I | re.S,
)
_FIELD_VALUE = re.compile(  # "nils varga at brightpath direct line +1 415 555 0123": a field, then a number or an address
    r"\b" + _FIELDS + r"(?:\s+(?:number|address))?\s*(?:is\s+now|is|to|=|:|-)?\s*"
    r"(\+?\d[\d\s().-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+)",
    re.I,
)
_NEW_FIELD = re.compile(  # "sarah connor's got a new cell, +1 650 555 0199, can u update her record"
    r"\b(?:has|have|got|gets)\s+(?:a\s+)?new\s+(phone|mobile|cell|e-?mail|number|direct\s+line)(?:\s+(?:number|address))?"
    r"\s*[:,;-]?\s+"
    r"(\+?\d[\d\s().-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+)",
    re.I,
)
_CLAUSE_CUT = re.compile(r"\s*(?:[,;]|(?<!\d):(?!\d)|(?<=\))\s|\s[-–—]\s|(?<=[a-z)])\.\s)\s*(?:and\s+)?|\s+and\s+")
_FIELD_NAMES = {
    "cell": "mobile",
    "number": "phone",
    "job title": "title",
    "linkedin": "linkedin_url",
    "direct line": "phone",
    "work phone": "phone",
    "office phone": "phone",
    "landline": "phone",
}


_ROLE_NOW = re.compile(
    r"\b(?:he|she|they)(?:['’]?s|\s+is|\s+are)\s+(?:now\s+)?(?:the\s+|our\s+|their\s+)?"
    r"([A-Z][\w&/-]*(?:\s+(?:of\s+)?[A-Z&][\w&/-]*){0,4})(?:\s+now)?\s*(?:[.,;!]|$)"
)
_TITLE_UPDATE = re.compile(r"\b(?:update|change|fix|edit|set)\s+(?:his|her|their|the)\s+(?:job\s+)?title\b", re.I)


def _update_contact(text: str, now: datetime) -> Slots:
    """ "set Tara Ueda's phone to +1 212 555 0199": the person (before the field), the field and its new value; each
    clause may change one more ("title is VP Procurement now, and his new mobile is 415 555 0122": `changes`)."""
    slots: Slots = {}
    found = [(m, offset) for offset, part in _parts(text) if (m := _FIELD_SET.match(part))]
    if not found:
        m = (
            _FIELD_CHANGE.search(text)
            or _NEW_FIELD.search(text)
            or _NAMED_FIELD.search(text)
            or _FIELD_VALUE.search(text)
        )
        role = _ROLE_NOW.search(text) if m is None and _TITLE_UPDATE.search(text) else None
        if role is not None:  # "tom smith got promoted, he's VP Procurement now. update his title"
            slots = {"field": "title", "value": role[1]}
            _put(slots, "name", find_name(text[: role.start()], after=("set", "update", "change", "make")))
            return slots
        if (
            m is None and (named := sl.named_role(text)) is not None
        ):  # "dev ueda at cedarforge is Head of Procurement now"
            return {"field": "title", "value": named[1], "name": named[0]}
        if m is None:
            return slots
        found = [(m, 0)]
    changes: dict[str, str | None] = {}
    named = sl.named_role(_parts(text)[0][1])  # "kara zhou at northfield is COO, and her mobile is ...": both changes
    if named is not None:
        changes["title"] = named[1]
    for _, part in _parts(text):  # "hes VP Procurement now. new mobile ...": a promotion said beside another change
        if (role := _ROLE_NOW.search(part)) and sl.TITLE_WORDS & set(role[1].lower().split()):
            changes["title"] = role[1]
    for m, _ in found:
        field = re.sub(r"\s+", " ", m[1].lower()).replace("-", "")
        field = _FIELD_NAMES.get(field, field)
        typed = m[2].strip(" '\"")
        if field == "title":  # "title CTO -> VP Engineering": the new one
            typed = re.sub(r"^(?:from\s+)?[^,]+?\s+(?:to|->|→)\s+(?!the\b)(?=\S)", "", typed, flags=re.I)
        value: str | None = typed
        if field in ("phone", "mobile"):  # kept as typed ("+1 212 555 0199"), once it reads as a phone number
            value = typed[phone.start : phone.end].strip() if (phone := sl.find_phone(typed, shortest=7)) else None
        elif field == "email":
            value = email.value if (email := sl.find_email(typed)) else None
        changes.setdefault(field, value)
    field, value = next(iter(changes.items()))
    slots["field"] = field
    if value:
        slots["value"] = value
    if len(changes) > 1 and all(changes.values()):
        slots["changes"] = changes
    first, offset = found[0]
    if named is not None:
        slots["name"] = named[0]
    else:
        _put(slots, "name", find_name(text[: offset + first.start(1)], after=("set", "update", "change", "make")))
    return slots


def _parts(text: str) -> list[tuple[int, str]]:
    """The clauses of a message with their offsets (split at commas, semicolons, spaced dashes and "and")."""
    parts, at = [], 0
    for cut in _CLAUSE_CUT.finditer(text):
        parts.append((at, text[at : cut.start()]))
        at = cut.end()
    return [*parts, (at, text[at:])]


def _create_contact(text: str, now: datetime) -> Slots:
    """A new contact: the new lead's parts (name, email, phone, title, company) without a source."""
    rest = re.sub(r"^\W*(?:please\s+)?(?:add|create|new)\s+(?:a\s+)?(?:new\s+)?contact\b", "", text, flags=re.I)
    at = re.match(r"\s*(?:at|@|for|to)\s+([^,;:()]+?)(?:\s[-–—]\s|[,;:(])", rest, re.I)
    slots = _create_lead(rest[at.end() :] if at else rest, now)
    slots.pop("source", None)
    if at:
        slots["company"] = _clean(at[1])
    return slots


_ASSIGNEE = re.compile(r"\bto\s+(me|myself|[a-z][\w.+-]*@[\w.-]+|[A-Za-z]+)\b", re.I)


def _assign_ticket(text: str, now: datetime) -> Slots:
    slots = _update_ticket(text, now)
    handed = handed_to(text)  # "escalate 1013 to urgent and put it on me": me, no one called "urgent"
    who = _ASSIGNEE.search(text)
    slots["assignee"] = handed or ("me" if who is None or who[1].lower() in ("me", "myself") else who[1])
    return slots


FILLERS: dict[str, Callable[[str, datetime], Slots]] = {
    "create_contact": _create_contact,
    "update_contact": _update_contact,
    "assign_ticket": _assign_ticket,
    "create_lead": _create_lead,
    "show_record": _show_record,
    "update_lead_status": _update_lead_status,
    "convert_lead": _convert_lead,
    "create_deal": _create_deal,
    "update_deal": _update_deal,
    "move_deal_stage": _move_deal_stage,
    "pipeline": _pipeline,
    "stuck_deals": _stuck_deals,
    "deals_closing": _period_within,
    "my_tasks": _period_within,
    "log_call": _log_call,
    "add_note": _add_note,
    "schedule_meeting": _schedule_meeting,
    "create_task": _create_task,
    "list_tickets": _list_tickets,
    "create_ticket": _create_ticket,
    "update_ticket": _update_ticket,
}
"""Slot filler of each intent; help and unknown have no slots."""
