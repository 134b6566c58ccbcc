"""A turn of the agent as server-sent events (delta, tool, approval, final, error) or as one JSON reply."""

from __future__ import annotations

import json
import logging
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
from store.errors import DATABASE_DOWN, DomainError

log = logging.getLogger("nexa.http")


def wants_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


def reply(result: TurnResult) -> dict[str, Any]:
    """The JSON shape of a finished turn (also the data of the `final` event)."""
    return {
        "conversation_id": result.conversation_id,
        "answer": result.answer,
        "outcome": result.outcome.value,
        "citations": result.citations,
        "pending": [asdict(p) for p in result.pending],
        "references": result.references,
        "tool_calls": result.tool_calls,
        "notice": result.notice,
    }


def _event(kind: str, data: dict[str, Any]) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=json.dumps(data, default=str), event=kind)


async def events(
    agent: Agent, actor: Actor, message: str, conversation_id: str | None, shape=reply
) -> AsyncIterator[ServerSentEventMessage]:
    """The agent's events. Every stream ends with a `final` or an `error` event: any failure inside the turn,
    after the response began, becomes an `error` event (a bug is logged and reported as a 500 without detail)."""
    customer, ended = actor.role is CallerRole.customer, False
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
                ended = True
                yield _event("final", shape(event.result))
        if not ended:
            raise RuntimeError("the turn ended without a final answer")
    except DomainError as err:
        yield _event("error", {"status": err.status, "code": err.code, "field": err.field, "detail": str(err)})
    except ModelError as err:
        yield _event("error", {"status": 502, "code": "model_unavailable", "field": None, "detail": str(err)})
    except DATABASE_DOWN as err:
        log.warning("chat stream: database unavailable (%s)", err.__class__.__name__)
        yield _event(
            "error",
            {
                "status": 503,
                "code": "unavailable",
                "field": None,
                "detail": "the database is unavailable; retry shortly",
            },
        )
    except Exception:  # a stream must end with an event whatever failed; the bug is logged
        log.exception("chat stream failed")
        yield _event("error", {"status": 500, "code": "internal", "field": None, "detail": "the server failed"})


def stream(agent: Agent, actor: Actor, message: str, conversation_id: str | None, shape=reply) -> ServerSentEvent:
    return ServerSentEvent(events(agent, actor, message, conversation_id, shape), headers={"Cache-Control": "no-store"})
