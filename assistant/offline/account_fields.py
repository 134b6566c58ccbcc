"""An account's field said with its new value: "northworks inc - headcount is 18000 now", "set globex's industry to
Fintech", "acme website -> acme-corp.com", "initech annual revenue is 12m"."""

from __future__ import annotations

import re
from typing import Any

from assistant.offline import slots

_FIELD_WORDS = {
    "employees": r"head\s*-?count|employees|employee\s+count|number\s+of\s+employees|staff\s+count",
    "industry": r"industry|sector|vertical",
    "website": r"website|web\s*site|homepage|domain",
    "annual_revenue": r"annual\s+revenue|yearly\s+revenue|revenue",
}
_FIELD = "|".join(f"(?P<{field}>{words})" for field, words in _FIELD_WORDS.items())
_CHANGE = re.compile(
    rf"^\W*(?:(?:pls|please|can\s+you|could\s+you)\s+)?(?:(?:set|update|change|make)\s+)?(?P<name>.+?)"
    rf"(?:['’]s\s+|\s+(?:[-–—:,]\s+|the\s+|its\s+|their\s+)?)(?:new\s+)?(?:{_FIELD})"
    r"\s*(?:is\s+now|is|to|=|:|->|→|now|went\s+up\s+to|grew\s+to|dropped\s+to)?\s+(?P<value>[^,;]+?)"
    r"(?:\s+now)?(?:\s*[,.;-]\s*(?:pls\s+|please\s+)?(?:update|change|fix|set)\s+(?:it|that|the\s+record).*)?\W*$",
    re.I,
)
_FIELD_OF = re.compile(  # "set the industry of northworks inc to Fintech": the field first, then whose it is
    rf"^\W*(?:pls\s+|please\s+)?(?:set|update|change|make)\s+(?:the\s+)?(?:{_FIELD})\s+(?:of|for|on|at)\s+(?P<name>.+?)"
    r"\s+(?:to|=|->|→)\s+(?P<value>[^,;]+?)\W*$",
    re.I,
)
_CREATES = re.compile(r"\b(?:new|create|add)\s+(?:an?\s+)?(?:lead|contact|account|deal|company)\b", re.I)
_COUNT = re.compile(r"^~?(\d[\d,.]*)\s*(k)?(?:\s+(?:people|employees|staff|heads))?$", re.I)
_SITE = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.I)


def account_change(text: str) -> dict[str, Any] | None:
    """The account's name as said and the one field it changes, with the new value read for that field; None when the
    words set none of these fields to a value that reads as one (a count of employees, an amount, a web address)."""
    said = _FIELD_OF.match(text) or _CHANGE.match(text)
    if said is None or _CREATES.search(text) or "?" in text:
        return None
    field = next(f for f in _FIELD_WORDS if said[f])
    value = _value(field, said["value"].strip(" '\""))
    name = re.sub(r"^(?:the\s+)?|\s+(?:account|company)$", "", said["name"].strip(" -–—:,"), flags=re.I)
    if value is None or not name or name.lower() in slots.STOPWORDS:
        return None
    return {"name": name, "changes": {field: value}}


def _value(field: str, typed: str) -> Any:
    """The new value as the field holds it, or None when the words do not read as one."""
    if field == "employees":
        return headcount(typed)
    if field == "annual_revenue":
        amount = slots.find_amount(typed)
        return str(amount.value) if amount is not None else None
    if field == "website":
        return typed if _SITE.match(typed) else None
    return typed if len(typed.split()) <= 4 and not any(c.isdigit() for c in typed) else None


def headcount(typed: str) -> int | None:
    """A count of employees as typed ("~800", "18,000", "1.2k people"), or None."""
    count = _COUNT.match(typed.strip())
    if count is None:
        return None
    number = float(count[1].replace(",", ""))
    return int(number * 1000) if count[2] else int(number)
