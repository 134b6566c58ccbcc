"""Who is calling, settled once per request before the rate limits and idempotency keys see it.

The principal of an `/api/v1` request is the authenticated caller: `user:<id>` for a valid bearer
token (however the header is spelled: `bearer X`, `Bearer  X`), `widget:<session hash>` for a widget
session, and `anonymous:<client address>` otherwise. Rate limits count per principal and idempotency
keys are claimed per principal, so two spellings of one credential share one bucket and one key, and
an unauthenticated request claims nothing. The resolved actor is kept in the scope, so handlers do
not look the token up again, and a token's user is cached for a few seconds (`TokenCache`).
"""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotAuthorizedException

from bots.http.auth import TokenCache
from store.access import Actor
from store.db import Database
from store.errors import InvalidInput
from store.services.widget import customer_actor

PRINCIPAL, ACTOR = "nexa.principal", "nexa.actor"
WIDGET_PREFIX = "/api/v1/widget/"


def principal_of(scope: dict) -> str:
    """The principal a request was settled as (its client address when none was)."""
    return scope.get(PRINCIPAL) or f"anonymous:{(scope.get('client') or ('-',))[0]}"


def authenticated(scope: dict) -> str | None:
    """The principal of an authenticated request (a user or a widget session), else None."""
    principal = scope.get(PRINCIPAL)
    return principal if principal and not principal.startswith("anonymous:") else None


class PrincipalMiddleware:
    """ASGI middleware: authenticates `/api/v1` requests once and records the principal (never refuses: handlers do)."""

    def __init__(self, app: Any, db: Database, token_cache_s: float) -> None:
        self.app, self.tokens = app, TokenCache(db, token_cache_s)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/v1/"):
            actor = await self._actor(scope)
            if actor is not None:
                scope[ACTOR] = actor
                scope[PRINCIPAL] = (
                    f"widget:{actor.customer_session}" if actor.customer_session else f"user:{actor.user_id}"
                )
            else:
                client = scope.get("client") or ("-", 0)
                scope[PRINCIPAL] = f"anonymous:{client[0]}"
        await self.app(scope, receive, send)

    async def _actor(self, scope: dict) -> Actor | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if scope["path"].startswith(WIDGET_PREFIX):
            try:
                return customer_actor(headers.get("x-nexa-session", ""))
            except InvalidInput:
                return None
        if "authorization" not in headers:
            return None
        try:
            return await self.tokens.actor(headers["authorization"])
        except NotAuthorizedException:
            return None
