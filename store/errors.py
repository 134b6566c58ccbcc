"""Typed domain errors: each names the field at fault and the reason."""

from __future__ import annotations

import re

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class DomainError(Exception):
    """A request the CRM refuses; nothing was written."""

    code = "invalid"
    status = 400

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "reason": self.reason}


class InvalidInput(DomainError):
    code = "invalid"
    status = 400


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


# Failures of the database rather than of the request, under the names the adapters map them by (to 503s).
DatabaseBusy = PoolTimeout  # no pooled connection came free in time
DATABASE_DOWN: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
)  # unreachable, restarting, connection lost


_FIELD_FIRST = re.compile(r"^(?P<field>[a-z_.0-9]+): (?P<reason>.+)$", re.S)


def located(place: str | None, message: str) -> tuple[str | None, str]:
    """The field and reason of a validation message at `place`: a model's validator names its field by starting the
    message with `field: `, relative to the model's place (`line_items.0` + `quantity`)."""
    match = _FIELD_FIRST.match(message)
    if match:
        return ".".join(filter(None, (place, match.group("field")))), match.group("reason")
    return place, message


def from_pydantic(err: PydanticValidationError) -> InvalidInput:
    """The first problem of a pydantic validation error, as a domain error.

    Cross-field validators name their field by starting the message with `field: ` (relative to their model).
    """
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    reason = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        reason = "is not a known field"
    return InvalidInput(*located(field, reason))


_UNIQUE = re.compile(r"uq_(?P<table>[a-z_]+?)_(?P<field>[a-z_]+)")
_CHECK = re.compile(r"ck_(?P<table>[a-z_]+?)_(?P<field>[a-z_]+)")


def from_integrity(err: IntegrityError) -> DomainError:
    """Translate a constraint violation the database caught into a domain error."""
    diag = getattr(err.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    column = getattr(diag, "column_name", None)
    sqlstate = getattr(err.orig, "sqlstate", "")
    if sqlstate == "23505":
        match = _UNIQUE.match(constraint)
        field = match.group("field") if match else constraint
        return Conflict(field, "already exists")
    if sqlstate == "23514":
        return InvalidInput(constraint.removeprefix("ck_"), "violates a rule of the CRM")
    if sqlstate == "23503":
        return NotFound(column or constraint, "refers to a record that does not exist")
    if sqlstate == "23502":
        return InvalidInput(column, "is required")
    return InvalidInput(None, str(err.orig).splitlines()[0])
