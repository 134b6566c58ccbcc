"""Tool gating as toolset wrappers: each layer narrows which tools the model is offered or what a call does, and
the layers compose (the shape of pydantic-ai's filtered and approval-required toolsets, written for our tools).

A turn's tools are `InjectionGuarded(ApprovalRequired(RoleFiltered(Running(toolset, ctx), actor), propose), exposure)`:
run in a savepoint, only what the caller's role may use, writes proposed instead of run, and the injection guards
(taint, read-only purpose) on top.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from assistant import injection
from assistant.events import Pending
from assistant.injection import Exposure
from store.access import Actor, allowed
from tools import Tool, ToolContext, Toolset


@dataclass
class Called:
    """What one call gave: the result's data and the records it cites, whether it carries other people's text, or
    the write it proposed instead of running."""

    data: Any = None
    refs: list[dict[str, str]] = field(default_factory=list)
    untrusted: bool = False
    pending: Pending | None = None


class TurnTools(ABC):
    """The tools of one turn: which may be called, which the model is shown now, and how a call runs."""

    @abstractmethod
    def callable(self) -> dict[str, Tool]:
        """The tools a call may name, by name."""

    def offered(self) -> list[Tool]:
        """The tools the model is shown at this point of the turn."""
        return list(self.callable().values())

    @abstractmethod
    async def call(self, tool: Tool, arguments: dict[str, Any]) -> Called:
        """Run one call of `tool`; a `DomainError` refuses it."""


class Running(TurnTools):
    """The innermost set: every tool of `toolset`, each call validated and run in a savepoint of the turn's session."""

    def __init__(self, toolset: Toolset, ctx: ToolContext) -> None:
        self.toolset, self.ctx = toolset, ctx

    def callable(self) -> dict[str, Tool]:
        return self.toolset.tools

    async def call(self, tool: Tool, arguments: dict[str, Any]) -> Called:
        parsed = tool.parse(arguments)
        async with self.ctx.session.begin_nested():
            result = await tool.run(self.ctx, parsed)
        return Called(data=result.data, refs=result.refs)


class Wrapper(TurnTools):
    """A set that delegates to the one it wraps; subclasses change what they need."""

    def __init__(self, inner: TurnTools) -> None:
        self.inner = inner

    def callable(self) -> dict[str, Tool]:
        return self.inner.callable()

    def offered(self) -> list[Tool]:
        return self.inner.offered()

    async def call(self, tool: Tool, arguments: dict[str, Any]) -> Called:
        return await self.inner.call(tool, arguments)


def permitted(actor: Actor, tool: Tool) -> bool:
    """Whether the caller's role may use `tool` at all (records are checked again when it runs)."""
    return allowed(actor, tool.area, "write" if tool.writes else "read")


def for_role(tools: dict[str, Tool], actor: Actor) -> dict[str, Tool]:
    """The tools of `tools` the caller's role may use."""
    return {name: tool for name, tool in tools.items() if permitted(actor, tool)}


class RoleFiltered(Wrapper):
    """Only the tools the caller's role may use: the others are neither shown nor callable."""

    def __init__(self, inner: TurnTools, actor: Actor) -> None:
        super().__init__(inner)
        self.actor = actor
        self._callable: dict[str, Tool] | None = None  # the role and the toolset do not change during a turn

    def callable(self) -> dict[str, Tool]:
        if self._callable is None:
            self._callable = for_role(self.inner.callable(), self.actor)
        return self._callable

    def offered(self) -> list[Tool]:
        mine = self.callable()
        return [tool for tool in self.inner.offered() if tool.name in mine]


Propose = Callable[[Tool, BaseModel], Awaitable[Pending]]


class ApprovalRequired(Wrapper):
    """A write is not run: it is validated, proposed (checked, dry-run, stored) and waits for the user's decision."""

    def __init__(self, inner: TurnTools, propose: Propose) -> None:
        super().__init__(inner)
        self.propose = propose

    async def call(self, tool: Tool, arguments: dict[str, Any]) -> Called:
        if not tool.writes:
            return await self.inner.call(tool, arguments)
        return Called(pending=await self.propose(tool, tool.parse(arguments)))


class InjectionGuarded(Wrapper):
    """The injection guards: in a read-only or tainted turn, writes and email are not offered and refused if called;
    each result is watched for other people's text (which taints the rest of the turn)."""

    def __init__(self, inner: TurnTools, exposure: Exposure) -> None:
        super().__init__(inner)
        self.exposure = exposure

    def offered(self) -> list[Tool]:
        return [tool for tool in self.inner.offered() if injection.offered(tool, self.exposure)]

    async def call(self, tool: Tool, arguments: dict[str, Any]) -> Called:
        injection.check(tool, arguments, self.exposure)
        called = await self.inner.call(tool, arguments)
        if called.pending is None:
            called.untrusted = injection.observe(tool, called.data, self.exposure)
        return called
