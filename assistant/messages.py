"""Message, tool-call and event types of our own, independent of any model vendor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass
class ToolCall:
    """A model's request to run one tool; `arguments` is the raw JSON text the model wrote."""

    id: str
    name: str
    arguments: str


@dataclass
class Message:
    """One chat message. Assistant messages may carry tool calls; tool messages answer one."""

    role: Role
    content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None


@dataclass
class Usage:
    """Token counts reported by the model, when it reports them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class ModelResponse:
    """A complete model answer: one assistant message (text and/or tool calls)."""

    message: Message
    usage: Usage | None = None


@dataclass(frozen=True)
class TextDelta:
    """A piece of streamed assistant text."""

    text: str
