"""Rate limits per caller, counted in PostgreSQL so that every server process shares the windows.

Each rule counts the requests it applies to in fixed one-minute windows per key (a principal, or a client
address), with one atomic statement per rule and request (`store.rate_limits.hit`): no lock in the process, no read then
write, no lost counts between processes. A request over a limit gets 429 with `Retry-After`; every counted
request carries the `RateLimit-*` headers of its tightest rule.

A read whose handler has costly work of its own before its database work (`opt={OVERLAP: True}`: the knowledge-base
search embeds its query) is counted while the handler runs, and its response waits for the count: over a limit it is
still a 429 and nothing else leaves the server. Only while this process last saw the caller well under every limit
(within the same window, `MARGIN` of the limit left): a caller near or over a limit is counted first, as every other
request is, so an abusive caller gets no work done for free.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import TooManyRequestsException
from litestar.types import HTTPResponseStartEvent, Message
from litestar.utils.scope.state import ScopeState

from bots.http.guards import is_inbound
from bots.http.principal import principal_of
from store import rate_limits
from store.db import Database
from store.settings import Settings

WINDOW_S = 60
OVERLAP = "rate_limit_overlap"  # route option: a GET whose count may run beside its handler (see the module's doc)
MARGIN = 0.1  # share of a limit that must be left, as this process last saw it, for a count to run beside its handler


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
        self.app, self.db, self.rules = app, db, rules(settings)
        self._seen: dict[tuple[str, str], tuple[int, float]] = {}  # (rule, key) -> (hits, monotonic end of window)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        applied = [(rule, rule.key(scope)) for rule in self.rules if rule.applies(scope)]
        if not applied:
            await self.app(scope, receive, send)
            return
        if not self._overlaps(scope, applied):
            headers = await self._count(applied)

            async def with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    _add(message, headers)
                await send(message)

            await self.app(scope, receive, with_headers)
            return
        counted = asyncio.ensure_future(self._count(applied))
        refused = False

        async def after_count(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and not refused:
                try:
                    headers = await counted
                except TooManyRequestsException:
                    refused = True  # the 429 that Litestar renders for this comes through here next
                    ScopeState.from_scope(scope).response_started = False  # nothing has gone out: Litestar may answer
                    raise
                _add(message, headers)
            await send(message)

        try:
            await self.app(scope, receive, after_count)
        finally:
            if not counted.done():  # the handler failed before answering: count it all the same
                await asyncio.gather(counted, return_exceptions=True)

    def _overlaps(self, scope: Any, applied: list[tuple[Rule, str]]) -> bool:
        handler = scope.get("route_handler")
        if scope["method"] != "GET" or handler is None or not handler.opt.get(OVERLAP):
            return False
        now = time.monotonic()
        for rule, key in applied:
            hits, ends = self._seen.get((rule.namespace, key), (0, 0.0))
            if ends <= now or hits + 1 > rule.limit * (1 - MARGIN):
                return False
        for rule, key in applied:  # counted now, ahead of the database's figure
            hits, ends = self._seen[rule.namespace, key]
            self._seen[rule.namespace, key] = (hits + 1, ends)
        return True

    async def _count(self, applied: list[tuple[Rule, str]]) -> dict[str, str]:
        """Count the request under each rule: the headers of the tightest, or 429 over any limit."""
        tightest: tuple[int, int, int] | None = None  # (remaining, limit, seconds left)
        for rule, key in applied:
            count, left = await rate_limits.hit(self.db, rule.namespace, key, window=WINDOW_S)
            if len(self._seen) >= 10_000:
                self._seen.clear()
            self._seen[rule.namespace, key] = (count, time.monotonic() + left)
            state = (max(rule.limit - count, 0), rule.limit, left)
            if count > rule.limit:
                raise TooManyRequestsException(headers=_headers(*state) | {"Retry-After": str(max(left, 1))})
            tightest = min(tightest or state, state)
        assert tightest is not None, "at least one rule applies"
        return _headers(*tightest)


def _add(message: HTTPResponseStartEvent, headers: dict[str, str]) -> None:
    message.setdefault("headers", [])
    mutable = MutableScopeHeaders(message)
    for name, value in headers.items():
        mutable[name] = value


def _headers(remaining: int, limit: int, left: int) -> dict[str, str]:
    return {
        "RateLimit-Policy": f"{limit}; w={WINDOW_S}",
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(left),
    }
