"""A support agent asking for a reply to a ticket: the help center's cited answer to the ticket's subject is suggested
(a read: nothing is sent or written)."""

from __future__ import annotations

import re

REPLY_REQUEST = re.compile(
    r"\b(?:suggest|draft|write|propose|compose|prepare|give\s+me|help\s+me\s+(?:write|with))\b.{0,30}\b(?:reply|response|answer|responding)\b"
    r"|\bhow\s+(?:should|do|can|would)\s+(?:i|we)\s+(?:reply|respond|answer)\b|\bwhat\s+(?:should|do|can)\s+(?:i|we)\s+(?:reply|respond|say|tell)\b"
    r"|\bwhat\s+to\s+(?:send|tell|say\s+to|reply\s+to)\s+(?:the\s+)?(?:customer|client|them|him|her|requester)\b",
    re.IGNORECASE,
)


def asks_reply(text: str) -> bool:
    """Whether the message asks for a reply to send a customer (on a ticket)."""
    return bool(REPLY_REQUEST.search(text))
