"""What a model is told about a tool; the tools own it, the assistant and its models read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToolSpec:
    """A tool's name, description, the JSON schema of its arguments and whether it writes (asks for approval)."""

    name: str
    description: str
    parameters: dict[str, Any]
    writes: bool = False
