"""Errors as RFC 9457 problem details naming the field: one handler per kind of failure."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from store.errors import DATABASE_DOWN, DatabaseBusy, DomainError, located

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("nexa.http")


def problem(status: int, code: str, detail: str, field: str | None = None, **extra: Any) -> Response[dict[str, Any]]:
    body = {
        "type": f"https://nexa.dev/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "field": field,
    } | extra
    return Response(body, status_code=status, media_type=MEDIA_TYPE)


def domain_error(_: Request, err: DomainError) -> Response[dict[str, Any]]:
    """A refused request: 400, 403, 404 or 409 with the service's field and reason."""
    return problem(err.status, err.code, str(err), err.field, **getattr(err, "extra", {}))


def validation_error(_: Request, err: ValidationException) -> Response[dict[str, Any]]:
    """Invalid JSON or a wrong field type, caught before any service ran: 400 naming the field."""
    first = (err.extra or [{}])[0] if isinstance(err.extra, list) else {}
    field = first.get("key") if isinstance(first, dict) else None
    message = first.get("message") if isinstance(first, dict) else None
    message = message.removeprefix("Value error, ") if isinstance(message, str) else message
    if isinstance(message, str):
        field, message = located(field, message)
    detail = f"{field}: {message}" if field and message else (message or err.detail)
    return problem(400, "invalid", detail, field)


def http_error(_: Request, err: HTTPException) -> Response[dict[str, Any]]:
    """Litestar's own refusals (401, 404 route, 405, 413, 429...) in the same shape."""
    code = {
        400: "invalid",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        429: "rate_limited",
    }.get(err.status_code, "error")
    field = "body" if err.status_code == 400 and "JSON" in err.detail else None
    if err.status_code == 413 and not err.detail.startswith("message"):
        field = "body"
    response = problem(err.status_code, code, err.detail, field or _named(err.detail))
    if err.headers:
        response.headers.update(err.headers)
    return response


def _named(detail: str) -> str | None:
    """The field a detail starts with ("message: at most ..."), if any."""
    head, sep, _ = detail.partition(": ")
    return head if sep and head.replace("_", "").replace("-", "").isalnum() and " " not in head else None


def pool_exhausted(_: Request, err: DatabaseBusy) -> Response[dict[str, Any]]:
    """Every database connection is busy: fail fast and tell the client when to retry."""
    response = problem(503, "busy", "the server is at capacity (no database connection free within 5 s); retry shortly")
    response.headers["Retry-After"] = "2"
    return response


RETRY_AFTER = "5"


def unavailable(request: Request, err: Exception) -> Response[dict[str, Any]]:
    """The database is down or unreachable: 503 with Retry-After, for every route (and the streams' `error` event)."""
    log.warning("%s %s: database unavailable (%s)", request.method, request.url.path, err.__class__.__name__)
    response = problem(503, "unavailable", "the database is unavailable; nothing was written; retry shortly")
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def unexpected(request: Request, err: Exception) -> Response[dict[str, Any]]:
    """A bug: logged with its traceback; the client learns only that nothing was written."""
    log.error("%s %s failed", request.method, request.url.path, exc_info=err)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal", "the server failed; nothing was written")


HANDLERS = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    DatabaseBusy: pool_exhausted,
    **dict.fromkeys(DATABASE_DOWN, unavailable),
    Exception: unexpected,
}
