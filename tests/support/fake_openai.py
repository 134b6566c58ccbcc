"""A fake OpenAI-compatible server on loopback, speaking the real chat-completions wire protocol.

Tests script its replies (text, tool calls, error statuses, delays) and read what it received.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn


@dataclass
class Reply:
    text: str | None = None
    tool_calls: list[tuple[str, str]] = field(default_factory=list)  # (name, raw JSON arguments)
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class FakeOpenAI:
    """The server's state: a queue of scripted replies and the request bodies received."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.base_url = ""

    def reply(self, text: str | None = None, *, tool_calls: list[tuple[str, str]] | None = None) -> FakeOpenAI:
        self.replies.append(Reply(text=text, tool_calls=tool_calls or []))
        return self

    def fail(self, status: int, *, times: int = 1, headers: dict[str, str] | None = None) -> FakeOpenAI:
        for _ in range(times):
            self.replies.append(Reply(status=status, headers=headers or {}))
        return self

    def slow(self, seconds: float, text: str = "late") -> FakeOpenAI:
        self.replies.append(Reply(text=text, delay=seconds))
        return self

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = json.loads(body or b"{}")
        self.requests.append(request)
        if scope["path"].endswith("/embeddings"):
            await _send(send, 200, json.dumps(_embeddings(request)).encode(), "application/json")
            return
        reply = self.replies.popleft() if self.replies else Reply(text="(no scripted reply)")
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.status != 200:
            error = {"error": {"message": f"scripted {reply.status}", "type": "server_error", "code": None}}
            await _send(send, reply.status, json.dumps(error).encode(), "application/json", reply.headers)
            return
        if request.get("stream"):
            await _send(
                send,
                200,
                b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in _chunks(reply)) + b"data: [DONE]\n\n",
                "text/event-stream",
            )
        else:
            await _send(send, 200, json.dumps(_completion(reply)).encode(), "application/json")


async def _send(send, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
    raw = [(b"content-type", content_type.encode())] + [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _embeddings(request: dict[str, Any]) -> dict[str, Any]:
    """Deterministic vectors of the requested size (a text's hash spread over the dimensions)."""
    size = request.get("dimensions", 1536)
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": [((hash(t) >> (k % 60)) % 97) / 97 + 0.01 for k in range(size)],
        }
        for i, t in enumerate(request["input"])
    ]
    return {"object": "list", "data": data, "model": request["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}


def _completion(reply: Reply) -> dict[str, Any]:
    calls = [
        {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": a}}
        for i, (n, a) in enumerate(reply.tool_calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def _chunks(reply: Reply) -> list[dict[str, Any]]:
    """Text split into small deltas; each tool call as id/name first, then its arguments in pieces."""
    base = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake-model",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    out = [chunk({"role": "assistant", "content": ""})]
    text = reply.text or ""
    out += [chunk({"content": text[i : i + 4]}) for i in range(0, len(text), 4)]
    for index, (name, arguments) in enumerate(reply.tool_calls):
        out.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": f"call_{index}",
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
        )
        out += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[i : i + 5]}}]})
            for i in range(0, len(arguments), 5)
        ]
    out.append(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
    out.append(base | {"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}})
    return out


@pytest.fixture(scope="session")
def _fake_openai_server():
    app = FakeOpenAI()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    app.base_url = f"http://127.0.0.1:{port}/v1"
    yield app
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def fake_openai(_fake_openai_server: FakeOpenAI) -> FakeOpenAI:
    """The fake server with an empty script and no recorded requests."""
    _fake_openai_server.replies.clear()
    _fake_openai_server.requests.clear()
    return _fake_openai_server
