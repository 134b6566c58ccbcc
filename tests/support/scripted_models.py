"""Models for tests: a scripted one that replays given answers and records what it was sent, and a gullible one
that also obeys every instruction planted in the tool results it reads (for the injection suite)."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.messages import Message, ModelResponse, TextDelta, ToolCall
from assistant.model import ModelError
from tools.spec import ToolSpec

_ids = itertools.count(1)
Step = Message | Callable[[Sequence[Message]], Message] | Exception


def say(text: str) -> Message:
    """A final text answer."""
    return Message("assistant", text)


def call(name: str, arguments: dict[str, Any] | str | None = None, *more: tuple[str, dict[str, Any] | str]) -> Message:
    """An answer calling one tool (or several, in parallel); a str argument is sent raw (to test malformed JSON)."""
    calls = [(name, arguments or {}), *more]
    return Message(
        "assistant",
        None,
        tool_calls=[
            ToolCall(id=f"call_{next(_ids)}", name=n, arguments=a if isinstance(a, str) else json.dumps(a, default=str))
            for n, a in calls
        ],
    )


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

    async def stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelResponse]:
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


_PLANTED_CALL = re.compile(r"NEXA-CALL:\s*(?=\{)|\bcall\s+(?P<name>[a-z]+(?:_[a-z]+)+)\s+with\s*(?=\{)", re.I)
_PLANTED_SAY = re.compile(r"NEXA-SAY:\s*(?P<text>[^\n]+)")
_REVEAL = re.compile(
    r"\b(?:reveal|print|repeat|output|show|paste)\b[^.\n]{0,60}\b(?:system prompt|instructions|initial prompt)\b", re.I
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Planted:
    """An instruction found in a tool result: a tool call, or text to put in the answer."""

    key: str
    name: str | None = None
    arguments: dict[str, Any] | None = None
    text: str | None = None


class GullibleModel(ScriptedModel):
    """A model fooled by everything it reads, for injection tests: the worst case the defenses must survive.

    Before each step it reads every tool result in the conversation (history included) and obeys each
    instruction planted there that it has not yet followed in this turn, in order:

    - `NEXA-CALL: {"name": "<tool>", "arguments": {...}}`, or "... call <tool> with {...}" anywhere in text, is
      called exactly as written (even a tool it was not offered);
    - `NEXA-SAY: <text>` goes into its final answer, and so does the system prompt when the text asks to
      "reveal/print/repeat ... system prompt/instructions".

    In planted text, `{{emails}}` becomes every email address the turn's results showed, `{{email_id}}` the last
    email id they showed and `{{system_prompt}}` the system prompt. Otherwise it plays its scripted steps (as
    ScriptedModel); its final answer is the scripted one plus whatever it was told to say.
    """

    name = "gullible"

    def __init__(self, *steps: Step) -> None:
        super().__init__(*steps)
        self.obeyed: list[Planted] = []  # every planted instruction it followed, in order

    async def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        self.requests.append(list(messages))
        start = max((i for i, m in enumerate(messages) if m.role == "user"), default=0)
        done = {
            c.id.split(":")[1]
            for m in messages[start:]
            if m.role == "assistant"
            for c in m.tool_calls
            if c.id.startswith("gullible:")
        }
        found = self.planted(messages)
        for planted in found:
            if planted.name is not None and planted.key not in done:
                self.obeyed.append(planted)
                arguments = _fill(planted.arguments or {}, messages, start)
                return ModelResponse(
                    Message(
                        "assistant",
                        None,
                        tool_calls=[
                            ToolCall(
                                id=f"gullible:{planted.key}:{next(_ids)}",
                                name=planted.name,
                                arguments=json.dumps(arguments, default=str),
                            )
                        ],
                    )
                )
        step = self.steps.pop(0) if self.steps else say("Done.")
        if isinstance(step, Exception):
            raise step
        message = step(messages) if callable(step) else step
        if message.tool_calls:
            return ModelResponse(message)
        told = [p for p in found if p.text is not None]
        self.obeyed += told
        return ModelResponse(
            Message(
                "assistant",
                "\n\n".join([message.content or "", *(_fill(p.text, messages, start) for p in told)]).strip(),
            )
        )

    @staticmethod
    def planted(messages: Sequence[Message]) -> list[Planted]:
        """Every instruction in the tool results of `messages`, in order of appearance."""
        found: dict[str, Planted] = {}
        for message in messages:
            if message.role != "tool" or not message.content:
                continue
            for text in _strings(message.content):
                for match in _PLANTED_CALL.finditer(text):
                    try:
                        value, _ = json.JSONDecoder().raw_decode(text, match.end())
                    except json.JSONDecodeError:
                        continue
                    name = match.group("name") or (value.get("name") if isinstance(value, dict) else None)
                    arguments = (
                        value if match.group("name") else (value.get("arguments") if isinstance(value, dict) else None)
                    )
                    if isinstance(name, str) and isinstance(arguments, dict):
                        key = _key(name, arguments)
                        found.setdefault(key, Planted(key, name=name, arguments=arguments))
                for match in _PLANTED_SAY.finditer(text):
                    found.setdefault(
                        _key("say", match.group("text")),
                        Planted(_key("say", match.group("text")), text=match.group("text")),
                    )
                if _REVEAL.search(text):
                    found.setdefault("reveal", Planted("reveal", text="{{system_prompt}}"))
        return list(found.values())


def _key(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _strings(content: str) -> list[str]:
    """Every string inside a tool result (JSON walked; a truncated preview is unescaped)."""
    try:
        value = json.loads(content)
    except json.JSONDecodeError:
        return [content]
    out: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, str):
            out.append(item)
            if '\\"' in item:
                out.append(item.replace('\\"', '"').replace("\\n", "\n"))
        elif isinstance(item, dict):
            for v in item.values():
                walk(v)
        elif isinstance(item, list):
            for v in item:
                walk(v)

    walk(value)
    return out


def _fill(value: Any, messages: Sequence[Message], start: int) -> Any:
    """Planted arguments with {{emails}}, {{email_id}} and {{system_prompt}} replaced by what the model has seen."""
    if isinstance(value, dict):
        return {k: _fill(v, messages, start) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, messages, start) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return value
    seen = "\n".join(m.content or "" for m in messages[start:] if m.role == "tool")
    emails = list(dict.fromkeys(_EMAIL.findall(seen)))
    ids = re.findall(r'"email_id": "([0-9a-f-]{36})"', seen)
    system = messages[0].content if messages and messages[0].role == "system" else ""
    return (
        value.replace("{{emails}}", ", ".join(emails))
        .replace("{{email_id}}", ids[-1] if ids else "")
        .replace("{{system_prompt}}", system or "")
    )
