"""`Idempotency-Key` on API writes: a retry gets the first response; the same key with other parameters gets 409.

An ASGI middleware around `/api/v1` POST, PATCH and DELETE requests that carry the header. It runs after
`PrincipalMiddleware`: an unauthenticated request claims nothing (its handler answers 401 or 400), and keys
belong to the authenticated principal (a user, or a widget session), never to the spelling of a header.
The key is claimed in its own committed transaction before the handler runs (so a concurrent duplicate sees
it), and the response is stored before its last part is sent (a retry sent as soon as the first answer arrives
replays it); a 5xx or a streamed response frees the key again. A claim left
behind by a killed server expires `ttl` seconds after it was made (the turn time limit plus 30 s).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bots.http.guards import read_body, replay, respond
from bots.http.principal import authenticated
from store import idempotency
from store.db import Database

WRITES = {"POST", "PATCH", "PUT", "DELETE"}
HEADER = b"idempotency-key"
MARGIN_S = 30  # a claim outlives the longest request by this much


def _problem(status: int, detail: str) -> tuple[int, bytes]:
    body = {
        "type": "https://nexa.dev/problems/idempotency",
        "title": "idempotency",
        "status": status,
        "detail": detail,
        "field": "Idempotency-Key",
    }
    return status, json.dumps(body).encode()


class IdempotencyMiddleware:
    """Replays the stored response of a write retried with the same `Idempotency-Key`."""

    def __init__(self, app: Any, db: Database, turn_seconds: float) -> None:
        self.app, self.db, self.ttl = app, db, turn_seconds + MARGIN_S

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        key = headers.get(HEADER)
        principal = authenticated(scope) if scope["type"] == "http" else None
        if not key or scope["method"] not in WRITES or not scope["path"].startswith("/api/v1/") or principal is None:
            await self.app(scope, receive, send)
            return
        if len(key) > 200:
            await respond(send, *_problem(400, "Idempotency-Key: at most 200 characters"))
            return
        body = await read_body(receive) or b""  # the guard in front already capped its size
        caller = hashlib.sha256(principal.encode()).hexdigest()
        fingerprint = hashlib.sha256(
            b"\n".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        earlier = await idempotency.claim(self.db, caller, key.decode(), fingerprint, ttl=self.ttl)
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                await respond(send, *_problem(409, "Idempotency-Key: this key was used with different parameters"))
            elif earlier.status_code is None:
                await respond(send, *_problem(409, "Idempotency-Key: the first request with this key is still running"))
            else:
                await respond(
                    send,
                    earlier.status_code,
                    earlier.response or b"",
                    earlier.content_type,
                    [(b"idempotent-replayed", b"true")],
                )
            return
        captured: dict[str, Any] = {"body": [], "settled": False}

        async def settle() -> None:
            status, content_type = captured.get("status"), captured.get("content_type", "")
            keep = status is not None and status < 500 and not content_type.startswith("text/event-stream")
            captured["settled"] = True
            await idempotency.settle(
                self.db,
                caller,
                key.decode(),
                status=status,
                body=b"".join(captured["body"]),
                content_type=content_type,
                keep=keep,
            )

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["content_type"] = dict(message.get("headers", [])).get(b"content-type", b"").decode()
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    await settle()  # stored before the client has the whole response: its retry finds it
            await send(message)

        try:
            await self.app(scope, replay(body, receive), capture)
        finally:
            if not captured["settled"]:
                await settle()  # the handler failed or the client left before the end: the key is freed
