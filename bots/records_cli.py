"""`nexa records list|get|create|update RESOURCE`: every resource of the HTTP API (`bots/http/resources.py`) from the
terminal, made from its row: the same filters and input schemas, service calls, rights, audit entries (`cli:`) and
JSON as `/api/v1/RESOURCE`. A new row is a new resource here too, with no command to write."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run

if TYPE_CHECKING:
    from bots.http.resources import Resource

records_app = typer.Typer(
    help="Records of any API resource (leads, contacts, accounts, deals, tickets, tasks, ...): "
    "list, get, create, update.",
    no_args_is_help=True,
)
console = Console()
ResourceName = Annotated[
    str, typer.Argument(help="The resource, as in /api/v1/RESOURCE (leads, contacts, deals, ...).")
]
AsUser = Annotated[str, typer.Option("--as", help="The CRM user acting (their rights apply).")]
Fields = Annotated[list[str] | None, typer.Argument(help="field=value, or field:=JSON for numbers, lists and objects.")]


def _resource(name: str) -> Resource:
    from bots.http.resources import BY_NAME
    from store.errors import InvalidInput

    if name not in BY_NAME:
        raise InvalidInput("resource", f"'{name}' is not one of {', '.join(BY_NAME)}")
    return BY_NAME[name]


def _fields(pairs: list[str], argument: str) -> dict[str, Any]:
    """`field=text` and `field:=json` pairs as a request body (the schemas convert the text as the API's JSON would)."""
    from store.errors import InvalidInput

    body: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip(":").strip():
            raise InvalidInput(argument, f"'{pair}' is not field=value")
        if key.endswith(":"):
            try:
                body[key[:-1].strip()] = json.loads(value)
            except ValueError:
                raise InvalidInput(key[:-1].strip(), f"'{value}' is not JSON") from None
        else:
            body[key.strip()] = value
    return body


async def _as(email: str, work: Any) -> Any:
    """Run `work(session, actor)` in one transaction as the user with that email."""
    from store.auth import actor_for_email
    from store.db import Database

    async with Database.opened() as db, db.session() as session:
        return await work(session, await actor_for_email(session, email))


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=1))


@records_app.command("list")
def records_list(
    resource: ResourceName,
    email: AsUser,
    where: Annotated[
        list[str] | None, typer.Option("--where", help="field=value filter of the API's list (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the page as the API returns it.")] = False,
) -> None:
    """One page of the records you may read (`--where limit=50`, `--where offset=50` for the next)."""
    page = run(_list(resource, email, where or []))
    if as_json:
        _print(page)
        return
    table = Table("id", "name", title=f"{resource}: {len(page['items'])} of {page['total']}")
    for item in page["items"]:
        table.add_row(item["id"], item["name"])
    console.print(table)


async def _list(resource: str, email: str, where: list[str]) -> dict[str, Any]:
    from bots.http.resources import record
    from store.schemas import parse

    r = _resource(resource)
    filters = parse(r.filters, _fields(where, "where"))

    async def work(session: Any, actor: Any) -> dict[str, Any]:
        items, total = await r.list(r.service(session, actor), filters)
        return {
            "total": total,
            "limit": filters.limit,
            "offset": filters.offset,
            "items": [record(actor, i) for i in items],
        }

    result: dict[str, Any] = await _as(email, work)
    return result


@records_app.command("get")
def records_get(
    resource: ResourceName, record_id: Annotated[str, typer.Argument(help="The record's id.")], email: AsUser
) -> None:
    """One record, as JSON."""
    _print(run(_one(resource, email, record_id, None)))


@records_app.command("create")
def records_create(resource: ResourceName, email: AsUser, fields: Fields = None) -> None:
    """Create a record from field=value pairs (the fields of POST /api/v1/RESOURCE); prints it as JSON."""
    _print(run(_one(resource, email, None, fields or [])))


@records_app.command("update")
def records_update(
    resource: ResourceName,
    record_id: Annotated[str, typer.Argument(help="The record's id.")],
    email: AsUser,
    fields: Fields = None,
) -> None:
    """Change some fields of a record (those of PATCH /api/v1/RESOURCE/ID); prints it as JSON."""
    _print(run(_one(resource, email, record_id, fields or [])))


async def _one(resource: str, email: str, record_id: str | None, fields: list[str] | None) -> dict[str, Any]:
    """Get (no fields), create (no id) or update a record, and the record as the API returns it."""
    from bots.http.resources import record
    from store.errors import InvalidInput
    from store.schemas import parse

    r = _resource(resource)
    if fields is not None and record_id is not None and r.update is None:
        raise InvalidInput("resource", f"{resource} cannot be changed")
    schema = r.create if record_id is None else r.update
    data = parse(schema, _fields(fields, "fields")) if fields is not None and schema is not None else None

    async def work(session: Any, actor: Any) -> dict[str, Any]:
        if data is None:
            return record(actor, await r.fetch(session, actor, record_id or ""))
        if record_id is None:
            return record(actor, await r.add(session, actor, data, channel="cli"))
        return record(actor, await r.change(session, actor, record_id, data, channel="cli"))

    result: dict[str, Any] = await _as(email, work)
    return result
