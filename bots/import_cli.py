"""`nexa import` and `nexa export`: CSV files in and out, through the same services and rights as the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bots.errors import run

if TYPE_CHECKING:
    from store.imports import ImportOptions, ImportReport

console = Console(stderr=True)


def import_file(
    resource: Annotated[
        str, typer.Argument(help="What the file holds: accounts, contacts, leads, deals, products or tickets.")
    ],
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The CSV file (any delimiter, UTF-8 or Windows-1252).")
    ],
    email: Annotated[str, typer.Option("--as", help="The CRM user importing (their rights apply to every row).")],
    preset: Annotated[str | None, typer.Option(help="Column names of an export: hubspot or salesforce.")] = None,
    columns: Annotated[list[str] | None, typer.Option("--map", help='"Source Column=field" (repeatable).')] = None,
    values: Annotated[
        list[str] | None, typer.Option("--values", help='"field:Source Value=our_value,..." (repeatable).')
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Owner (email) of rows whose owner is empty or unknown.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; print the same report.")] = False,
    update_existing: Annotated[
        bool, typer.Option("--update-existing", help="Update records that already exist.")
    ] = False,
    create_accounts: Annotated[
        bool, typer.Option("--create-accounts", help="Create accounts named in rows when missing.")
    ] = False,
    date_format: Annotated[
        str | None, typer.Option(help="us, eu, iso or a strftime pattern, for dates like 03/04/2025.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import a CSV file (HubSpot or Salesforce export, or any file whose columns name our fields)."""
    from store.imports import ImportOptions

    options = ImportOptions(
        preset=preset,
        columns={},
        values={},
        owner=owner,
        dry_run=dry_run,
        update_existing=update_existing,
        date_format=date_format,
        create_accounts=create_accounts,
    )
    run(_import(resource, file, email, options, columns or [], values or [], as_json))


async def _import(
    resource: str, file: Path, email: str, options: ImportOptions, columns: list[str], values: list[str], as_json: bool
) -> None:
    from store.auth import actor_for_email
    from store.db import Database
    from store.imports import Importer
    from store.imports.mapping import parse_map, parse_values

    options.columns, options.values = parse_map(columns), parse_values(values)
    async with Database.opened() as db:
        async with db.session() as session:
            actor = await actor_for_email(session, email)
        size = file.stat().st_size
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=as_json,
            disable=as_json,
        ) as bar:
            task = bar.add_task(f"importing {resource}", total=size)

            def tick(rows: int, done: int) -> None:
                bar.update(task, completed=done, description=f"importing {resource}: {rows:,} rows")

            with file.open("rb") as raw:
                report = await Importer(db, actor, resource, options).run(
                    raw, filename=file.name, size=size, progress=tick
                )
        if as_json:
            typer.echo(json.dumps(report.to_dict(), default=str))
        else:
            show(report)


def show(report: ImportReport) -> None:
    """The report as a summary line and a table of refused rows."""
    out = Console()
    verb = "would be" if report.dry_run else "were"
    out.print(
        f"{report.rows:,} rows of {report.filename} ({report.encoding}, delimiter {report.delimiter!r}): "
        f"{report.created:,} {verb} created, {report.updated:,} updated, {report.unchanged:,} unchanged, "
        f"[red]{report.failed:,} refused[/]" + (" [yellow](dry run: nothing written)[/]" if report.dry_run else "")
    )
    if report.custom_columns:
        out.print(f"kept in custom_fields: {', '.join(report.custom_columns)}")
    if report.errors:
        table = Table("row", "column", "reason", title="Refused rows (nothing of them was written)")
        for e in report.errors:
            table.add_row(str(e.row), e.column or "", e.reason)
        out.print(table)


def export(
    resource: Annotated[str, typer.Argument(help="What to export: accounts, contacts, leads, deals or tickets.")],
    email: Annotated[str, typer.Option("--as", help="The CRM user exporting (their rights and redaction apply).")],
    where: Annotated[
        list[str] | None, typer.Option("--where", help="field=value filter of the API's list (repeatable).")
    ] = None,
) -> None:
    """Write records as CSV to stdout, in the columns `nexa import` reads back (same filters as GET /api/v1/RESOURCE)."""
    run(_export(resource, email, where or []))


async def _export(resource: str, email: str, where: list[str]) -> None:
    from bots.http.resources import BY_NAME, export_csv
    from store.auth import actor_for_email
    from store.db import Database
    from store.errors import InvalidInput
    from store.imports.export import EXPORTABLE
    from store.schemas import parse

    if resource not in EXPORTABLE:
        raise InvalidInput("resource", f"'{resource}' cannot be exported; one of {', '.join(EXPORTABLE)}")
    query = {}
    for item in where:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput("where", f"'{item}' is not field=value")
        query[key.strip()] = value.strip()
    filters = parse(BY_NAME[resource].filters, query)
    async with Database.opened() as db:
        async with db.session() as session:
            actor = await actor_for_email(session, email)
        async for chunk in export_csv(db, actor, resource, filters, limit=filters.limit if "limit" in query else None):
            sys.stdout.write(chunk)
        sys.stdout.flush()
