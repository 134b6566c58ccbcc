"""Who is signed in to the console, and the CSRF check on every form and htmx POST.

The session cookie holds a random token (its SHA-256 keys the server-side row, `store.signin`); it is HttpOnly,
SameSite=Lax, Secure (unless NEXA_CONSOLE_INSECURE_COOKIE=1, for plain http on a host other than localhost) and
scoped to /console. Before sign-in a random "pre-session" cookie stands in for it. The CSRF token of a page is the
HMAC of that cookie's value under the server's signing key: a forged cross-site POST cannot read the cookie, so it
cannot compute the token, and a token is worth nothing with another browser's cookie (signed double submit, tied
to the session). Forms carry it as `_csrf`, htmx requests as the `X-CSRF-Token` header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, cast

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from bots.http.state import AppState, Nexa
from store.access import Actor
from store.settings import get_settings
from store.signin import IDLE, session_actor

SESSION_COOKIE, PRESESSION_COOKIE = "nexa_console", "nexa_console_pre"
CSRF_FIELD, CSRF_HEADER = "_csrf", "x-csrf-token"
PATH = "/console"
SAFE = {"GET", "HEAD", "OPTIONS"}


class SignInRequired(NotAuthorizedException):
    """No valid session: pages redirect to the sign-in form."""


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def secure_cookies() -> bool:
    return not get_settings().console_insecure_cookie


def cookie(key: str, value: str, *, max_age: int | None = None) -> Cookie:
    """A console cookie: HttpOnly, SameSite=Lax, Secure, path /console."""
    return Cookie(
        key=key, value=value, path=PATH, httponly=True, samesite="lax", secure=secure_cookies(), max_age=max_age
    )


def session_cookie(token: str) -> Cookie:
    return cookie(SESSION_COOKIE, token, max_age=int(IDLE.total_seconds()))


def expired(key: str) -> Cookie:
    return cookie(key, "", max_age=0)


def csrf_for(key: bytes, cookie_value: str) -> str:
    """The CSRF token that goes with one session (or pre-session) cookie."""
    return hmac.new(key, b"nexa-console-csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def presession(request: Request) -> tuple[str, bool]:
    """The browser's pre-session value, and whether it is new (then the response must set it)."""
    value = request.cookies.get(PRESESSION_COOKIE, "")
    return (value, False) if len(value) >= 32 else (secrets.token_urlsafe(32), True)


async def console_actor(request: Request, nexa: Nexa) -> Actor:
    """The signed-in user (SignInRequired otherwise), looked up once per request."""
    if "nexa.console_actor" in request.scope:
        return cast(
            Actor, request.scope.get("nexa.console_actor")
        )  # an extension key: litestar types the scope as a closed TypedDict
    token = request.cookies.get(SESSION_COOKIE, "")
    actor = None
    if token:
        async with nexa.db.session() as session:
            actor = await session_actor(session, token)
    if actor is None:
        raise SignInRequired("sign in to use the console")
    request.scope["nexa.console_actor"] = actor  # type: ignore[typeddict-unknown-key]
    return actor


def page_csrf(request: Request, nexa: AppState) -> str:
    """The CSRF token for forms on the page answering `request` (signed-in or not)."""
    value = (
        request.cookies.get(SESSION_COOKIE)
        or cast("str | None", request.scope.get("nexa.presession"))
        or presession(request)[0]
    )
    return csrf_for(nexa.settings.signing_key(), value)


def csrf_guard(key: bytes) -> Any:
    """A guard refusing (403) a POST whose token does not match its browser's session or pre-session cookie."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope["method"] in SAFE:  # type: ignore[typeddict-item]  # guards run on HTTP routes; litestar's scope type includes WebSocket
            return
        request: Request[Any, Any, Any] = Request(connection.scope, connection.receive)
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.content_type[0] in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = (await request.form()).get(CSRF_FIELD)
        cookies = [v for v in (request.cookies.get(SESSION_COOKIE), request.cookies.get(PRESESSION_COOKIE)) if v]
        if not (isinstance(sent, str) and sent and any(hmac.compare_digest(sent, csrf_for(key, v)) for v in cookies)):
            raise PermissionDeniedException(
                "the form's security token is missing or out of date: reload the page and try again"
            )

    return guard
