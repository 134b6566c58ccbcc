"""Typed tools: the JSON schema comes from the signature, the description from the docstring."""

from __future__ import annotations

import inspect
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from store.access import redact, require
from store.errors import from_pydantic
from tools.context import ToolContext
from tools.spec import ToolSpec

ToolFn = Callable[..., Awaitable["ToolResult"]]


@dataclass
class ToolResult:
    """What a tool returns: data for the model plus references to the real records it cites."""

    data: Any
    refs: list[dict[str, str]] = field(default_factory=list)

    def to_json(self, limit: int) -> str:
        """The result as JSON for the model, cut to `limit` characters (the cut is said)."""
        text = json.dumps({"ok": True, "data": self.data, "refs": self.refs}, default=str)
        if len(text) <= limit:
            return text
        return json.dumps(
            {"ok": True, "truncated": True, "refs": self.refs[:20], "data_preview": text[: limit - 400]}, default=str
        )


@dataclass(frozen=True)
class Tool:
    """A registered tool: its function, argument model, permission scope and whether it writes."""

    name: str
    description: str
    fn: ToolFn
    args_model: type[BaseModel]
    area: str
    writes: bool
    target: tuple[str, str] | None = None  # (record type, argument naming it) re-checked on approval
    summary: str | None = None  # how a pending write is shown to the user, formatted with the arguments
    # Whether results carry text written by people other than the caller (articles, ticket and email bodies, notes,
    # free-text fields): True always, or a tuple of field names when only those do (untrusted once one holds text).
    untrusted: bool | tuple[str, ...] = False

    @cached_property  # built once per process: a turn offers all ~50 schemas (a frozen dataclass allows this cache)
    def spec(self) -> ToolSpec:
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        return ToolSpec(name=self.name, description=self.description, parameters=schema, writes=self.writes)

    def parse(self, arguments: dict[str, Any]) -> BaseModel:
        """Validate arguments, raising a domain error that names the field."""
        try:
            return self.args_model.model_validate(arguments)
        except ValidationError as err:
            raise from_pydantic(err) from None

    async def run(self, ctx: ToolContext, arguments: dict[str, Any] | BaseModel) -> ToolResult:
        """Check the caller's scope, validate, call the tool, and strip the fields the caller's role may not see."""
        require(ctx.actor, self.area, "write" if self.writes else "read")
        args = arguments if isinstance(arguments, BaseModel) else self.parse(arguments)
        result = await self.fn(ctx, **{k: getattr(args, k) for k in self.args_model.model_fields})
        result.data = redact(ctx.actor, result.data)
        return result


class Toolset:
    """All tools by name; later issues register into the same one."""

    def __init__(self) -> None:
        self.tools: dict[str, Tool] = {}

    def add(self, tool: Tool) -> None:
        if tool.name in self.tools:
            raise ValueError(f"tool {tool.name} is registered twice")
        self.tools[tool.name] = tool

    def get(self, name: str) -> Tool | None:
        return self.tools.get(name)

    def specs(self, names: Iterable[str] | None = None) -> list[ToolSpec]:
        chosen = self.tools.values() if names is None else [self.tools[n] for n in names if n in self.tools]
        return [t.spec for t in chosen]

    def select(self, predicate: Callable[[Tool], bool]) -> list[str]:
        return [name for name, tool in self.tools.items() if predicate(tool)]


TOOLSET = Toolset()


def tool(
    *,
    area: str,
    writes: bool = False,
    target: tuple[str, str] | None = None,
    summary: str | None = None,
    untrusted: bool | tuple[str, ...] = False,
    toolset: Toolset = TOOLSET,
) -> Callable[[ToolFn], ToolFn]:
    """Register an async function `fn(ctx, ...)` as a tool of `toolset`."""

    def register(fn: ToolFn) -> ToolFn:
        description, arg_docs = _parse_docstring(fn.__doc__ or "")
        hints = get_type_hints(fn, include_extras=True)  # keep Annotated rules (the date window)
        fields: dict[str, Any] = {}
        for index, (name, param) in enumerate(inspect.signature(fn).parameters.items()):
            if index == 0:
                continue  # the context, never shown to the model
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[name] = (hints[name], Field(default, description=arg_docs.get(name)))
        model = create_model(f"{fn.__name__}_args", __config__=ConfigDict(extra="forbid"), **fields)
        toolset.add(
            Tool(
                name=fn.__name__,
                description=description,
                fn=fn,
                args_model=model,
                area=area,
                writes=writes,
                target=target,
                summary=summary,
                untrusted=untrusted,
            )
        )
        return fn

    return register


_ARGS_HEADER = re.compile(r"^\s*Args:\s*$", re.M)
_ARG_LINE = re.compile(r"^\s{2,}(\w+)(?:\s*\([^)]*\))?:\s*(.+)$")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into the description and per-argument descriptions."""
    doc = inspect.cleandoc(doc)
    parts = _ARGS_HEADER.split(doc, maxsplit=1)
    description = " ".join(parts[0].split())
    args: dict[str, str] = {}
    if len(parts) == 2:
        current = None
        for line in parts[1].splitlines():
            match = _ARG_LINE.match("  " + line if not line.startswith(" ") else line)
            if match:
                current = match.group(1)
                args[current] = match.group(2).strip()
            elif current and line.strip():
                args[current] += " " + line.strip()
    return description, args


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False
