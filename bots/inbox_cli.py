"""`nexa inbox ...`: create shared inboxes (support@, sales@), rotate their webhook secret, poll their IMAP mailboxes
and list their conversations."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run
from store.settings import get_settings

inbox_app = typer.Typer(
    help="Shared inboxes: email in (webhook, IMAP) and the conversations agents work.", no_args_is_help=True
)
console = Console()


@inbox_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Short name used in URLs, e.g. support")],
    address: Annotated[str, typer.Argument(help="The inbox's email address, e.g. support@acme.com")],
    team: Annotated[str | None, typer.Option(help="The team that works it (its agents see it).")] = None,
    kind: Annotated[
        str, typer.Option(help="support: a ticket per new thread; sales: link the sender's open deal.")
    ] = "support",
    imap_url: Annotated[str | None, typer.Option(help="imap[s]://user:password@host[:port][/folder] to poll.")] = None,
    round_robin: Annotated[bool, typer.Option(help="Give new threads to the team's agents in turn.")] = False,
) -> None:
    """Create an inbox; prints its inbound webhook secret once (only its hash is kept)."""
    from store.access import Actor
    from store.db import Database
    from store.inbox.service import InboxService
    from store.models.inbox import InboxKind

    if kind not in InboxKind.__members__:
        raise typer.BadParameter(f"one of {', '.join(InboxKind.__members__)}", param_hint="--kind")

    async def main() -> None:
        async with Database.opened() as db:
            async with db.session() as session:
                inbox, secret = await InboxService(session, Actor.system()).create_inbox(
                    name=name,
                    address=address,
                    team=team,
                    kind=InboxKind(kind),
                    imap_url=imap_url,
                    rules={"round_robin": round_robin},
                )
            console.print(
                f"inbox {inbox.name} <{inbox.address}> created.\nPOST raw mail to /api/v1/inbox/{inbox.name}/inbound "
                f"with Content-Type: message/rfc822 and X-Nexa-Inbox-Secret: {secret}"
            )

    run(main())


@inbox_app.command("secret")
def secret(name: Annotated[str, typer.Argument(help="The inbox's name")]) -> None:
    """Issue a new webhook secret for the inbox (the old one stops working); printed once."""
    from store.access import Actor
    from store.db import Database
    from store.inbox.service import InboxService

    async def main() -> None:
        async with Database.opened() as db:
            async with db.session() as session:
                console.print(await InboxService(session, Actor.system()).rotate_secret(name))

    run(main())


@inbox_app.command("poll")
def poll(
    name: Annotated[str | None, typer.Argument(help="Only this inbox (default: every inbox with a mailbox)")] = None,
) -> None:
    """Read new mail from the inboxes' IMAP mailboxes now (a worker also does it every minute)."""
    from store.db import Database
    from store.inbox.imap import poll_inbox, polled_inboxes

    async def main() -> None:
        settings = get_settings()
        async with Database.opened(settings) as db:
            for inbox in [name] if name else await polled_inboxes(db):
                result = await poll_inbox(db, inbox, settings)
                outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items())) or "nothing new"
                console.print(
                    f"{inbox}: {result.fetched} message(s): {outcomes}"
                    + (" (UIDVALIDITY changed: the folder was read again)" if result.uidvalidity_reset else "")
                )

    run(main())


@inbox_app.command("list")
def list_conversations(
    as_user: Annotated[str, typer.Option("--as", help="The agent's email")],
    view: Annotated[str, typer.Option(help="unassigned, mine or all")] = "all",
    inbox: Annotated[str | None, typer.Option(help="Only this inbox")] = None,
    sla: Annotated[str | None, typer.Option(help="breached, due_soon, on_track or none")] = None,
) -> None:
    """Conversations of the inboxes the agent works, newest activity first."""
    from store.auth import actor_for_email
    from store.db import Database
    from store.inbox.service import InboxService

    async def main() -> None:
        async with Database.opened() as db:
            async with db.session() as session:
                service = InboxService(session, await actor_for_email(session, as_user))
                assignee = {"unassigned": "none", "mine": "me", "all": None}.get(view, "?")
                found = await service.conversations(inbox=inbox, assignee=assignee, sla_state=sla)  # type: ignore[arg-type]
                table = Table("subject", "from", "status", "priority", "sla", "last message")
                for c in found.items:
                    b = service.brief(c)
                    table.add_row(
                        b["subject"],
                        b["customer_email"] or "",
                        b["status"],
                        b["priority"],
                        b["sla"],
                        b["last_message_at"][:16],
                    )
                console.print(table)
                console.print(f"{found.total} conversation(s); views: {found.counts}")

    run(main())
