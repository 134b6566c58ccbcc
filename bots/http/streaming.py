"""A turn of the agent as server-sent events (delta, tool, approval, final, error) or as one JSON reply."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from litestar import Request
from litestar.response import ServerSentEvent, ServerSentEventMessage

from assistant.agent import Agent
from assistant.events import ApprovalNeeded, Final, ToolFinished, ToolStarted, TurnResult
from assistant.messages import TextDelta
from assistant.model import ModelError
from store.access import Actor, CallerRole
from store.errors import DomainError

MAX_MESSAGE = 4000  # characters of one chat message


def wants_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


def reply(result: TurnResult) -> dict[str, Any]:
    """The JSON shape of a finished turn (also the data of the `final` event)."""
    return {"conversation_id": result.conversation_id, "answer": result.answer, "citations": result.citations,
            "pending": [asdict(p) for p in result.pending], "references": result.references,
            "tool_calls": result.tool_calls, "notice": result.notice}


def _event(kind: str, data: dict[str, Any]) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=json.dumps(data, default=str), event=kind)


async def events(agent: Agent, actor: Actor, message: str, conversation_id: str | None,
                 shape=reply) -> AsyncIterator[ServerSentEventMessage]:
    """The agent's events; a failure after the stream began becomes an `error` event."""
    customer = actor.role is CallerRole.customer
    try:
        async for event in agent.stream(actor, message, conversation_id):
            if isinstance(event, TextDelta):
                yield _event("delta", {"text": event.text})
            elif isinstance(event, (ToolStarted, ToolFinished)) and not customer:
                status = "started" if isinstance(event, ToolStarted) else "finished"
                yield _event("tool", {"name": event.name, "status": status, "ok": getattr(event, "ok", None)})
            elif isinstance(event, ApprovalNeeded):
                yield _event("approval", {"pending": [asdict(p) for p in event.pending]})
            elif isinstance(event, Final):
                yield _event("final", shape(event.result))
    except DomainError as err:
        yield _event("error", {"status": err.status, "code": err.code, "field": err.field, "detail": str(err)})
    except ModelError as err:
        yield _event("error", {"status": 502, "code": "model_unavailable", "field": None, "detail": str(err)})


def stream(agent: Agent, actor: Actor, message: str, conversation_id: str | None, shape=reply) -> ServerSentEvent:
    return ServerSentEvent(events(agent, actor, message, conversation_id, shape), headers={"Cache-Control": "no-store"})
