"""Rate limits per caller, counted in PostgreSQL so that every server process shares the windows.

Each rule counts the requests it applies to in fixed one-minute windows per key (a principal, or a client
address), shared by every process through `store.rate_limits.Leases`: a process takes a key's hits from the table a
batch at a time, so most requests count without a round trip, and no process can admit past the shared limit. A request over a limit gets 429 with `Retry-After`; every counted
request carries the `RateLimit-*` headers of its tightest rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import TooManyRequestsException
from litestar.types import Message

from bots.http.guards import is_inbound
from bots.http.principal import principal_of
from store import rate_limits
from store.db import Database
from store.settings import Settings

WINDOW_S = 60


@dataclass(frozen=True)
class Rule:
    """At most `limit` requests a minute per `key(scope)` for the requests `applies(scope)` picks."""

    namespace: str
    limit: int
    applies: Callable[[dict], bool]
    key: Callable[[dict], str]


def _api_call(scope: dict) -> bool:
    """Calls of API users; the widget has its own limits, and inbound mail (authenticated by the inbox's secret)
    arrives in bursts from mail providers."""
    path = scope["path"]
    return path.startswith("/api/v1/") and not path.startswith("/api/v1/widget/") and not is_inbound(path)


def _widget_question(scope: dict) -> bool:
    return scope["method"] == "POST" and scope["path"].startswith("/api/v1/widget/messages")


def _form_post(scope: dict) -> bool:
    return scope["method"] == "POST" and scope["path"].startswith("/forms/")


def _address(scope: dict) -> str:
    client = scope.get("client")
    return client[0] if client else "-"


def rules(settings: Settings) -> list[Rule]:
    """API calls per authenticated caller (NEXA_API_PER_MINUTE); widget questions per client address
    (NEXA_WIDGET_PER_IP) and per widget session (NEXA_WIDGET_PER_SESSION); web-to-lead form posts per client
    address (NEXA_FORMS_PER_IP). Principals come from
    `PrincipalMiddleware`: two spellings of one token are one bucket."""
    return [
        Rule("rate_api", settings.api_per_minute, _api_call, principal_of),
        Rule("rate_widget_ip", settings.widget_per_ip, _widget_question, _address),
        Rule("rate_widget_session", settings.widget_per_session, _widget_question, principal_of),
        Rule("rate_form_ip", settings.forms_per_ip, _form_post, _address),
    ]


class RateLimitMiddleware:
    """ASGI middleware applying `rules` (runs after `PrincipalMiddleware`)."""

    def __init__(self, app: Any, db: Database, settings: Settings) -> None:
        self.app, self.leases, self.rules = app, rate_limits.Leases(db), rules(settings)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tightest: tuple[int, int, int] | None = None  # (remaining, limit, seconds left)
        for rule in self.rules:
            if not rule.applies(scope):
                continue
            count, left = await self.leases.hit(rule.namespace, rule.key(scope), window=WINDOW_S, limit=rule.limit)
            state = (max(rule.limit - count, 0), rule.limit, left)
            if count > rule.limit:
                raise TooManyRequestsException(headers=_headers(*state) | {"Retry-After": str(max(left, 1))})
            tightest = min(tightest or state, state)
        if tightest is None:
            await self.app(scope, receive, send)
            return
        headers = _headers(*tightest)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                mutable = MutableScopeHeaders(message)
                for name, value in headers.items():
                    mutable[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


def _headers(remaining: int, limit: int, left: int) -> dict[str, str]:
    return {
        "RateLimit-Policy": f"{limit}; w={WINDOW_S}",
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(left),
    }
