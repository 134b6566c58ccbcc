"""Records as plain JSON-friendly dicts, and record references for citations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Optional

import msgspec
from sqlalchemy import inspect

from store.models.base import Base, Entity


def plain(value: Any) -> Any:
    """A JSON-friendly version of a column value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return (
            f"{value:.2f}"  # every Decimal is money (NUMERIC with 2 decimals): the same text before and after a reload
        )
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


HIDDEN = frozenset({"api_token_hash", "embedding"})
_PLAIN = (str, int, float, bool, type(None))


@cache
def _columns(model: type[Base], exclude: frozenset[str]) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(model).column_attrs if attr.key not in exclude)


def to_dict(record: Base, *, exclude: frozenset[str] = HIDDEN) -> dict[str, Any]:
    """Every column of a record, by its spec name (the column list is read once per model)."""
    values = record.__dict__
    out = {}
    for key in _columns(type(record), exclude):
        value = values[key] if key in values else getattr(record, key)
        out[key] = value if type(value) in _PLAIN else plain(value)
    return out


_AS_TEXT = (uuid.UUID, Decimal, datetime, date)  # what `plain` writes as a string
_JSON = (str, int, float, bool, dict, list)


def _json_type(column: Any) -> Any:
    """The JSON type of a column's values in `to_dict` (ids, money and times are strings)."""
    try:
        python = getattr(column.type, "enum_class", None) or column.type.python_type
    except NotImplementedError:
        python = object
    kind = str if issubclass(python, _AS_TEXT) else python if python in _JSON or issubclass(python, Enum) else Any
    return Optional[kind] if column.nullable else kind  # noqa: UP045 (a type built at run time)


def shape(
    model: type[Base],
    *,
    extra: Iterable[tuple[str, Any]] = (),
    may_hide: frozenset[str] = frozenset(),
    override: dict[str, Any] | None = None,
    name: str | None = None,
    exclude: frozenset[str] = frozenset(),
) -> type[msgspec.Struct]:
    """The type of `to_dict(record) | extra` for records of `model`, for documenting responses: a field per column in
    the same order and JSON form (or the type `override` gives a column the response rewrites). A field in `may_hide`
    may be missing (a role's redaction) and is then left out; a column in `exclude` is not in the response. `name` names
    the type (default `<Model>Out`)."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    override = override or {}
    columns = [
        (a.key, override.get(a.key) or _json_type(a.columns[0]))
        for a in inspect(model).column_attrs
        if a.key not in HIDDEN | exclude
    ]
    for name, kind in [*columns, *extra]:
        fields.append((name, kind | msgspec.UnsetType, msgspec.UNSET) if name in may_hide else (name, kind))
    return msgspec.defstruct(name or f"{model.__name__}Out", fields, kw_only=True)


def ref(record: Entity) -> dict[str, str]:
    """A record reference: its model's record_type, id and display name (what answers cite)."""
    return {"type": record.record_type, "id": str(record.id), "name": str(getattr(record, "name", record.id))}
