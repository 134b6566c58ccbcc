"""`nexa scoring ...`, `nexa alerts` and `nexa forecast`: the intelligence layer from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run

scoring_app = typer.Typer(help="Lead scoring: train on past outcomes, explain a score.", no_args_is_help=True)
console = Console()
AsUser = Annotated[str, typer.Option("--as", help="The CRM user whose view to show.")]


@scoring_app.command("train")
def scoring_train() -> None:
    """Train the scoring model on converted vs lost leads, report held-out AUC, rescore open leads."""
    run(_train())


async def _train() -> None:
    from store.db import Database
    from store.intelligence.scoring import rescore_open_leads, train

    async with Database.opened() as db:
        async with db.session() as session:
            result = await train(session)
            changed = await rescore_open_leads(session)
        console.print(
            f"trained on {result.outcomes} outcomes ({result.converted} converted); held-out {result.holdout}: "
            f"AUC {result.auc:.3f} (rule prior {result.prior_auc:.3f}), Brier {result.brier:.3f}; {changed} open leads rescored"
        )


@scoring_app.command("explain")
def scoring_explain(email: Annotated[str, typer.Argument(help="The lead's email address.")]) -> None:
    """A lead's score, band and the factors behind it."""
    run(_explain(email))


async def _explain(email: str) -> None:
    from store.db import Database
    from store.intelligence.scoring import explain_lead, lead_by_email

    async with Database.opened() as db:
        async with db.session() as session:
            lead = await lead_by_email(session, email)
            why = await explain_lead(session, lead.id)
        table = Table(title=f"{lead.name}: {why.score} ({why.band}, {why.scorer})")
        for column in ("factor", "value", "points"):
            table.add_column(column, justify="right" if column == "points" else "left")
        for factor in why.factors:
            table.add_row(
                factor.factor,
                factor.value,
                f"{factor.points:+.1f}" if factor.factor != "base" else f"{factor.points:.1f}",
            )
        console.print(table)


def alerts(email: AsUser, days: Annotated[int, typer.Option(help="Look back this many days.")] = 7) -> None:
    """Anything unusual lately: ticket spikes, slipping deals, pipeline drops, quiet reps (as that user sees them)."""
    run(_alerts(email, days))


async def _alerts(email: str, days: int) -> None:
    from store.auth import actor_for_email
    from store.clock import utcnow
    from store.db import Database
    from store.intelligence.anomalies import find_alerts

    async with Database.opened() as db:
        async with db.reader() as session:
            actor = await actor_for_email(session, email)
            found = await find_alerts(session, actor, today=utcnow().date(), window_days=days)
        if not found:
            console.print(f"Nothing unusual in the last {days} days.")
        for alert in found:
            console.print(f"[bold]{alert.kind.replace('_', ' ')}[/]  {alert.message}")


def forecast(email: AsUser) -> None:
    """This and next quarter's pipeline forecast, and ticket volume for the next two weeks."""
    run(_forecast(email))


async def _forecast(email: str) -> None:
    from prompts.money import money_short
    from store.auth import actor_for_email
    from store.clock import utcnow
    from store.db import Database
    from store.intelligence.forecasts import pipeline_forecast, ticket_volume_forecast

    async with Database.opened() as db:
        async with db.reader() as session:
            actor = await actor_for_email(session, email)
            today = utcnow().date()
            quarters = await pipeline_forecast(session, actor, today=today) if actor.role.value != "support" else []
            tickets = await ticket_volume_forecast(session, actor, today=today) if actor.role.value != "rep" else None
        if quarters:
            table = Table(title="Pipeline forecast (open deals; 80% interval)")
            for column in ("quarter", "closed won", "open deals", "weighted", "expected", "interval"):
                table.add_column(column, justify="left" if column == "quarter" else "right")
            for q in quarters:
                table.add_row(
                    q.label,
                    money_short(q.closed_won),
                    str(q.deal_count),
                    money_short(q.weighted),
                    money_short(q.expected),
                    f"{money_short(q.low)} - {money_short(q.high)}",
                )
            console.print(table)
        if tickets is not None:
            total = sum(d.expected for d in tickets.days)
            console.print(
                f"Tickets, next {len(tickets.days)} days ({tickets.method}): about {total:.0f} "
                f"({sum(d.low for d in tickets.days):.0f} - {sum(d.high for d in tickets.days):.0f})"
            )
