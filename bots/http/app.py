"""The Litestar application: routes, error handling, OpenAPI at /schema, rate limits, health checks."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ServiceUnavailableException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from assistant.agent import Agent
from assistant.runtime import build_agent
from bots.http.guards import MAX_BODY, InputGuard
from bots.http.idempotency import IdempotencyMiddleware
from bots.http.limits import RateLimitMiddleware
from bots.http.principal import PrincipalMiddleware
from bots.http.problems import HANDLERS
from bots.http.state import AppState, Nexa
from bots.http.widget import SESSION_HEADER, widget_api, widget_pages
from store.db import Database
from store.jobs.worker import in_process_worker
from store.settings import Settings, get_settings


@get("/health", include_in_schema=False)
async def health() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@get("/ready", include_in_schema=False)
async def ready(nexa: Nexa) -> dict[str, str]:
    """The database answers and is migrated."""
    try:
        await nexa.db.check_ready()
    except Exception as err:  # any failure means not ready; the reason is reported
        raise ServiceUnavailableException(f"database: {err.__class__.__name__}") from None
    return {"status": "ready"}


def cors(settings: Settings) -> CORSConfig:
    """The widget is embedded on customers' own sites: let their pages call the API (NEXA_CORS_ORIGINS, comma-separated;
    default any). Bearer tokens are never sent implicitly by browsers, so this opens no door to the CRM API."""
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Accept", "Authorization", SESSION_HEADER],
        expose_headers=["Retry-After", "RateLimit-Reset", "RateLimit-Remaining"],
        max_age=600,
    )


def create_app(db: Database | None = None, *, settings: Settings | None = None, agent: Agent | None = None) -> Litestar:
    """The app over `db` (the configured database when None) and one shared agent."""
    settings = settings or get_settings()
    db = db or Database.open(settings)
    state = AppState(db=db, agent=agent or build_agent(db, settings), settings=settings)
    for model in (state.agent.model, state.agent.fallback):
        if model is not None and hasattr(model, "warm_up"):
            model.warm_up()  # load the embedding model now, not on the first question
    from bots.http.api import api_router
    from bots.http.catalog import catalog_router, quote_pages
    from bots.http.imports import imports_router
    from bots.http.marketing import public_routes
    from bots.mcp.http import mcp_mount
    from bots.web import console_routers, template_config

    mcp_endpoint, mcp_lifespan = mcp_mount(db, state.agent)

    slack: list[Any] = []
    if settings.slack_bot_token and settings.slack_signing_secret:  # Slack's HTTP mode at /slack/events
        from bots.slack.app import build_app
        from bots.slack.http import slack_events

        slack = [slack_events(build_app(state.agent, db, settings), settings.slack_signing_secret)]

    return Litestar(
        route_handlers=[
            health,
            ready,
            api_router,
            catalog_router,
            *quote_pages,
            imports_router,
            mcp_endpoint,
            widget_api,
            *widget_pages,
            *slack,
            *public_routes(),
            *console_routers(settings.signing_key()),
        ],
        dependencies={"nexa": Provide(lambda: state, sync_to_thread=False)},
        state=State({"nexa_state": state}),  # for the console's error pages, which get no dependencies
        template_config=template_config(),
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        middleware=[
            InputGuard,
            DefineMiddleware(PrincipalMiddleware, db=db, token_cache_s=settings.token_cache_s),
            DefineMiddleware(RateLimitMiddleware, db=db, settings=settings),
            DefineMiddleware(IdempotencyMiddleware, db=db, turn_seconds=settings.turn_seconds),
        ],
        request_max_body_size=MAX_BODY,
        cors_config=cors(settings),
        openapi_config=OpenAPIConfig(
            title="Nexa API",
            version="1.0.0",
            path="/schema",
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
        on_shutdown=[db.close],
        lifespan=[mcp_lifespan, *([lambda _: in_process_worker(db, settings)] if settings.in_process_worker else [])],
    )
