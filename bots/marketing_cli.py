"""`nexa lists ...` and `nexa campaigns ...`: contact lists, campaigns, their metrics and campaign email, as a CRM user."""

from __future__ import annotations

# A session (Any) reaches the commands as `Any`: the CLI names no ORM type (import contract).
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run

if TYPE_CHECKING:
    from store.access import Actor
from store.settings import get_settings

lists_app = typer.Typer(help="Contact lists: static and dynamic (a filter evaluated live).", no_args_is_help=True)
campaigns_app = typer.Typer(help="Campaigns, their metrics and campaign email.", no_args_is_help=True)
console = Console()
As = Annotated[str, typer.Option("--as", help="The CRM user to act as (their rights apply).")]


def _go(email: str, work: Callable[[Any, Actor], Awaitable[None]]) -> None:
    from store.auth import actor_for_email
    from store.db import Database

    async def job() -> None:

        async with Database.opened() as db:
            async with db.session() as session:
                await work(session, await actor_for_email(session, email))

    run(job())


def _criteria(text: str) -> dict[str, Any]:
    from store.errors import InvalidInput

    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput("criteria", f"not JSON: {err.msg}") from None
    if not isinstance(value, dict):
        raise InvalidInput("criteria", "a JSON object (a rule or an and/or group) is expected")
    return value


@lists_app.command("ls")
def lists_ls(as_: As) -> None:
    """The lists with the number of members you can see."""
    from store.services.lists import ListService

    async def work(session: Any, actor: Actor) -> None:
        rows, _ = await ListService(session, actor).search(limit=200)
        table = Table("name", "kind", "members", "id")
        for found, count in rows:
            table.add_row(found.name, "dynamic" if found.dynamic else "static", str(count), str(found.id))
        console.print(table)

    _go(as_, work)


@lists_app.command("preview")
def lists_preview(
    criteria: Annotated[
        str,
        typer.Argument(help='A filter as JSON, e.g. \'{"field": "account.tier", "op": "eq", "value": "enterprise"}\''),
    ],
    as_: As,
) -> None:
    """How many contacts a filter selects, and the first of them (nothing is saved)."""
    from store.services.lists import ListService

    async def work(session: Any, actor: Actor) -> None:
        count, sample = await ListService(session, actor).preview(_criteria(criteria))
        console.print(
            f"{count} contact(s): " + ", ".join(c.name for c in sample) + (" ..." if count > len(sample) else "")
        )

    _go(as_, work)


@lists_app.command("create")
def lists_create(
    name: str,
    as_: As,
    criteria: Annotated[str | None, typer.Option(help="A filter as JSON: a dynamic list.")] = None,
    description: str | None = None,
) -> None:
    """Create a static list (no --criteria) or a dynamic one."""
    from store.services.lists import ListService

    async def work(session: Any, actor: Actor) -> None:
        service = ListService(session, actor)
        made = await service.create(
            {"name": name, "description": description, "criteria": _criteria(criteria) if criteria else None}
        )
        console.print(
            f"created {'dynamic' if made.dynamic else 'static'} list '{made.name}' ({await service.count(made)} members) {made.id}"
        )

    _go(as_, work)


@lists_app.command("members")
def lists_members(name: str, as_: As, limit: int = 50) -> None:
    """The list's members you may see."""
    from store.services.lists import ListService

    async def work(session: Any, actor: Actor) -> None:
        service = ListService(session, actor)
        rows, total = await service.members((await service.find(name)).id, limit=limit)
        console.print(f"{total} member(s)")
        for c in rows:
            console.print(f"  {c.name} <{c.email}>{' - ' + c.title if c.title else ''}")

    _go(as_, work)


@lists_app.command("add")
def lists_add(name: str, contact_ids: list[str], as_: As) -> None:
    """Add contacts (by id) to a static list."""
    from store.services.lists import ListService

    async def work(session: Any, actor: Actor) -> None:
        service = ListService(session, actor)
        added = await service.add((await service.find(name)).id, {"contact_ids": contact_ids})
        console.print(f"added {added}")

    _go(as_, work)


@lists_app.command("remove")
def lists_remove(name: str, contact_ids: list[str], as_: As) -> None:
    """Take contacts (by id) off a static list."""
    from store.services.lists import ListService

    async def work(session: Any, actor: Actor) -> None:
        service = ListService(session, actor)
        removed = await service.remove((await service.find(name)).id, {"contact_ids": contact_ids})
        console.print(f"removed {removed}")

    _go(as_, work)


@campaigns_app.command("ls")
def campaigns_ls(as_: As) -> None:
    """The campaigns."""
    from store.services.campaigns import CampaignService

    async def work(session: Any, actor: Actor) -> None:
        rows, _ = await CampaignService(session, actor).search(limit=200)
        table = Table("name", "type", "status", "start", "budget", "id")
        for c in rows:
            table.add_row(c.name, c.type.value, c.status.value, str(c.start_date or ""), str(c.budget or ""), str(c.id))
        console.print(table)

    _go(as_, work)


@campaigns_app.command("create")
def campaigns_create(
    name: str, as_: As, type: str = "email", budget: str | None = None, actual_cost: str | None = None
) -> None:  # noqa: A002
    """Create a campaign (type: email, event, webinar, social, nurture)."""
    from store.services.campaigns import CampaignService

    async def work(session: Any, actor: Actor) -> None:
        made = await CampaignService(session, actor).create(
            {"name": name, "type": type, "budget": budget, "actual_cost": actual_cost}
        )
        console.print(f"created campaign '{made.name}' {made.id}")

    _go(as_, work)


@campaigns_app.command("show")
def campaigns_show(name: str, as_: As) -> None:
    """A campaign's metrics (members by status, leads, influenced pipeline, won revenue, cost per lead, ROI) and its emails."""
    from store.services.campaigns import CampaignService
    from store.services.mass_email import MassEmailService

    async def work(session: Any, actor: Actor) -> None:
        service = CampaignService(session, actor)
        found = await service.find(name)
        console.print(f"[bold]{found.name}[/] ({found.type.value}, {found.status.value})")
        for key, value in (await service.metrics(found.id)).to_dict().items():
            console.print(f"  {key}: {value}")
        if actor.sees_everything or str(actor.role) == "manager":
            emails = MassEmailService(session, actor)
            for e in await emails.of_campaign(found.id):
                console.print(f"  email {e.id}: '{e.subject}' {e.status.value} {await emails.progress(e.id)}")

    _go(as_, work)


@campaigns_app.command("email")
def campaigns_email(
    campaign: str,
    subject: str,
    body_file: Annotated[typer.FileText, typer.Argument(help="The HTML body (Jinja).")],
    as_: As,
    list_name: Annotated[str | None, typer.Option("--list")] = None,
) -> None:
    """Save a campaign email (merge fields: contact.*, account.*, campaign.name); preview, test and send it by its id."""
    from store.services.campaigns import CampaignService
    from store.services.lists import ListService
    from store.services.mass_email import MassEmailService

    async def work(session: Any, actor: Actor) -> None:
        found = await CampaignService(session, actor).find(campaign)
        target = await ListService(session, actor).find(list_name) if list_name else None
        made = await MassEmailService(session, actor).create(
            found.id, {"subject": subject, "body": body_file.read(), "list_id": target.id if target else None}
        )
        console.print(f"saved campaign email {made.id}")

    _go(as_, work)


@campaigns_app.command("step")
def campaigns_step(
    campaign: str,
    subject: str,
    body_file: Annotated[typer.FileText, typer.Argument(help="The HTML body (Jinja).")],
    as_: As,
    delay_hours: Annotated[int, typer.Option(help="Hours after enrolment (step 1) or after the previous step.")],
) -> None:
    """Append a step to a nurture campaign's drip (live at once; `nexa campaigns steps` lists them)."""
    from store.services.campaigns import CampaignService
    from store.services.drips import DripService

    async def work(session: Any, actor: Actor) -> None:
        found = await CampaignService(session, actor).find(campaign)
        made = await DripService(session, actor).add_step(
            found.id, {"subject": subject, "body": body_file.read(), "delay_hours": delay_hours}, get_settings()
        )
        console.print(
            f"step {made.drip_step} of {found.name} ({made.id}): '{made.subject}' {delay_hours} h after "
            + ("enrolment" if made.drip_step == 1 else f"step {(made.drip_step or 1) - 1}")
        )

    _go(as_, work)


@campaigns_app.command("steps")
def campaigns_steps(campaign: str, as_: As) -> None:
    """A nurture campaign's drip steps with their delays and progress."""
    from store.services.campaigns import CampaignService
    from store.services.drips import DripService
    from store.services.mass_email import MassEmailService

    async def work(session: Any, actor: Actor) -> None:
        found = await CampaignService(session, actor).find(campaign)
        for step in await DripService(session, actor).steps(found.id):
            hours = step.drip_delay.total_seconds() / 3600 if step.drip_delay else 0
            console.print(
                f"  {step.drip_step}. +{hours:g} h '{step.subject}' {step.status.value} "
                f"{await MassEmailService(session, actor).progress(step.id)}"
            )

    _go(as_, work)


@campaigns_app.command("preview")
def campaigns_preview(email_id: str, as_: As) -> None:
    """The email rendered for its first recipient, and how many it would go to."""
    from store.services.mass_email import MassEmailService

    async def work(session: Any, actor: Actor) -> None:
        service = MassEmailService(session, actor)
        shown = await service.preview(email_id, get_settings())
        audience = await service.audience(email_id)
        console.print(f"To: {shown['to']}\nSubject: {shown['subject']}\n\n{shown['text']}\n")
        console.print(f"{audience.recipients} recipient(s), {audience.suppressed} suppressed")

    _go(as_, work)


@campaigns_app.command("test")
def campaigns_test(email_id: str, to: str, as_: As) -> None:
    """Send one [TEST] copy to an address now."""
    from store.services.mass_email import MassEmailService

    async def work(session: Any, actor: Actor) -> None:
        await MassEmailService(session, actor).test_send(email_id, get_settings(), to=to)
        console.print(f"sent a test copy to {to}")

    _go(as_, work)


@campaigns_app.command("send")
def campaigns_send(
    email_id: str, as_: As, at: Annotated[datetime | None, typer.Option(help="Send later (ISO time, UTC).")] = None
) -> None:
    """Send (now or --at) to the sendable recipients; a worker (`nexa serve` or `nexa worker`) does the sending."""
    from store.services.mass_email import MassEmailService

    async def work(session: Any, actor: Actor) -> None:
        audience = await MassEmailService(session, actor).send(
            email_id, get_settings(), at=at.astimezone() if at else None
        )
        console.print(f"queued for {audience.recipients} recipient(s) ({audience.suppressed} suppressed)")

    _go(as_, work)


@campaigns_app.command("pause")
def campaigns_pause(email_id: str, as_: As) -> None:
    """Pause a send after the message in flight."""
    from store.services.mass_email import MassEmailService

    _go(as_, lambda session, actor: _done(MassEmailService(session, actor).pause(email_id), "paused"))


@campaigns_app.command("resume")
def campaigns_resume(email_id: str, as_: As) -> None:
    """Resume a paused send with the recipients not yet sent to."""
    from store.services.mass_email import MassEmailService

    _go(as_, lambda session, actor: _done(MassEmailService(session, actor).resume(email_id), "resumed"))


async def _done(work: Awaitable[Any], word: str) -> None:
    await work
    console.print(word)
