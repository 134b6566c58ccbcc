"""A scripted model for tests: replays given answers and records what it was sent."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from assistant.messages import Message, ModelResponse, TextDelta, ToolCall, ToolSpec
from assistant.model import ModelError

_ids = itertools.count(1)
Step = Message | Callable[[Sequence[Message]], Message] | Exception


def say(text: str) -> Message:
    """A final text answer."""
    return Message("assistant", text)


def call(name: str, arguments: dict[str, Any] | str | None = None, *more: tuple[str, dict[str, Any] | str]) -> Message:
    """An answer calling one tool (or several, in parallel); a str argument is sent raw (to test malformed JSON)."""
    calls = [(name, arguments or {}), *more]
    return Message("assistant", None, tool_calls=[
        ToolCall(id=f"call_{next(_ids)}", name=n, arguments=a if isinstance(a, str) else json.dumps(a, default=str)) for n, a in calls])


class ScriptedModel:
    """Answers with the scripted steps in order; a callable step sees the messages so far."""

    name = "scripted"

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[list[Message]] = []

    async def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        self.requests.append(list(messages))
        if not self.steps:
            raise AssertionError("the scripted model ran out of steps")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return ModelResponse(step(messages) if callable(step) else step)

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> AsyncIterator[TextDelta | ModelResponse]:
        response = await self.request(messages, tools)
        if response.message.content:
            yield TextDelta(response.message.content)
        yield response

    def tool_results(self, index: int = -1) -> list[dict[str, Any]]:
        """The tool results the model saw in its `index`th request."""
        return [json.loads(m.content or "{}") for m in self.requests[index] if m.role == "tool"]


class FailingModel(ScriptedModel):
    """A model whose endpoint is down."""

    def __init__(self) -> None:
        super().__init__(*[ModelError("endpoint down (503)")] * 20)
