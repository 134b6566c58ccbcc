"""Writing many rows of one table at once: PostgreSQL COPY on the session's own connection and transaction.

The bulk paths of the services (imports) write with this after checking every row by the same rules as their
single-record writes. A row the database refuses fails the whole COPY: callers run it in a savepoint and fall back
to writing row by row, so the refused row is found and reported.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession


async def copy_rows(session: AsyncSession, model: type, rows: list[dict[str, Any]]) -> None:
    """COPY `rows` ({column key: value}) into `model`'s table in one statement.

    Values go through the columns' own bind processing (enums to their values, JSON wrapped), exactly as an INSERT
    would send them; a column a row leaves out takes its Python default (ids, the injected clock's timestamps), else
    NULL. Pending ORM changes are flushed first, so rows may point at records added earlier in the session.
    """
    if not rows:
        return
    await session.flush()
    connection = await session.connection()
    dialect = connection.dialect
    table = model.__table__  # type: ignore[attr-defined]
    given = set().union(*(row.keys() for row in rows))
    columns: list[Column[Any]] = [c for c in table.columns if c.key in given or _python_default(c)]
    plan = [(c.key, c.type._cached_bind_processor(dialect), c.default if c.default is not None and not c.default.is_sequence else None)
            for c in columns]
    quote = dialect.identifier_preparer
    statement = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c.name) for c in columns)}) FROM STDIN"
    raw = (await connection.get_raw_connection()).driver_connection
    try:
        async with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = []
                for key, process, default in plan:
                    if key in row:
                        value = row[key]
                    elif default is not None:
                        value = default.arg(None) if default.is_callable else default.arg
                    else:
                        value = None
                    values.append(process(value) if process is not None and value is not None else value)
                await copy.write_row(values)
    except dialect.loaded_dbapi.Error as err:  # raised as SQLAlchemy raises a refused statement, for the same handlers
        raise DBAPIError.instance(statement, None, err, dialect.loaded_dbapi.Error) from err


def _python_default(column: Column[Any]) -> bool:
    default = column.default
    return default is not None and (default.is_callable or default.is_scalar)
