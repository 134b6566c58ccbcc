"""`nexa mcp --as EMAIL`: the MCP server over stdio, for desktop AI clients."""

from __future__ import annotations

from typing import Annotated

import typer

from bots.errors import run


def mcp(
    email: Annotated[
        str, typer.Option("--as", help="The CRM user the client acts as (their role's tools and rights).")
    ],
) -> None:
    """Serve the assistant's tools to an MCP client over stdin/stdout (writes wait for approve_action)."""
    run(_serve(email))


async def _serve(email: str) -> None:
    from mcp.server.stdio import stdio_server

    from assistant.runtime import build_agent
    from bots.mcp.server import NexaMCP
    from store.auth import actor_for_email
    from store.db import Database

    async with Database.opened() as db:
        async with db.session() as session:
            actor = await actor_for_email(session, email)
        nexa = NexaMCP(db, build_agent(db), actor=actor)
        async with stdio_server() as (read, write):
            await nexa.server.run(read, write, nexa.server.create_initialization_options())
