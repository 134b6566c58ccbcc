"""A fake Slack on loopback: the Web API methods Nexa calls, response URLs and a Socket Mode WebSocket.

It records every call (method and parameters, from the query, a form or a JSON body) and answers
like Slack: `ts` for chat.postMessage, a profile with the email from `users` for users.info,
`not_in_channel` for channels listed in `closed`, `{"ok": true}` for the rest. Tests wait for calls
with `wait()` (polling, bounded) instead of sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
import uvicorn

TEAM, BOT_USER, BOT_ID = "T0NEXA", "U0NEXABOT", "B0NEXA"


@dataclass(frozen=True)
class Call:
    """One request the fake received: the Web API method (or "response_url"), its parameters and the answer."""

    method: str
    params: dict[str, Any]
    answer: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """Everything readable in the call: its text and every text in its blocks or view."""
        return json.dumps(
            [self.params.get("text"), self.params.get("blocks"), self.params.get("view")], ensure_ascii=False
        )


@dataclass
class FakeSlack:
    """The fake's state; `users` maps Slack user ids to emails (None: a profile without one)."""

    users: dict[str, str | None] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    base_url: str = ""
    socket_outbox: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    def find(self, method: str, predicate: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        return [c for c in list(self.calls) if c.method == method and predicate(c)]

    def wait(
        self, method: str, predicate: Callable[[Call], bool] = lambda c: True, *, count: int = 1, timeout: float = 20
    ) -> list[Call]:
        """The calls of `method` matching `predicate`, once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while len(found := self.find(method, predicate)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{count} x {method} not seen in {timeout} s; calls: {[c.method for c in self.calls]}"
                )
            time.sleep(0.05)
        return found

    # -- the ASGI app ------------------------------------------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            await self._socket(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        params = dict(parse_qsl(scope.get("query_string", b"").decode()))
        params |= _parse(body, dict(scope["headers"]).get(b"content-type", b"").decode())
        if path.startswith("/response/"):
            self.calls.append(Call("response_url", params | {"response_url": path}))
            await _send(send, b"ok", "text/plain")
            return
        method = path.removeprefix("/api/")
        answer = self._answer(method, params)
        self.calls.append(Call(method, params, answer))
        await _send(send, json.dumps(answer).encode(), "application/json")

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update") and channel in self.closed:
            return {"ok": False, "error": "not_in_channel"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://nexa-test.slack.com/",
                "team": "Nexa Test",
                "user": "nexa",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = f"{1700000000 + next(self._ts)}.000100"
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {
                    "type": "message",
                    "text": params.get("text"),
                    "ts": ts,
                    "blocks": params.get("blocks", []),
                },
            }
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
        if method == "users.info":
            user = params.get("user")
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            email = self.users[user]
            return {
                "ok": True,
                "user": {
                    "id": user,
                    "team_id": TEAM,
                    "name": user.lower(),
                    "is_bot": False,
                    "profile": {"real_name": user, **({"email": email} if email else {})},
                },
            }
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V0HOME", **(params.get("view") or {})}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.base_url.replace("http://", "ws://") + "/socket"}
        return {"ok": True}

    async def _socket(self, receive, send) -> None:
        """Socket Mode: hello, then every envelope put in `socket_outbox`; the app's acks land in `socket_acks`."""
        if (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps({"type": "hello", "num_connections": 1})})

        async def outgoing() -> None:
            while True:
                try:
                    envelope = self.socket_outbox.get_nowait()
                except queue.Empty:
                    await asyncio.sleep(0.02)
                    continue
                await send({"type": "websocket.send", "text": json.dumps(envelope)})

        sender = asyncio.create_task(outgoing())
        try:
            while (message := await receive())["type"] == "websocket.receive":
                if message.get("text"):
                    self.socket_acks.append(json.loads(message["text"]))
        finally:
            sender.cancel()


def _parse(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    params: dict[str, Any] = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in ("blocks", "view"):  # form-encoded calls carry these as JSON strings
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


async def _send(send, body: bytes, content_type: str) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", content_type.encode())]})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def running(fake: FakeSlack) -> Iterator[FakeSlack]:
    """Serve `fake` on a free loopback port in a thread; `fake.base_url` is set while it runs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake, log_level="warning", lifespan="off", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlack]:
    """One fake Slack for a test module (tests tell their calls apart by channel and user ids)."""
    with running(FakeSlack()) as fake:
        yield fake
