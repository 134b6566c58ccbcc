"""Support-agent requests about one ticket that are not a field change: a suggested reply to the customer (the help
center's cited answer to the ticket's subject), and an escalation (the priority one level up from the ticket's own)."""

from __future__ import annotations

import re

REPLY_REQUEST = re.compile(
    r"\b(?:suggest|draft|write|propose|compose|prepare|give\s+me|help\s+me\s+(?:write|with))\b.{0,30}\b(?:reply|response|answer|responding)\b"
    r"|\bhow\s+(?:should|do|can|would)\s+(?:i|we)\s+(?:reply|respond|answer)\b|\bwhat\s+(?:should|do|can)\s+(?:i|we)\s+(?:reply|respond|say|tell)\b",
    re.IGNORECASE)
ESCALATE = re.compile(r"\bescalat(?:e|ed|ing)\b", re.IGNORECASE)
_LEVELS = ("low", "medium", "high", "urgent")


def asks_reply(text: str) -> bool:
    """Whether the message asks for a reply to send a customer (on a ticket)."""
    return bool(REPLY_REQUEST.search(text))


def escalated(priority: str | None) -> str | None:
    """The priority one level above `priority` (None when it is already urgent)."""
    level = _LEVELS.index(priority) if priority in _LEVELS else 1
    return _LEVELS[level + 1] if level + 1 < len(_LEVELS) else None

