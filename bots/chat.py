"""The terminal chat: interactive with rich rendering, or one message per line from a pipe."""

from __future__ import annotations

import sys

from rich.console import Console

from assistant.agent import Agent
from assistant.events import ApprovalNeeded, Final, ToolFinished, ToolStarted
from bots import render
from store.access import Actor
from store.errors import DomainError

QUIT = {"quit", "exit", "bye", ":q"}


async def chat_loop(agent: Agent, actor: Actor, console: Console) -> None:
    """Read messages until EOF or "quit"; each turn streams its tool calls and ends with the answer."""
    interactive = sys.stdin.isatty()
    console.print(
        f"[bold]Nexa[/] - chatting as {actor.name} ({actor.role}). Model: {agent.model.name}"
        + (
            " (offline: no language model configured; I work from examples and rules)"
            if agent.model.name == "offline"
            else ""
        )
        + ". Type 'help' for examples, 'quit' to leave."
    )
    conversation: str | None = None
    while True:
        try:
            line = console.input("[bold cyan]you> [/]") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not interactive and line == "":
            break
        message = line.strip()
        if not message:
            continue
        if message.lower() in QUIT:
            break
        if not interactive:
            console.print(f"[bold cyan]you>[/] {message}")
        try:
            async for event in agent.stream(actor, message, conversation):
                if isinstance(event, ToolStarted):
                    console.print(render.tool_call(event.name, event.arguments))
                elif isinstance(event, ToolFinished) and not event.ok:
                    console.print(f"  [red]x {event.name}: {event.error}[/]")
                elif isinstance(event, ApprovalNeeded):
                    pass
                elif isinstance(event, Final):
                    conversation = event.result.conversation_id
                    render.turn(event.result, console)
        except DomainError as err:  # a refused message (too long) or conversation: say it, keep chatting
            console.print(f"[red]error:[/] {err}")
