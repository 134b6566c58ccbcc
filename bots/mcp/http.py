"""MCP over streamable HTTP, mounted in `nexa serve` at `/mcp`; every request needs the user's bearer token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from litestar import asgi
from litestar.types import Receive, Scope, Send
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request

from assistant.agent import Agent
from bots.http.guards import respond
from bots.mcp.server import NexaMCP, Unauthorized
from store.db import Database


def mcp_mount(db: Database, agent: Agent) -> tuple[Any, Callable[[Any], AbstractAsyncContextManager[None]]]:
    """The `/mcp` ASGI mount and the lifespan that runs the SDK's session manager while the app runs."""
    nexa = NexaMCP(db, agent)
    manager = StreamableHTTPSessionManager(app=nexa.server)

    @asgi("/mcp", is_mount=True, copy_scope=True, include_in_schema=False)
    async def mcp_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await nexa.caller_of(Request(scope))  # type: ignore[arg-type]
        except Unauthorized as err:
            body = {
                "type": "https://nexa.dev/problems/unauthorized",
                "title": "unauthorized",
                "status": 401,
                "detail": str(err),
                "field": "Authorization",
            }
            await respond(send, 401, json.dumps(body).encode(), extra=[(b"www-authenticate", b'Bearer realm="nexa"')])
            return
        await manager.handle_request(scope, receive, send)  # type: ignore[arg-type]

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        async with manager.run():
            yield

    return mcp_endpoint, lifespan
