"""Rendering console pages and fragments, and turning refusals into messages a person reads (never a 500 page for a
refused request)."""

from __future__ import annotations

import logging
from typing import Any, cast
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template

from bots.web.session import PATH, SignInRequired, page_csrf
from store.access import Actor, allowed
from store.errors import DomainError
from store.signin import TooManyAttempts

log = logging.getLogger("nexa.console")
# Scripts and styles only from /console/static (htmx is told not to inject styles nor to eval), no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
NAV = (
    ("inbox", "Inbox", "inbox"),
    ("pipeline", "Pipeline", "pipeline"),
    ("tasks", "Tasks", "tasks"),
    ("dashboards", "Dashboards", None),
)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def nav(actor: Actor | None) -> list[dict[str, str]]:
    """The sections the signed-in user's role may open."""
    if actor is None:
        return []
    return [{"slug": slug, "label": label} for slug, label, area in NAV if area is None or allowed(actor, area, "read")]


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> Template:
    """A console template with what every page needs: the user, the nav, the CSRF token."""
    state = request.app.state["nexa_state"]
    actor = cast(
        "Actor | None", request.scope.get("nexa.console_actor")
    )  # an extension key of the scope (see bots.web.session)
    return Template(
        template_name=template,
        status_code=status,
        headers={"Content-Security-Policy": CSP},
        context={
            "actor": actor,
            "nav": nav(actor),
            "csrf": page_csrf(request, state),
            "path": request.url.path,
            **context,
        },
    )


def _message(request: Request, status: int, message: str, field: str | None = None) -> Response:
    """A refusal: a flash fragment swapped into #flash for htmx, else the error page."""
    if is_htmx(request):
        fragment = page(request, "_flash.html", status=status, kind="error", message=message, field=field)
        fragment.headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
        return fragment
    return page(request, "error.html", status=status, kind="error", message=message, field=field)


def sign_in_required(request: Request, _: SignInRequired) -> Response:
    if is_htmx(request):
        return Response(b"", status_code=200, headers={"HX-Redirect": f"{PATH}/signin"})
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"{PATH}/signin?next={quote(wanted, safe='/')}", status_code=303)


def domain_error(request: Request, err: DomainError) -> Response:
    response = _message(request, err.status, err.reason, err.field)
    if isinstance(err, TooManyAttempts):
        response.headers["Retry-After"] = str(err.retry_after)
    return response


def http_error(request: Request, err: HTTPException) -> Response:
    detail = err.detail
    if isinstance(err, ValidationException):
        detail = "the form has a value of the wrong kind: " + err.detail
    return _message(request, err.status_code, detail)


def unexpected(request: Request, err: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=err)
    name = err.__class__.__name__  # by name: the console does not import the ORM (see .importlinter)
    if name in ("OperationalError", "InterfaceError", "TimeoutError"):
        return _message(request, 503, "the database is unavailable; nothing was written; retry shortly")
    return _message(request, 500, "the server failed; nothing was written")


PAGE_HANDLERS = {
    SignInRequired: sign_in_required,
    DomainError: domain_error,
    HTTPException: http_error,
    Exception: unexpected,
}
