"""`/api/v1`: chat with approvals, the pipeline, timelines, the knowledge base, and the record resources."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Any, Literal, cast

import msgspec
from litestar import MediaType, Request, Response, Router, get, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from pydantic import BaseModel, Field

from assistant.input_limits import accepted
from bots.http.auth import caller
from bots.http.inbox import inbox_router
from bots.http.marketing import marketing_routes
from bots.http.principal import ACTOR
from bots.http.resources import resource_routers
from bots.http.responses import (
    AuditEntries,
    AuditEntryOut,
    KbArticle,
    KbArticles,
    KbHit,
    KbHits,
    PipelineOut,
    Timeline,
    TurnOut,
)
from bots.http.sales import sales_router
from bots.http.state import Caller, Nexa
from bots.http.streaming import reply, stream, wants_stream
from store.access import Actor, CallerRole, require
from store.knowledge import search as kb_search
from store.knowledge.articles import readable_articles_page
from store.knowledge.search import Hit
from store.models.enums import RecordType, Visibility
from store.schemas import Day, Input, parse
from store.serialize import plain, to_dict
from store.services import PipelineService
from store.services.audit import AuditService
from store.services.timeline import TimelineService

Limit = Annotated[int, Parameter(ge=1, le=200)]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000)]


async def current_actor(request: Request, nexa: Nexa) -> Actor:
    """The bearer token's user (401 without one), as `PrincipalMiddleware` found it."""
    if ACTOR in request.scope:
        return cast(
            Actor, request.scope.get(ACTOR)
        )  # an extension key: litestar types the ASGI scope as a closed TypedDict
    async with nexa.db.session() as session:
        return await caller(request, session)


class ChatIn(BaseModel):
    message: str
    conversation_id: uuid.UUID | None = None


class Decision(BaseModel):
    approve: bool


@post(
    "/chat", status_code=200, media_type="text/event-stream"
)  # Litestar lets a handler's media type win over a stream's
async def chat(request: Request, nexa: Nexa, actor: Caller, data: JSONBody[ChatIn]) -> Any:
    """One turn as the token's user: JSON, or server-sent events with `Accept: text/event-stream`."""
    text = accepted(data.message, nexa.agent.settings)  # refused here too, so that a stream starts only for a turn
    conversation = str(data.conversation_id) if data.conversation_id else None
    if wants_stream(request):
        return stream(nexa.agent, actor, text, conversation)
    return Response(reply(await nexa.agent.run(actor, text, conversation)), media_type=MediaType.JSON)


@post("/chat/{conversation_id:uuid}/approvals/{approval_id:uuid}", status_code=200)
async def decide(
    nexa: Nexa,
    actor: Caller,
    conversation_id: FromPath[uuid.UUID],
    approval_id: FromPath[uuid.UUID],
    data: JSONBody[Decision],
) -> TurnOut:
    """Approve or reject a pending write; applied at most once."""
    return TurnOut(**reply(await nexa.agent.decide(actor, conversation_id, approval_id, data.approve)))


class PipelineFilters(Input):
    owner_id: uuid.UUID | None = None
    team: str | None = Field(None, max_length=100)
    close_from: Day | None = None
    close_to: Day | None = None
    group_by: Literal["stage", "owner"] = "stage"


@get("/pipeline", description=f"Filters: {', '.join(PipelineFilters.model_fields)}.")
async def pipeline(request: Request, nexa: Nexa, actor: Caller) -> PipelineOut:
    """Open pipeline (count, amount, weighted) by stage or owner, with closed-won apart."""
    filters = parse(PipelineFilters, dict(request.query_params))
    async with nexa.db.reader() as session:
        result = await PipelineService(session, actor).summary(**filters.model_dump())
        return msgspec.convert(plain(asdict(result)), PipelineOut)


@get("/contacts/{contact_id:uuid}/timeline")
async def contact_timeline(nexa: Nexa, actor: Caller, contact_id: FromPath[uuid.UUID], limit: Limit = 50) -> Timeline:
    """A contact's activities, newest first."""
    async with nexa.db.session() as session:
        return msgspec.convert(
            {"items": await TimelineService(session, actor).entries(RecordType.contact, contact_id, limit=limit)},
            Timeline,
        )


@get("/kb/articles")
async def kb_articles(nexa: Nexa, actor: Caller, limit: Limit = 50, offset: Offset = 0) -> KbArticles:
    """Help-center articles (id, title, visibility, source, updated_at)."""
    require(actor, "kb", "read")
    async with nexa.db.session() as session:
        rows, total = await readable_articles_page(session, actor, limit=limit, offset=offset)
        return KbArticles(
            total=total,
            items=[
                KbArticle(
                    id=str(a.id),
                    title=a.title,
                    visibility=a.visibility.value,
                    source=a.source,
                    updated_at=plain(a.updated_at),
                )
                for a in rows
            ],
        )


@get("/kb/search")
async def kb_search_route(
    nexa: Nexa,
    actor: Caller,
    q: Annotated[str, Parameter(min_length=1, max_length=500)],
    limit: Annotated[int, Parameter(ge=1, le=20)] = 5,
) -> KbHits:
    """Hybrid search over the articles the caller may read."""
    require(actor, "kb", "read")
    async with nexa.db.statement() as session:  # the search is one SELECT
        visible = (
            (Visibility.public,) if actor.role is CallerRole.customer else (Visibility.public, Visibility.internal)
        )
        hits = await kb_search(session, nexa.embedder, q, limit=limit, visibilities=visible)
    return KbHits(items=[kb_hit(h) for h in hits])


def kb_hit(hit: Hit) -> KbHit:
    """A search hit as the API shows it (built field by field: `asdict` deep-copies every value)."""
    return KbHit(
        chunk_id=str(hit.chunk_id),
        article_id=str(hit.article_id),
        title=hit.title,
        source=hit.source,
        url=hit.url,
        heading=hit.heading,
        content=hit.content,
        score=hit.score,
        vector_score=hit.vector_score,
        text_score=hit.text_score,
        coverage=hit.coverage,
    )


@get("/audit")
async def audit_trail(
    nexa: Nexa,
    actor: Caller,
    actor_id: FromQuery[uuid.UUID | None] = None,
    action: FromQuery[str | None] = None,
    record_id: FromQuery[str | None] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditEntries:
    """The audit trail the caller may read (admins: all; managers: their team's; others: their own), newest first."""
    async with nexa.db.session() as session:
        rows = await AuditService(session, actor).entries(
            actor_id=actor_id, action=action, record_id=record_id, limit=limit, offset=offset
        )
        return AuditEntries(items=[AuditEntryOut(**to_dict(e)) for e in rows])


api_router = Router(
    path="/api/v1",
    route_handlers=[
        chat,
        decide,
        pipeline,
        contact_timeline,
        kb_articles,
        kb_search_route,
        audit_trail,
        inbox_router,
        sales_router,
        *resource_routers(),
        *marketing_routes(),
    ],
    dependencies={"actor": Provide(current_actor)},
)
