"""`nexa report ...`, `nexa commissions ...` and `nexa insights refresh`: sales reports, commission plans and statements."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run

console = Console()
AsUser = Annotated[str, typer.Option("--as", help="The CRM user whose view to use.")]
Start = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD); default: January 1st this year.")]
End = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD); default: December 31st this year.")]
commissions_app = typer.Typer(help="Commission plans and statements.", no_args_is_help=True)
insights_app = typer.Typer(help="Stored AI fields (deals, accounts, contacts).", no_args_is_help=True)


def _day(value: str | None, field: str, default: date) -> date:
    from store.errors import InvalidInput

    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"'{value}' is not a date (YYYY-MM-DD)") from None


def _period(start: str | None, end: str | None) -> tuple[date, date]:
    from store.clock import today

    now = today()
    return _day(start, "from", date(now.year, 1, 1)), _day(end, "to", date(now.year, 12, 31))


def report(
    metric: Annotated[
        str,
        typer.Argument(
            help="One of: win_rate, avg_deal_size, sales_cycle, stage_conversion, lead_conversion, quota_attainment."
        ),
    ],
    email: AsUser,
    by: Annotated[str, typer.Option("--by", help="rep, team, source, period or none.")] = "none",
    start: Start = None,
    end: End = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A sales report (win rate, deal size, cycle, stage conversion, lead conversion, quota attainment) and how it was computed."""
    run(_report(metric, email, by, start, end, as_json))


async def _report(metric: str, email: str, by: str, start: str | None, end: str | None, as_json: bool) -> None:
    from store.auth import actor_for_email
    from store.db import Database
    from store.services.reports import ReportService

    first, last = _period(start, end)
    async with Database.opened() as db:
        async with db.session() as session:
            result = await ReportService(session, await actor_for_email(session, email)).run(
                metric, start=first, end=last, group_by=by
            )
    data = result.to_dict()
    if as_json:
        print(json.dumps(data, indent=1))
        return
    if not result.rows:
        console.print(f"{metric} {first} - {last}: no data in this period.")
    else:
        table = Table(
            title=f"{metric} {first} - {last}" + (f" by {result.group_by}" if result.group_by != "none" else "")
        )
        columns = list(data["rows"][0])
        for column in columns:
            table.add_column(column)
        for row in data["rows"]:
            table.add_row(*(str(row[c]) for c in columns))
        console.print(table)
        if data["total"]:
            console.print("total: " + ", ".join(f"{k} {v}" for k, v in data["total"].items()))
    console.print(f"[dim]how: {result.method}[/]")


@commissions_app.command("plan")
def plan(
    email: AsUser,
    name: Annotated[str, typer.Option(help="The plan's name.")],
    rate: Annotated[str, typer.Option(help="Share of the amount, 0-1 (0.08 = 8%).")],
    rep: Annotated[str | None, typer.Option(help="Only this rep (email).")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    deal_type: Annotated[str | None, typer.Option("--deal-type", help="Only this deal type.")] = None,
    quota: Annotated[str | None, typer.Option(help="Quarterly quota above which the accelerator applies.")] = None,
    accelerator: Annotated[str | None, typer.Option(help="Rate above quota.")] = None,
) -> None:
    """Create a commission plan."""
    run(_plan(email, name, rate, rep, team, deal_type, quota, accelerator))


async def _plan(email, name, rate, rep, team, deal_type, quota, accelerator) -> None:
    from store.auth import actor_for_email
    from store.db import Database
    from store.services.commissions import CommissionService

    async with Database.opened() as db:
        async with db.session() as session:
            actor = await actor_for_email(session, email)
            rep_id = (await actor_for_email(session, rep)).user_id if rep else None
            created = await CommissionService(session, actor).create_plan(
                {
                    "name": name,
                    "rate": _number(rate, "rate"),
                    "user_id": rep_id,
                    "team": team,
                    "deal_type": deal_type,
                    "quota": _number(quota, "quota"),
                    "accelerator_rate": _number(accelerator, "accelerator_rate"),
                }
            )
            console.print(f"plan {created.name} ({created.id}): {created.rate:.2%}")


def _number(value: str | None, field: str) -> Decimal | None:
    from store.errors import InvalidInput

    if value is None:
        return None
    try:
        return Decimal(value)
    except ArithmeticError:
        raise InvalidInput(field, f"'{value}' is not a number") from None


@commissions_app.command("statement")
def statement(
    email: AsUser,
    rep: Annotated[str | None, typer.Option(help="The rep (email); default: you.")] = None,
    start: Start = None,
    end: End = None,
) -> None:
    """A rep's commission lines and total in a period."""
    run(_statement(email, rep, start, end))


async def _statement(email: str, rep: str | None, start: str | None, end: str | None) -> None:
    from store.auth import actor_for_email
    from store.db import Database
    from store.services.commissions import CommissionService

    first, last = _period(start, end)
    async with Database.opened() as db:
        async with db.session() as session:
            actor = await actor_for_email(session, email)
            rep_id = (await actor_for_email(session, rep)).user_id if rep else None
            result = await CommissionService(session, actor).statement(user_id=rep_id, start=first, end=last)
    table = Table(title=f"Commissions of {result.rep}, {first} - {last}")
    for column in ("deal", "amount", "how"):
        table.add_column(column, justify="right" if column == "amount" else "left")
    for line in result.lines:
        table.add_row(line["deal"], line["amount"], line["explanation"])
    console.print(table)
    console.print(f"total: {result.total:,.2f}")


@insights_app.command("refresh")
def refresh() -> None:
    """Recompute every open deal's AI fields, every account's health and every contact's engagement now (the nightly job)."""
    run(_refresh())


async def _refresh() -> None:
    from store.db import Database
    from store.intelligence.nightly import refresh_all
    from store.serialize import plain

    async with Database.opened() as db:
        async with db.session() as session:
            counts = await refresh_all(session)
        console.print(plain(counts))
