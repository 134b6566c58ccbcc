"""`Idempotency-Key` on API writes: a retry gets the first response; the same key with other parameters gets 409.

An ASGI middleware around `/api/v1` POST, PATCH and DELETE requests that carry the header. The key is
claimed in its own committed transaction before the handler runs (so a concurrent duplicate sees it),
and the response is stored after; a 5xx or a streamed response frees the key again. Keys are scoped to
the caller's credential (bearer token or widget session), so two callers never share one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from bots.http.guards import read_body, replay, respond
from store.db import Database
from store.models.idempotency import IdempotencyKey

WRITES = {"POST", "PATCH", "PUT", "DELETE"}
HEADER = b"idempotency-key"


def _problem(status: int, detail: str) -> tuple[int, bytes]:
    body = {"type": "https://nexa.dev/problems/idempotency", "title": "idempotency", "status": status, "detail": detail,
            "field": "Idempotency-Key"}
    return status, json.dumps(body).encode()


class IdempotencyMiddleware:
    """Replays the stored response of a write retried with the same `Idempotency-Key`."""

    def __init__(self, app: Any, db: Database) -> None:
        self.app, self.db = app, db

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        key = headers.get(HEADER)
        if not key or scope["method"] not in WRITES or not scope["path"].startswith("/api/v1/"):
            await self.app(scope, receive, send)
            return
        credential = headers.get(b"authorization") or headers.get(b"x-nexa-session")
        if not credential:
            await self.app(scope, receive, send)  # the handler answers 401 / 400
            return
        if len(key) > 200:
            await respond(send, *_problem(400, "Idempotency-Key: at most 200 characters"))
            return
        body = await read_body(receive) or b""  # the guard in front already capped its size
        caller = hashlib.sha256(credential).hexdigest()
        fingerprint = hashlib.sha256(b"\n".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])).hexdigest()
        earlier = await self._claim(caller, key.decode(), fingerprint)
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                await respond(send, *_problem(409, "Idempotency-Key: this key was used with different parameters"))
            elif earlier.status_code is None:
                await respond(send, *_problem(409, "Idempotency-Key: the first request with this key is still running"))
            else:
                await respond(send, earlier.status_code, earlier.response or b"", earlier.content_type, [(b"idempotent-replayed", b"true")])
            return
        captured: dict[str, Any] = {"body": []}

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["content_type"] = dict(message.get("headers", [])).get(b"content-type", b"").decode()
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay(body, receive), capture)
        finally:
            await self._settle(caller, key.decode(), captured)

    async def _claim(self, caller: str, key: str, fingerprint: str) -> IdempotencyKey | None:
        """Claim the key (None) or return the row of whoever claimed it first."""
        async with self.db.session() as session:
            claimed = await session.scalar(insert(IdempotencyKey).values(caller=caller, key=key, request_hash=fingerprint)
                                           .on_conflict_do_nothing().returning(IdempotencyKey.key))
            if claimed is not None:
                return None
            return await session.scalar(select(IdempotencyKey).where(IdempotencyKey.caller == caller, IdempotencyKey.key == key))

    async def _settle(self, caller: str, key: str, captured: dict[str, Any]) -> None:
        where = (IdempotencyKey.caller == caller, IdempotencyKey.key == key)
        status = captured.get("status")
        async with self.db.session() as session:
            if status is None or status >= 500 or captured.get("content_type", "").startswith("text/event-stream"):
                await session.execute(delete(IdempotencyKey).where(*where))  # nothing worth replaying: free the key
            else:
                await session.execute(update(IdempotencyKey).where(*where).values(
                    status_code=status, response=b"".join(captured["body"]), content_type=captured.get("content_type")))
