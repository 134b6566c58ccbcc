"""What a turn emits as it runs, for streaming adapters (CLI, SSE, Slack)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
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


class Outcome(StrEnum):
    """How a turn ended, for adapters to switch on (the answer is for people)."""

    answered = "answered"  # the model answered (having read, or with nothing to do)
    proposed = "proposed"  # writes wait for the user's yes or no (`pending`)
    applied = "applied"  # an approval applied its write (the answer says how any others went)
    not_applied = "not_applied"  # approved, but the record changed since the proposal or the write failed
    declined = "declined"  # the user said no; nothing changed
    already_decided = "already_decided"  # the approval had been decided before; nothing was done now
    refused = "refused"  # the turn did not run: the conversation spent its token budget
    stopped = "stopped"  # the turn hit its step or time limit without an answer


@dataclass
class TurnResult:
    """The outcome of one turn: the answer, what was called, and what awaits approval."""

    conversation_id: str
    answer: str
    outcome: Outcome = Outcome.answered
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    references: list[dict[str, str]] = field(default_factory=list)
    notice: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The CLI's `--json` shape."""
        return {
            "conversation_id": self.conversation_id,
            "answer": self.answer,
            "outcome": self.outcome.value,
            "tool_calls": self.tool_calls,
            "pending": [asdict(p) for p in self.pending],
        }


@dataclass(frozen=True)
class Final:
    result: TurnResult


Event = TextDelta | ToolStarted | ToolFinished | ApprovalNeeded | Final
