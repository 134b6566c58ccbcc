"""Linking a mention to a CRM record among search hits: sure only when every word the user wrote points to it."""

from __future__ import annotations

import re
from typing import Any

from assistant.offline.guard import COMPANY_SUFFIXES, name_words, same_word
from assistant.offline.slots import name_runs

# When the words do not all point to one record, the top hit's rivals are the hits within this many points of it
# (search_crm's 0-100 score): a wider margin for a write, so that a near tie is asked back as "which one".
TIE_MARGIN, WRITE_MARGIN = 4, 8
NAME_NOISE = {
    "the",
    "a",
    "an",
    "one",
    "deal",
    "deals",
    "opportunity",
    "opp",
    "account",
    "lead",
    "contact",
    "corp",
    "inc",
    "co",
    "s",
}


def clean_words(text: str) -> str:
    """The words naming a record, without the article and the type word ("the acme enterprise deal" -> "acme
    enterprise")."""
    return re.sub(
        r"^\W*(?:the|a|an|that|this)\s+|\s+(?:deal|opportunity|opp)\W*$", "", text.strip(), flags=re.I
    ).strip()


def covers(query: str, name: str) -> bool:
    """Whether every word the user wrote is in the record's name (typos allowed: rapidfuzz ratio >= 80 per word)."""
    words = [w for w in name_words(query) if w not in NAME_NOISE and w not in COMPANY_SUFFIXES]
    have = name_words(name)
    return bool(words) and all(any(same_word(w, h) for h in have) for w in words)


def far(query: str, hit: dict[str, Any]) -> bool:
    """Whether a search hit shares no word with what the user wrote (typos allowed): "john" is far from Sarah Johnson,
    whom only the letters matched."""
    words = [w for w in name_words(query) if w not in NAME_NOISE and w not in COMPANY_SUFFIXES]
    have = name_words(f"{hit['name']} {hit.get('detail') or ''}")
    return not any(same_word(w, h) for w in words for h in have)


def _typed(query: str, name: str) -> bool:
    """Whether the user's words name the record without a typo (each word is one of the name's words as written)."""
    have = set(name_words(name))
    return all(w in have for w in name_words(query) if w not in NAME_NOISE)


def _named_in(name: str, text: str) -> bool:
    """Whether the message spells out the record's whole name (each of its own words, company suffixes aside)."""
    said = set(name_words(text))
    own = [w for w in name_words(name) if w not in COMPANY_SUFFIXES]
    return len(own) >= 2 and all(w in said for w in own)


def _extra(query: str, name: str) -> int:
    """How many words of the record's name the user did not write (fewer: the record the user meant more precisely)."""
    said = name_words(query)
    return sum(1 for h in name_words(name) if not any(same_word(w, h) for w in said))


def other_number(query: str, name: str) -> bool:
    """Whether the user numbered the record and its name holds other numbers ("summitgate platform 1" is no "Platform
    186")."""
    said, held = set(re.findall(r"\b\d{1,4}\b", query)), set(re.findall(r"\b\d{1,4}\b", name))
    return bool(said and held and not said & held)


def candidate_line(hit: dict[str, Any]) -> str:
    """A candidate as the "which one" question lists it (prompts/offline/clarify.md)."""
    return f"{hit['name']} ({hit['type']}{', ' + hit['detail'] if hit.get('detail') else ''})"


def link(
    query: str, text: str, hits: list[dict[str, Any]], *, writing: bool
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The record a mention names among search hits, and the candidates to ask about (none when sure).

    Sure: one exact name; one record whose whole name the message spells out; or one record that every word the user
    wrote points to (typos allowed, company suffixes aside), with fewer unwritten words than any other (the user's own
    among equals, when the words are exact). Several equal candidates are asked back. Never a guess, for a write or a
    read: a record the words do not all point to is asked back ("did you mean ...?").
    """
    exact = [h for h in hits if h["exact"]]
    if len(exact) == 1:
        return exact[0], []
    if len(exact) > 1:
        return exact[0], exact
    spelled = [h for h in hits if _named_in(h["name"], text)]
    if len(spelled) == 1:
        return spelled[0], []
    covering = [
        h for h in hits if covers(query, f"{h['name']} {h.get('detail') or ''}")
    ]  # "the Brightwave lead", "Tom at Acme"
    if covering:
        fewest = min(_extra(query, h["name"]) for h in covering)
        best = [h for h in covering if _extra(query, h["name"]) == fewest]
        own = [h for h in best if h.get("mine")]
        if len(best) > 1 and len(own) == 1 and _typed(query, f"{own[0]['name']} {own[0].get('detail') or ''}"):
            best = own
        return (best[0], []) if len(best) == 1 else (best[0], best)
    top = hits[0]
    rivals = [
        h
        for h in hits[1:]
        if h["score"] >= top["score"] - (WRITE_MARGIN if writing else TIE_MARGIN) and h["name"] != top["name"]
    ]
    if not writing and not rivals and covers(_own_words(str(top["name"])), query):
        return top, []  # "what tickets has lumenpoint raised": every word of the record's own name was said
    return top, [top, *rivals]  # never a guess: a record the user's words do not all point to is asked back


def _own_words(name: str) -> str:
    """A record's distinctive words: its name without company suffixes and numbers ("Lumenpoint Holdings 41" ->
    "lumenpoint")."""
    return " ".join(w for w in name_words(name) if w not in COMPANY_SUFFIXES and not w.isdigit())


# A number said right after a name ends it ("northfield pilot 64"), unless it is an amount, a time or a length.
_NUMBER_AFTER = r"\s+(\d{1,4})\b(?!\s*(?:k|m|%|[.,]\d|minutes?|mins?|hours?|hrs?|days?|weeks?|am|pm|:\d))"


def numbered(name: str, text: str) -> str:
    """The name with the number the message says right after it ("orbitpath platform" -> "orbitpath platform 61"):
    a record whose name ends in another number is not the one meant."""
    after = re.search(re.escape(name) + _NUMBER_AFTER, text, re.I)
    return f"{name} {after[1]}" if after else name


def other_mentions(text: str, tried: str) -> list[str]:
    """The message's other name-like runs than the one tried (at most three), each of up to four words and the number
    said after them."""
    tried_words = set(name_words(tried))
    runs = [run.value for run in name_runs(text) if not set(name_words(run.value)) <= tried_words]
    return [numbered(" ".join(run.split()[:4]), text) for run in runs[:3]]


def kind_hint(text: str, name: str, kinds: list[str]) -> list[str]:
    """The record type a word right after the name says ("the Cedarforge deal", "Acme's account"), else right before
    it ("show lead dev ueda"), if among `kinds`."""
    at = text.lower().find(name.lower())
    if at < 0:
        return kinds
    after = re.match(
        r"(?:['’]s)?\s+\(?(?:(deal|deals|opportunity|opp|account|company|lead)|the\s+(contact|lead|deal|account))\b",
        text[at + len(name) :],
        re.I,
    )  # "dev ueda the contact at cedarforge" ("the acme contact" is acme's contact)
    before = re.search(r"\b(lead|contact|deal|account|opportunity|opp)\s+$", text[:at], re.I)  # "show lead dev ueda"
    said = (after[1] or after[2]) if after else before[1] if before else None
    if said is None:
        return kinds
    said = said.lower()
    kind = {"deals": "deal", "opportunity": "deal", "opp": "deal", "company": "account"}.get(said, said)
    return [kind] if kind in kinds else kinds


def _word_set(text: str) -> set[str]:
    return {w for w in name_words(text) if len(w) > 1}


def best_named(names: list[str], text: str) -> str | None:
    """The one name of `names` that the words of `text` cover best (most of its words said); None on a tie or none."""
    said = _word_set(text)
    scored = sorted(((len(_word_set(n) & said) / max(len(_word_set(n)), 1), n) for n in names), reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]
