"""A gate in front of the app: NUL characters, deep nesting and oversized bodies are refused before any handler runs.

PostgreSQL text cannot hold NUL (0x00), so a NUL anywhere in a path, query or body would fail deep in a
write; refusing it here gives a clear 400 naming the part instead. JSON nested deeper than `MAX_DEPTH`
would exhaust the recursion of the decoders and validators behind (a RecursionError, a 500), so it is
refused here for every route at once. Bodies are read once, capped at `MAX_BODY`, and handed on unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

MAX_BODY = 64 * 1024  # bytes of one request body; more is a 413
MAX_DEPTH = 32  # levels of nested JSON arrays and objects; the API's own bodies use fewer than 5
_NUL_ESCAPE = re.compile(rb"\\u0000", re.I)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


def nesting(body: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub(b"", _STRING.sub(b"", body)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


MAX_UPLOAD = 256 * 1024 * 1024  # bytes of a CSV file posted to UPLOAD_PATH
UPLOAD_PATH = "/api/v1/imports"


def is_inbound(path: str) -> bool:
    """The inbox webhook's path (`/api/v1/inbox/{inbox}/inbound`): raw mail, not JSON, capped by its handler."""
    parts = path.rstrip("/").split("/")
    return len(parts) == 6 and parts[1:4] == ["api", "v1", "inbox"] and parts[5] == "inbound"


def problem(status: int, detail: str, field: str) -> tuple[int, bytes]:
    body = {
        "type": "https://nexa.dev/problems/invalid",
        "title": "invalid",
        "status": status,
        "detail": detail,
        "field": field,
    }
    return status, json.dumps(body).encode()


async def respond(
    send: Any,
    status: int,
    body: bytes,
    content_type: str | None = "application/problem+json",
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    headers = [
        (b"content-type", (content_type or "application/json").encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Any, limit: int = MAX_BODY) -> bytes | None:
    """The whole body, or None when it is longer than `limit`."""
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes, original: Any) -> Any:
    """A `receive` that hands the buffered body over once, then listens to the client again (disconnects)."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class InputGuard:
    """ASGI middleware: 400 for NUL in path, query or body or for deep nesting; 413 for a body over `MAX_BODY`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
            await respond(send, *problem(400, "NUL characters are not allowed in the path or the query", "query"))
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        if scope["path"].rstrip("/") == UPLOAD_PATH or is_inbound(scope["path"]):  # a file upload or raw mail (binary,
            await self.app(scope, receive, send)  # not JSON): not buffered here, capped by its handler
            return
        body = await read_body(receive)
        if body is None:
            await respond(send, *problem(413, f"body: at most {MAX_BODY} bytes", "body"))
            return
        if b"\x00" in body or _NUL_ESCAPE.search(body):
            await respond(send, *problem(400, "body: NUL characters (\\u0000) are not allowed in text", "body"))
            return
        if nesting(body) > MAX_DEPTH:
            await respond(send, *problem(400, f"body: JSON nested deeper than {MAX_DEPTH} levels", "body"))
            return
        await self.app(scope, replay(body, receive), send)
