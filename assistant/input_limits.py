"""What the agent accepts as a user's message, on every channel (HTTP, widget, Slack, CLI): not empty, and at most
`NEXA_MAX_MESSAGE_CHARS` characters. A refusal names the field, so the HTTP API answers it as a 4xx."""

from __future__ import annotations

from store.errors import DomainError, InvalidInput
from store.settings import Settings


class MessageTooLong(DomainError):
    """A message longer than the agent reads; nothing was run or stored."""

    code = "too_large"
    status = 413


def accepted(message: str, settings: Settings) -> str:
    """The message as a turn takes it (surrounding blanks removed), or a refusal of the field `message`."""
    text = message.strip()
    if not text:
        raise InvalidInput("message", "must not be empty")
    if len(text) > settings.max_message_chars:
        raise MessageTooLong("message", f"at most {settings.max_message_chars} characters ({len(text)} sent)")
    return text
