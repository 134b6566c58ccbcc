"""Writing many rows of one table at once: PostgreSQL COPY on the session's own connection and transaction.

The bulk paths of the services (imports) write with this after checking every row by the same rules as their
single-record writes. A row the database refuses fails the whole COPY: callers run it in a savepoint and fall back
to writing row by row, so the refused row is found and reported.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from psycopg.types.json import Json, Jsonb
from sqlalchemy import Column
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession


async def copy_rows(
    session: AsyncSession, model: type, rows: list[dict[str, Any]], *, shared: dict[str, Any] | None = None
) -> None:
    """COPY `rows` ({column key: value}) into `model`'s table in one statement.

    Values go through the columns' own bind processing (enums to their values, JSON wrapped), exactly as an INSERT
    would send them; `shared` holds the values every row has (converted once, not per row); a column a row leaves out
    takes its Python default (ids, the injected clock's timestamps), else NULL. Pending ORM changes are flushed first,
    so rows may point at records added earlier in the session.
    """
    if not rows:
        return
    await session.flush()
    connection = await session.connection()
    dialect = connection.dialect
    table = model.__table__  # type: ignore[attr-defined]
    shared = shared or {}
    given = set().union(*(row.keys() for row in rows)) | set(shared)
    columns: list[Column[Any]] = [c for c in table.columns if c.key in given or _python_default(c)]
    processors = {c.key: c.type._cached_bind_processor(dialect) for c in columns}
    constants = {key: _text(_processed(processors[key], value)) for key, value in shared.items()}
    plan = [
        (c.key, processors[c.key], c.default if c.default is not None and not c.default.is_sequence else None)
        for c in columns
        if c.key not in constants
    ]
    slots = [constants.get(c.key) for c in columns]
    positions = [i for i, c in enumerate(columns) if c.key not in constants]
    quote = dialect.identifier_preparer
    statement = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c.name) for c in columns)}) FROM STDIN"
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None, "a pooled connection always holds its driver connection"
    try:
        async with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = slots.copy()
                for position, (key, process, default) in zip(positions, plan, strict=True):
                    values[position] = _processed(process, row[key] if key in row else _default(default))
                await copy.write_row(values)
    except dialect.loaded_dbapi.Error as err:  # raised as SQLAlchemy raises a refused statement, for the same handlers
        raise DBAPIError.instance(statement, None, err, dialect.loaded_dbapi.Error) from err


def _processed(process: Any, value: Any) -> Any:
    return value if process is None or value is None else process(value)


def _text(value: Any) -> Any:
    """A bound value in PostgreSQL's text input form (COPY's text format reads it by the column's type)."""
    if isinstance(value, (Json, Jsonb)):
        return (value.dumps or json.dumps)(value.obj)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    return value if value is None else str(value)


def _python_default(column: Column[Any]) -> bool:
    default = column.default
    return default is not None and (default.is_callable or default.is_scalar)


def _default(default: Any) -> Any:
    """The value of a column's Python default (None for none)."""
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg
