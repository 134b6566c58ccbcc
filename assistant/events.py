"""What a turn emits as it runs, for streaming adapters (CLI, SSE, Slack)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.messages import TextDelta


@dataclass(frozen=True)
class ToolStarted:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolFinished:
    name: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class Pending:
    """A write waiting for approval."""

    id: str
    tool: str
    arguments: dict[str, Any]
    summary: str


@dataclass(frozen=True)
class ApprovalNeeded:
    pending: list[Pending]


@dataclass
class TurnResult:
    """The outcome of one turn: the answer, what was called, and what awaits approval."""

    conversation_id: str
    answer: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    references: list[dict[str, str]] = field(default_factory=list)
    notice: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The CLI's `--json` shape."""
        return {"conversation_id": self.conversation_id, "answer": self.answer, "tool_calls": self.tool_calls,
                "pending": [asdict(p) for p in self.pending]}


@dataclass(frozen=True)
class Final:
    result: TurnResult


Event = TextDelta | ToolStarted | ToolFinished | ApprovalNeeded | Final
