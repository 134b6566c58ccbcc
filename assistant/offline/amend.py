"""Corrections to a proposed write ("make it urgent", "no wait, tuesday", "put it on the Acme account instead"):
the proposal's request stays, the correction's values replace its own. A correction only ever changes fields
it states; it never brings in a new free text or a guessed name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date

from assistant.messages import Message
from assistant.offline import slots
from assistant.offline.acts import CHANGE, CREATION

# How a correction starts, or a word that marks it anywhere.
_MARKER = re.compile(
    r"^\W*(?:(?:no+|nope|nah|wait|actually|oh|oops|sorry|hmm+|hold\s+on|scratch\s+that|correction|and|also|plus|but|sorry)\b[\s,.!:;-]*)+"
    r"|\binstead\b|\brather\b|^\W*not\s+(?:that|this)\s+one\b"
    r"|^\W*(?:make|change|set|switch|put|move|bump|mark|call|name|title|rename)\s+(?:it|that|this)\b",
    re.IGNORECASE,
)
# "put it on the Acme account instead", "it's for Globex, not Initech": the record it should go to.
_RETARGET = re.compile(
    r"\b(?:on|to|for|under|against|make\s+it)\s+(?:the\s+)?([A-Za-z][\w&.'-]*(?:\s+[\w&.'-]+){0,3}?)"
    r"(?:\s+(account|deal|contact|lead|company|opportunity))?\s+(?:instead|rather)\b",
    re.IGNORECASE,
)
# "no sorry, the other prismpoint pilot - 109", "no, I meant the renewal": the record the user meant instead.
_OTHER = re.compile(
    r"^\W*(?:(?:no+|nope|sorry|actually|wait|oops)\b[\s,.!:;-]*)*(?:the\s+other\s+(?:one\b[\s,:-]*)?|i\s+meant\s+|not\s+that\s+one\b[\s,:;-]*)"
    r"(?:the\s+)?([A-Za-z][\w&.'-]*(?:\s+(?:[-–]\s+)?[\w&.'-]+){0,4}?)(?:\s+(account|deal|contact|lead|company|opportunity))?"
    r"(?:\W+not\s+the\s+[\w\s&.'-]+)?\W*$",
    re.IGNORECASE,
)
# "sorry, the silverline expansion", "wait, the renewal 117 instead", "no wait, it was kara hansen": the record meant,
# named right after the marker (a value said so, "actually the 15th", "no, the proposal stage", is a correction of the
# value, not of the record).
_THE_ONE_MEANT = re.compile(
    r"^\W*(?:(?:no+|nope|sorry|actually|oops|wait)\b[\s,.!:;-]*)+(?:the\s+|it\s+was\s+(?:the\s+|with\s+)?)"
    r"([a-z][\w&'-]*(?:\s+[a-z][\w&'-]*){0,3}?(?:\s+\d{1,4})?)"
    r"(?:\s+(account|deal|contact|lead|company|opportunity))?(?:\s+(?:instead|rather))?\W*$",
    re.IGNORECASE,
)
# The same person as another kind of record: "no sorry, the contact at brightfield - not the lead", "the lead, not the contact"
_PERSON_KIND = re.compile(
    r"^\W*(?:(?:no+|nope|sorry|actually|wait|oops)\b[\s,.!:;-]*)*(?:i\s+meant\s+)?the\s+(contact|lead)"
    r"(?:\s+(?:at|from|@)\s+([a-z][\w&.'-]*(?:\s+[a-z][\w&.'-]*)?))?(?=\s*(?:[-–—,;]|not\b|$))",
    re.IGNORECASE,
)
# A look-alike picked by its amount after a proposal: "the 5k one", "no, the $120k deal".
AMOUNT_PICK = re.compile(
    r"^\W*(?:(?:no+|nope|sorry|actually|wait|i\s+meant)\b[\s,.!:;-]*)*the\s+\$?\d[\d.,]*\s*[km]?\s+(?:one|deal|opp)\W*$",
    re.IGNORECASE,
)
# What a correction says before the record it means instead: "no wait,", "sorry wrong number,", "not the renewal -".
_LEAD_IN = re.compile(
    r"^\W*(?:(?:no+|nope|nah|wait|actually|oops|oh|sorry|hmm+|my\s+bad|i\s+meant|i\s+mean|"
    r"wrong\s+(?:one|number|deal|ticket|contact|person|name|record)|not\s+(?:that|this)\s+one|"
    r"not\s+(?:the\s+)?[\w&.'-]+(?:\s+[\w&.'-]+){0,3}?(?=\s*(?:[,;:]|\s[-–—]\s)))\b[\s,.!:;–—-]*)+",
    re.IGNORECASE,
)
# The record named after the lead-in: a few words, a number at most at the end ("pilot 134", "the helixfield ben weber").
_NAMED = re.compile(
    r"^(?:the\s+)?([a-z][\w&'-]*(?:\s+(?:[-–—]\s+)?[a-z][\w&'-]*){0,4}(?:\s+\d{1,4})?)"
    r"(?:\s+(account|deal|contact|lead|company|opportunity))?\W*$",
    re.IGNORECASE,
)
_TYPE_WORD = r"(?:deal|one|account|contact|lead|company|opportunity|opp)"
# Keys a correction may set: a name or a free text read from "oh and he called me" would be a guess.
_NOT_AMENDED = {
    "name",
    "first_name",
    "last_name",
    "company",
    "person",
    "pick",
    "reason",
    "body",
    "subject",
    "title",
    "notes",
    "override_reason",
    "attendees",
    "contact",
}


def proposal_turn(messages: Sequence[Message], last_user: int) -> int | None:
    """The index of the previous user message when its turn ended with a write waiting for approval."""
    previous = [i for i in range(last_user) if messages[i].role == "user"]
    if not previous:
        return None
    start = previous[-1]
    for message in messages[start + 1 : last_user]:
        if message.role == "tool" and _status(message.content) == "pending_approval":
            return start
    return None


def proposed_tool(messages: Sequence[Message], last_user: int) -> str | None:
    """The write the previous turn left waiting for approval (the plan's act, which may differ from the words' first
    reading: "vera hansen at ironpath is Lead Engineer now" is read as a new lead, proposed as a contact's change)."""
    start = proposal_turn(messages, last_user)
    if start is None:
        return None
    calls = {c.id: c.name for m in messages[start + 1 : last_user] if m.role == "assistant" for c in m.tool_calls}
    pending = [
        calls.get(m.tool_call_id or "")
        for m in messages[start + 1 : last_user]
        if m.role == "tool" and _status(m.content) == "pending_approval"
    ]
    return pending[-1] if pending else None


def proposed_arguments(messages: Sequence[Message], last_user: int) -> dict[str, object]:
    """The arguments of the write the previous turn left waiting for approval ({} when none)."""
    start = proposal_turn(messages, last_user)
    if start is None:
        return {}
    calls = {c.id: c for m in messages[start + 1 : last_user] if m.role == "assistant" for c in m.tool_calls}
    pending = [
        calls[m.tool_call_id]
        for m in messages[start + 1 : last_user]
        if m.role == "tool" and _status(m.content) == "pending_approval" and m.tool_call_id in calls
    ]
    return dict(json.loads(pending[-1].arguments or "{}")) if pending else {}


# A hand-off taken back with another change asked instead: "actually leave it with me, just make it high"
_KEPT = re.compile(
    r"^\W*(?:(?:no+|nope|wait|actually|sorry|hmm+)\b[\s,.!:;-]*)*"
    r"(?:leave|keep)\s+it\s+(?:with\s+(?:me|us)|where\s+it\s+is|as\s+it\s+is)\b[\s,.;:-]*(?:and\s+|but\s+)?(?:just\s+)?(\S.*)$",
    re.IGNORECASE,
)


# A number of something said in the proposal's own words, corrected: "actually make that 60 seats"
SWAPPED_COUNT = re.compile(
    r"^\W*(?:(?:no+|nope|wait|actually|sorry|oops)\b[\s,.!:;-]*)*(?:make\s+(?:that|it)\s+|it'?s\s+|it\s+was\s+)"
    r"(\d[\d,.]*)\s+([a-z]{3,})\W*$",
    re.IGNORECASE,
)


def swapped_count(text: str, request: str) -> str | None:
    """The proposal's request with a number of something it says corrected ("... pricing for 50 seats" - "actually
    make that 60 seats"); None when the correction is no such number or the request says no (or several) such."""
    said = SWAPPED_COUNT.match(text)
    if said is None:
        return None
    unit = said[2].lower().rstrip("s")
    old = list(re.finditer(rf"\b\d[\d,.]*(?=\s+{re.escape(unit)}s?\b)", request, re.IGNORECASE))
    if len(old) != 1:
        return None
    return request[: old[0].start()] + said[1] + request[old[0].end() :]


def kept_instead(text: str) -> str | None:
    """What a message asks instead of the proposed hand-off it takes back ("leave it with me, just make it high" ->
    "make it high"); None when it takes none back."""
    kept = _KEPT.match(text)
    return kept[1] if kept else None


def draft_turn(messages: Sequence[Message], last_user: int) -> int | None:
    """The index of the previous user message when its turn drafted an email (for "make it more formal")."""
    previous = [i for i in range(last_user) if messages[i].role == "user"]
    if not previous:
        return None
    calls = [c.name for m in messages[previous[-1] + 1 : last_user] if m.role == "assistant" for c in m.tool_calls]
    return previous[-1] if "draft_email" in calls else None


def is_correction(text: str, today: date) -> bool:
    """Whether a message reads as a correction of what was just proposed (not a request of its own): a correction's
    words, or a value alone ("due next friday", "urgent", "40k")."""
    return len(text.split()) <= 14 and "?" not in text and (bool(_MARKER.search(text)) or _value_alone(text, today))


# Words that may stand beside a value said alone: "due next friday", "high prio pls"
_AROUND_A_VALUE = frozenset(
    "due by on at for it to the pls please priority prio instead then now ok okay and amount close closing date".split()
)


def _value_alone(text: str, today: date) -> bool:
    """Whether the words are one field's value and nothing else a request would say."""
    found = [
        f for f in (slots.find_date(text, today), slots.find_priority(text), slots.find_amount(text)) if f is not None
    ]
    rest = slots.mask(text, *found).replace(slots.MASK, " ")
    return bool(found) and all(w in _AROUND_A_VALUE for w in re.findall(r"[a-z']+", rest.lower()))


_RESTYLE = re.compile(
    r"^\W*(?:(?:and|now|also|ok|okay|then)[,\s]+)?(?:make\s+it\s+)?(?:a\s+(?:bit|little|lot)\s+|way\s+|much\s+|even\s+)?(?:(?:more|less)\s+[a-z-]+|shorter|"
    r"longer|friendlier|warmer|punchier|simpler|briefer|tighter)(?:\s+(?:pls|plz|please|thanks|thx))?\W*$",
    re.IGNORECASE,
)


def restyles(text: str) -> bool:
    """Whether a short reply only asks for another style of what was drafted ("more formal pls", "shorter")."""
    return bool(_RESTYLE.match(text))


# "call it Acme USA - Fleet Expansion": the name of the record a creation proposed, stated
_NAMED_AS = re.compile(
    r"^\W*(?:call|name|title|rename)\s+(?:it|that|this)\s+(?:to\s+|as\s+)?[\"'“]?(.+?)[\"'”]?\W*$", re.I
)
# The field that names the record each creation makes
_NAME_FIELD = {"create_deal": "deal_name", "create_task": "title", "create_ticket": "subject"}


def named_as(intent: str, text: str) -> dict[str, object]:
    """The name a correction gives the record a creation proposed ("call it X"), as that creation's field."""
    said = _NAMED_AS.match(text)
    return {_NAME_FIELD[intent]: said[1]} if said and intent in _NAME_FIELD else {}


# What a person said or asked, told after a call was proposed without a summary: "she asked about calendar sync"
_TELLS_MORE = re.compile(
    r"^\W*(?:she|he|they)\s+(?:\w+\s+){0,2}?(?:asked|said|wants|wanted|mentioned|needs|needed|told|agreed|confirmed"
    r"|raised|brought\s+up|is\s+going|will)\b"
    r"|^\W*(?:it\s+was\s+|we\s+)?(?:about|re|regarding|discussed|talked\s+about|went\s+over|covered)\b",  # "it was about the renewal"
    re.I,
)


def tells_more(text: str) -> bool:
    """Whether a message after a proposed call only tells what the person said: the call's summary, not a request."""
    return bool(_TELLS_MORE.match(text)) and "?" not in text and not CREATION.search(text) and not CHANGE.search(text)


# Another person for a proposed meeting: "add anika ueda too", "also invite sam", "loop in kai lee as well"
_ADDS_PERSON = re.compile(
    r"^\W*(?:(?:and|also|oh|pls|please|can\s+you|could\s+you)[\s,]+)*(?:add|invite|include|loop\s+in|bring\s+in|cc)\s+"
    r"(?P<who>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*)?)(?:\s+(?:too|as\s+well|also))?(?:\s+(?:pls|please))?\W*$"
    r"|^\W*(?:and\s+|also\s+)?(?P<also>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*)?)\s+(?:too|as\s+well)(?:\s+(?:pls|please))?\W*$",
    re.I,
)


def added_person(text: str) -> str | None:
    """The person a message adds to what was proposed ("add anika ueda too"), else None."""
    said = _ADDS_PERSON.match(text)
    who = said and (said["who"] or said["also"])
    if not who or any(w in slots.STOPWORDS for w in who.lower().split()):
        return None  # "add it too", "that too"
    return who


def corrected_values(slots: dict[str, object], defaults: dict[str, object]) -> dict[str, object]:
    """The values a correction states (a filler's reading of it, names and free text aside): not those the filler
    gives to any text (`defaults`: "sorry wrong number, 1014" hands the ticket to no one new)."""
    return {
        k: v
        for k, v in slots.items()
        if k not in _NOT_AMENDED and v not in (None, "", []) and not (k in defaults and defaults[k] == v)
    }


# "no, the day after", "make it a day earlier": the proposed day moved by one
_DAY_SHIFT = re.compile(
    r"\b(?:the\s+)?day\s+(?P<way>after|before)\b(?!\s+(?:tomorrow|that|the|next))|\ba\s+day\s+(?P<by>later|earlier)\b",
    re.I,
)


def day_shift(text: str) -> int | None:
    """The days a correction moves the proposed day by ("the day after": 1, "a day earlier": -1), or None."""
    said = _DAY_SHIFT.search(text)
    if said is None:
        return None
    return 1 if (said["way"] or said["by"]).lower() in ("after", "later") else -1


def retarget(text: str) -> tuple[str, str | None] | None:
    """The record a correction moves the write to, and the record type it names: ("Acme", "account"); for the same
    person as another kind of record, "at" and their company or nothing ("the contact at brightfield - not the lead":
    ("at brightfield", "contact"))."""
    if day_shift(text) is not None:
        return None  # "no, the day after": a day, no record
    if person := _PERSON_KIND.match(text):
        return (f"at {person[2]}" if person[2] else ""), person[1].lower()
    m = _RETARGET.search(text)
    m = m if m is not None and not _says_value(m[1]) else _OTHER.match(text)  # "make it urgent instead": a value
    if m is None and (meant := _THE_ONE_MEANT.match(text)) is not None and not _says_value(meant[1]):
        m = meant
    if m is None and (lead := _LEAD_IN.match(text)) is not None and lead.end() < len(text):
        named = _NAMED.match(text[lead.end() :])
        name = _one_name(named[1]) if named is not None else ""
        if named is not None and not _says_value(name) and not _says_value(re.sub(r"\s+\d+$", "", name)):
            m = named
    if m is None or m[1].lower() in {"it", "that", "this", "him", "her", "them", "me"}:
        return None
    kind = (m[2] or "").lower() or None
    return _one_name(m[1]), {"company": "account", "opportunity": "deal"}.get(kind or "", kind)


def _one_name(words: str) -> str:
    """A name said in two parts across a dash: the second alone after a type word ("the platform deal - platform 36"),
    else a person and their company ("tara - crestlogic": tara at crestlogic)."""
    parts = re.split(r"\s+[-–—]\s+", words, maxsplit=1)
    if len(parts) == 1:
        return words
    first, second = parts
    return second if re.search(rf"\b{_TYPE_WORD}$", first, re.I) else f"{first} at {second}"


def _status(content: str | None) -> str | None:
    try:
        value = json.loads(content or "{}")
    except json.JSONDecodeError:
        return None
    return value.get("status") if isinstance(value, dict) else None


def _says_value(words: str) -> bool:
    """Whether words read as a field's value (a stage, priority, status or amount) or hold a common word ("the end of
    the month") rather than name a record."""
    return (
        any(
            find(words) for find in (slots.find_stage, slots.find_priority, slots.find_ticket_status, slots.find_amount)
        )
        or slots.says_date(words)
        or any(w in slots.STOPWORDS for w in words.lower().split())
    )
