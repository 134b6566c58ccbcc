"""`OpenAIChatModel`: any OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM, llama.cpp) via the official client.

This is the only module that imports `openai`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import openai

from assistant.messages import Message, ModelResponse, TextDelta, ToolCall, Usage
from assistant.model import ModelError
from store.settings import Settings
from tools.spec import ToolSpec

PLACEHOLDER_KEY = "not-needed"  # local servers ignore the key, the client insists on one


class OpenAIChatModel:
    """Chat completions with tools; retries on 429 and 5xx are the client's own."""

    def __init__(
        self, *, model: str, base_url: str | None, api_key: str | None, timeout: float = 60.0, max_retries: int = 2
    ) -> None:
        self.name = model
        self.client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or PLACEHOLDER_KEY, timeout=timeout, max_retries=max_retries
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIChatModel:
        return cls(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout_s,
        )

    async def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        try:
            completion = await self.client.chat.completions.create(**self._params(messages, tools))
        except openai.APIError as err:
            raise _model_error(err) from err
        choice = completion.choices[0].message
        calls = [
            ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "")
            for c in choice.tool_calls or []
        ]
        usage = Usage(completion.usage.prompt_tokens, completion.usage.completion_tokens) if completion.usage else None
        return ModelResponse(Message("assistant", choice.content, tool_calls=calls), usage)

    async def stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelResponse]:
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        usage = None
        try:
            chunks = await self.client.chat.completions.create(
                **self._params(messages, tools), stream=True, stream_options={"include_usage": True}
            )
            async for chunk in chunks:
                if chunk.usage:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        text.append(delta.content)
                        yield TextDelta(delta.content)
                    for part in delta.tool_calls or []:
                        call = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                        call["id"] = part.id or call["id"]
                        if part.function:
                            call["name"] += part.function.name or ""
                            call["arguments"] += part.function.arguments or ""
        except openai.APIError as err:
            raise _model_error(err) from err
        tool_calls = [ToolCall(**calls[i]) for i in sorted(calls)]
        yield ModelResponse(Message("assistant", "".join(text) or None, tool_calls=tool_calls), usage)

    def _params(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.name, "messages": [_wire(m) for m in messages]}
        if tools:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in tools
            ]
        return params


def _wire(message: Message) -> dict[str, Any]:
    """Our message as a chat-completions message."""
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        wire["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    if message.role == "tool":
        wire["tool_call_id"] = message.tool_call_id
    return wire


def _model_error(err: openai.APIError) -> ModelError:
    status = getattr(err, "status_code", None)
    if isinstance(err, openai.APITimeoutError):
        return ModelError(f"the model endpoint timed out: {err}")
    if isinstance(err, openai.APIConnectionError):
        return ModelError(f"cannot reach the model endpoint: {err}")
    return ModelError(f"the model endpoint answered {status}: {err.message}" if status else f"model error: {err}")
