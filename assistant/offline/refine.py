"""A message that refines the list we just showed ("only the ones over 50k", "sort them by amount", "which one's the
biggest"): the request that showed the list, with the refinement said after it, so the list is read again as asked."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.offline.listed import asked_most, most_of

_LEAD = r"^\W*(?:(?:ok(?:ay)?|and|now|so|cool|great|thanks|pls|please|can\s+you|could\s+you)[,!.\s]+)*"
_ONLY = re.compile(
    _LEAD
    + r"(?:(?:show\s+(?:me\s+)?)?(?:only|just)|filter\s+(?:to|for|by)|narrow\s+(?:it|that|them)\s+(?:down\s+)?to)\s+"
    r"(?:show\s+(?:me\s+)?)?(?:the\s+ones?|those|them|these|ones)?\s*(?:that\s+are|that're|which\s+are|that|with|in)?\s*"
    r"(?P<said>\S.*?)\W*$",
    re.I,
)
_SORT = re.compile(
    _LEAD + r"(?:sort|order|rank)(?:ed)?\s+(?:them|it|those|these|that|the\s+list)?\s*by\s+(?P<said>\S.*?)\W*$", re.I
)
_MOST = re.compile(
    _LEAD + r"(?:(?:which|what|who)(?:\s+one)?(?:['’]s|\s+is|\s+are)?\s+(?:the\s+)?|(?:show\s+(?:me\s+)?)?the\s+)"
    r"(?P<said>biggest|largest|smallest|oldest|newest|most\s+recent|most\s+valuable)(?:\s+(?:one|deal|ticket))?"
    r"(?:\s+of\s+(?:them|those|these|the\s+lot))?\W*$"
    r"|" + _LEAD + r"(?P<first>biggest|largest|smallest|oldest|newest)\s+(?:ones?\s+)?first\W*$",
    re.I,
)
_ANY = re.compile(_LEAD + r"any\s+(?:of\s+them\s+|ones?\s+)?(?P<said>\S.*?)\W*$", re.I)
_OF_THAT = re.compile(
    _LEAD
    + r"(?:(?:how\s+(?:much|many)|which(?:\s+ones?)?)\s+of\s+(?:that|those|them|these|it)|which(?:\s+ones?)?)\s+(?:is|are)\s+"
    r"(?P<said>\S.*?)\W*$",
    re.I,
)
# What a list can be narrowed by: an amount's floor or ceiling, a stage, a priority or status, a period, a company
_ONE_FILTER = (
    r"(?:(?:over|above|under|below|(?:more|less|bigger|smaller)\s+than|at\s+least|>|<)\s*\$?\d[\d.,]*\s*[km]?"
    r"|(?:in\s+)?(?:prospecting|qualification|proposal|negotiation)(?:\s+stage)?|urgent|high(?:\s+priority)?|low"
    r"|open|pending|closed|won|lost|overdue|unassigned|late|mine|assigned\s+to\s+me|new|contacted|(?:un)?qualified"
    r"|(?:closing|due|created|opened)\s+(?:this|next|last)\s+(?:week|month|quarter|year)|(?:closing|due)\s+(?:today|tomorrow)"
    r"|(?:this|next|last)\s+(?:week|month|quarter|year)|(?:for|from|at|with)\s+[a-z][\w&'-]*(?:\s+[a-z][\w&'-]*)?)"
)
_FILTER = re.compile(
    rf"(?:the\s+)?{_ONE_FILTER}(?:\s*(?:,|and|or|&)\s*{_ONE_FILTER})?(?:\s+(?:ones?|deals?|tickets?|tasks?))?", re.I
)
_LIST_LINE = re.compile(r"^- ", re.M)


def refinement(text: str) -> str | None:
    """The words a refinement adds to the request it refines ("over 50k", "sorted by amount", "biggest first"), or
    None when `text` is no refinement."""
    if said := _SORT.match(text):
        return f"sorted by {said['said']}"
    if said := _MOST.match(text):
        return f"{(said['said'] or said['first']).lower()} first"
    said = _ANY.match(text) or _OF_THAT.match(text) or _ONLY.match(text)
    if said is None or not _FILTER.fullmatch(said["said"]):
        return None
    added = re.sub(r"^the\s+|\s+(?:ones?|deals?|tickets?|tasks?)$", "", said["said"], flags=re.I)
    return "assigned to me" if added.lower() == "mine" else added  # "which of them are mine": the caller's own


def refined(turns: Sequence[tuple[str, str]], text: str) -> str | None:
    """The request `text` refines, with its refinement: the earlier request whose answer listed records, with every
    refinement made since; None when `text` refines nothing or our last answer listed no records."""
    added = refinement(text)
    if added is None or not turns or not _LIST_LINE.search(turns[-1][1]):
        return None
    if (most := asked_most(text)) and most_of(most, turns[-1][1]):
        return None  # "which one's the biggest" of a whole list: its line, picked by the plan
    words = [added]
    for request, _ in reversed(turns):
        earlier = refinement(request)
        if earlier is None:
            return " ".join([request, *reversed(words)])
        words.append(earlier)
    return None


# The order a deal list is asked in: by amount (largest first unless the smallest is asked), or by close date
_BY_AMOUNT = re.compile(r"\b(?:sorted\s+by|by)\s+(?:the\s+)?(?:amount|value|size|\$|money|deal\s+size)\b", re.I)
_SMALLEST = re.compile(r"\bsmallest\b", re.I)
_LARGEST = re.compile(r"\b(?:biggest|largest|most\s+valuable)\b", re.I)
_BY_CLOSE = re.compile(r"\b(?:sorted\s+by|by)\s+(?:the\s+)?(?:close|closing)(?:\s+date)?\b|\bsoonest\s+first\b", re.I)


def deals_in_order(text: str, deals: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """`deals` in the order `text` asks for, with how the title says it (", biggest first"); as given when it asks
    for none."""
    if _SMALLEST.search(text) and (_BY_AMOUNT.search(text) or re.search(r"\bsmallest\s+first\b", text, re.I)):
        return sorted(deals, key=lambda d: float(d.get("amount") or 0)), ", smallest first"
    if _BY_AMOUNT.search(text) or _LARGEST.search(text):
        return sorted(deals, key=lambda d: -float(d.get("amount") or 0)), ", biggest first"
    if _BY_CLOSE.search(text):
        return sorted(deals, key=lambda d: str(d.get("close_date") or "9999")), ", soonest closing first"
    return deals, ""
