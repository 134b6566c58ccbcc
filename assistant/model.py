"""The `ChatModel` protocol every model client implements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from assistant.messages import Message, ModelResponse, TextDelta
from tools.spec import ToolSpec


class ModelError(RuntimeError):
    """The model endpoint failed (after the client's own retries) or timed out."""


class ChatModel(Protocol):
    """A chat model: one request method and one streaming method."""

    name: str

    async def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        """Send the conversation and the available tools; return the complete answer."""
        ...

    def stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelResponse]:
        """Like `request`, but yield text deltas as they arrive and the complete answer last."""
        ...


@runtime_checkable
class Preparing(Protocol):
    """A model that can do work for a message ahead of the request (the offline model embeds it), while the turn
    opens its conversation."""

    async def prepare(self, message: str) -> None:
        """Get ready to answer `message`; the request works the same without it."""
        ...
