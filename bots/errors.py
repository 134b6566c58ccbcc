"""Running a CLI command: a domain error is a clear message and exit code 2, not a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console

T = TypeVar("T")


def run(job: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine, turning a domain error (unknown user, bad id...) into `error: field: reason`."""
    from store.errors import DomainError  # here, not at the top: `nexa --help` stays free of pydantic and SQLAlchemy

    try:
        return asyncio.run(job)
    except DomainError as err:
        Console().print(f"[red]error:[/] {err}")
        raise typer.Exit(2) from None
