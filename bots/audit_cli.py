"""`nexa audit`: read the audit trail as a user may (admins: everything; managers: their team; others: their own)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run

console = Console()


def audit(
    email: Annotated[str, typer.Option("--as", help="The CRM user whose view of the trail to show.")],
    action: Annotated[str | None, typer.Option(help="Only actions starting with this (tool:, approve:, api:).")] = None,
    record: Annotated[str | None, typer.Option(help="Only entries about this record id.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 30,
) -> None:
    """The newest audit entries: who did what, through which channel, with which outcome."""
    run(_audit(email, action, record, limit))


async def _audit(email: str, action: str | None, record: str | None, limit: int) -> None:
    from store.auth import actor_for_email
    from store.db import Database
    from store.services.audit import AuditService

    async with Database.opened() as db:
        async with db.session() as session:
            actor = await actor_for_email(session, email)
            entries = await AuditService(session, actor).entries(action=action, record_id=record, limit=limit)
        table = Table(title=f"Audit trail as {email} (newest first)")
        for column in ("at", "actor", "channel", "action", "status", "records"):
            table.add_column(column)
        for e in entries:
            table.add_row(
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                e.actor_label,
                e.channel.value,
                e.action,
                e.status,
                ", ".join(r[:8] for r in e.record_ids),
            )
        console.print(table)
