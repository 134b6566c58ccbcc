"""The `nexa` command line: demo, chat, ask, database, seed, knowledge base and insights."""

from __future__ import annotations

import asyncio
import atexit
import gc
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from bots.audit_cli import audit
from bots.catalog_cli import orders_app, products_app, quotes_app
from bots.errors import run
from bots.eval_cli import eval_command
from bots.import_cli import export, import_file
from bots.inbox_cli import inbox_app
from bots.insights_cli import alerts, forecast, scoring_app
from bots.jobs_cli import jobs, worker
from bots.kb_cli import kb_app
from bots.marketing_cli import campaigns_app, lists_app
from bots.mcp_cli import mcp
from bots.records_cli import records_app
from bots.sales_cli import commissions_app, insights_app, report
from store.settings import get_settings

app = typer.Typer(help="Nexa: the conversational assistant over a CRM.", no_args_is_help=True)
# At exit the interpreter's last garbage collections walk every object of torch and the models (about 1.5 s of CPU
# after an `ask`): frozen objects are skipped, and the memory goes back with the process anyway.
atexit.register(gc.freeze)
# Starting a command imports SQLAlchemy, the models, services and tools: hundreds of thousands of objects and few
# cycles. A young-generation collection every 700 allocations (the default) costs about an eighth of an ask's import
# CPU; every 100,000 keeps long-running commands (serve, worker) collecting all the same.
gc.set_threshold(100_000, 20, 100)
db_app = typer.Typer(help="Database commands.")
app.add_typer(db_app, name="db")
app.add_typer(kb_app, name="kb")
app.add_typer(inbox_app, name="inbox")
app.add_typer(lists_app, name="lists")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(scoring_app, name="scoring")
app.add_typer(commissions_app, name="commissions")
app.add_typer(insights_app, name="insights")
app.command()(report)
app.add_typer(products_app, name="products")
app.add_typer(quotes_app, name="quotes")
app.add_typer(orders_app, name="orders")
app.add_typer(records_app, name="records")
app.command()(alerts)
app.command()(audit)
app.command("eval")(eval_command)
app.command()(forecast)
app.command()(worker)
app.command()(jobs)
app.command("import")(import_file)
app.command()(export)
app.command()(mcp)
console = Console()


users_app = typer.Typer(help="CRM users: API tokens and console passwords.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="HTTP worker processes (uvicorn), all on the one database.")] = 1,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker", help="Run no background-job worker in the server (then run `nexa worker` beside it)."
        ),
    ] = False,
) -> None:
    """Run the HTTP API, the chat endpoints and the help-center widget (/widget/demo), and a background-job worker."""
    import os

    import uvicorn

    from bots.http import create_app
    from store.db import resolve_url, upgrade

    os.environ["NEXA_IN_PROCESS_WORKER"] = "0" if no_worker else "1"
    get_settings.cache_clear()
    console.print(f"Nexa on http://{host}:{port}  (API /api/v1, OpenAPI /schema, widget demo /widget/demo)")
    if workers == 1:
        uvicorn.run(create_app(), host=host, port=port, log_level="warning")
        return
    url = resolve_url(get_settings())  # start the embedded server and migrate once, before the processes fork
    upgrade(url)
    os.environ["DATABASE_URL"] = url
    # A worker imports torch and loads the models before it answers the supervisor's health check: on a busy
    # machine that takes far longer than uvicorn's 5 s, and the supervisor would restart it forever.
    uvicorn.run(
        "bots.http:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        timeout_worker_healthcheck=WORKER_STARTUP_S,
    )


WORKER_STARTUP_S = 300


@app.command()
def slack() -> None:
    """Run the Slack bot over Socket Mode (SLACK_APP_TOKEN and SLACK_BOT_TOKEN; no public URL needed)."""
    settings = get_settings()
    missing = [
        name
        for name, value in (
            ("SLACK_APP_TOKEN", settings.slack_app_token),
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
        )
        if not value
    ]
    if missing:
        console.print(
            f"[red]error:[/] set {' and '.join(missing)} (see the Slack section of the README); "
            "for HTTP mode use `nexa serve` with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET instead"
        )
        raise typer.Exit(2)
    try:
        asyncio.run(_slack())
    except KeyboardInterrupt:
        console.print("Stopped.")


async def _slack() -> None:
    from slack_bolt.adapter.socket_mode.websockets import AsyncSocketModeHandler

    from assistant.runtime import build_agent
    from bots.slack.app import build_app
    from store.db import Database

    settings = get_settings()
    async with Database.opened(settings) as db:
        handler = AsyncSocketModeHandler(build_app(build_agent(db, settings), db, settings), settings.slack_app_token)
        try:
            await handler.connect_async()
            console.print("Nexa is connected to Slack over Socket Mode (Ctrl-C stops it).")
            await asyncio.Event().wait()
        finally:
            await handler.close_async()


@users_app.command("token")
def users_token(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
    """Issue a new API bearer token for a user (the previous one stops working); prints it once."""
    run(_token(email))


async def _token(email: str) -> None:
    from bots.http.auth import issue_token
    from store.db import Database
    from store.services.users import UserService

    async with Database.opened() as db:
        async with db.session() as session:
            user = await UserService(session).active_by_email(email)
            typer.echo(await issue_token(session, user))


@users_app.command("password")
def users_password(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
    """Set a user's web console password (asked twice, never echoed); their console sessions end."""
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    run(_password(email, password))


async def _password(email: str, password: str) -> None:
    from store.db import Database
    from store.signin import set_password

    async with Database.opened() as db:
        async with db.session() as session:
            user = await set_password(session, email, password)
        console.print(f"Password set for {user.email}; their console sessions were ended.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to the configured database (embedded unless DATABASE_URL is set)."""
    from store.db import resolve_url, upgrade

    url = resolve_url(get_settings())
    upgrade(url)
    console.print("[green]Database is at the newest migration.")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does (names its file).")],
) -> None:
    """Write the next migration (store/migrations/versions/00NN_<message>.py) from what the models declare and the
    migrated database lacks (Alembic autogenerate); nothing is written, and the exit code is 1, when they agree."""
    from store.revisions import NothingToWrite

    try:
        path = run(_revision(message))
    except NothingToWrite as err:
        console.print(f"[yellow]No revision:[/] {err}.")
        raise typer.Exit(1) from None
    console.print(f"[green]Wrote[/] {path} (review it before committing).")


async def _revision(message: str) -> Path:
    from store.db import resolve_url
    from store.revisions import write_revision

    return write_revision(resolve_url(get_settings()), message)


@app.command()
def seed(
    scale: Annotated[int, typer.Option(min=1, max=5000, help="Multiply the generated CRM (5000 = 1M deals).")] = 1,
    random_seed: Annotated[int, typer.Option("--seed", help="Random seed of the generated part.")] = 7,
) -> None:
    """Load the demo CRM (the spec's story plus generated companies, leads, deals and tickets)."""
    asyncio.run(_seed(scale, random_seed))


async def _seed(scale: int, random_seed: int) -> None:
    from store.db import Database
    from store.embeddings import default_embedder
    from store.seed import is_seeded
    from store.seed import seed as load_seed
    from store.seed.generated import PER_SCALE

    async with Database.opened() as db:
        if await is_seeded(db):
            console.print("[yellow]The demo data is already loaded; nothing to do.")
            return
        total = sum(PER_SCALE.values()) * scale * 3
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("seeding", total=total)

            def tick(table: str, rows: int) -> None:
                bar.update(task, advance=rows, description=f"seeding {table}")

            counts = await load_seed(
                db, scale=scale, random_seed=random_seed, progress=tick, embedder=default_embedder()
            )
            bar.update(task, completed=total)
        console.print(
            f"[green]Seeded[/] {counts.accounts} accounts, {counts.contacts} contacts, {counts.leads} leads, "
            f"{counts.deals} deals, {counts.tickets} tickets ({counts.rows} rows)."
        )


@app.command()
def demo() -> None:
    """Start PostgreSQL (embedded unless DATABASE_URL is set), migrate, seed when empty, then chat as John."""
    asyncio.run(_demo())


async def _demo() -> None:
    from assistant.runtime import build_agent
    from bots import render
    from bots.chat import chat_loop
    from store.auth import actor_for_email
    from store.db import Database
    from store.embeddings import default_embedder
    from store.seed import is_seeded
    from store.seed import seed as load_seed
    from store.services import ContactService, PipelineService, ViewService

    async with Database.opened() as db:
        if not await is_seeded(db):
            console.print("Loading the demo CRM and its help center...")
            await load_seed(db, embedder=default_embedder())
        async with db.session() as session:
            john = await actor_for_email(session, "john@nexa.test")
            (sarah,), _ = await ContactService(session, john).search(q="sarah.johnson@acme.test", limit=1)
            view = await ViewService(session, john).contact_360(sarah.id)
            mine = await PipelineService(session, john).summary(owner_id=john.user_id)
        render.show(render.contact_360(view), render.pipeline(mine, "John's pipeline"), console=console)
        await chat_loop(build_agent(db), john, console)


@app.command()
def chat(email: Annotated[str, typer.Option("--as", help="The CRM user to chat as.")]) -> None:
    """Chat with the assistant as a CRM user (reads one message per line when stdin is not a terminal)."""
    run(_chat(email))


async def _chat(email: str) -> None:
    from assistant.runtime import build_agent
    from bots.chat import chat_loop
    from store.auth import actor_for_email
    from store.db import Database

    async with Database.opened() as db:
        async with db.session() as session:
            actor = await actor_for_email(session, email)
        await chat_loop(build_agent(db), actor, console)


@app.command()
def ask(
    message: Annotated[str, typer.Argument(help="The message to send.")],
    email: Annotated[str, typer.Option("--as", help="The CRM user to ask as.")],
    conversation: Annotated[str | None, typer.Option("--conversation", help="Continue this conversation.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """One turn; with --json, print {conversation_id, answer, outcome, tool_calls, pending}."""
    run(_ask(message, email, conversation, as_json))


async def _ask(message: str, email: str, conversation: str | None, as_json: bool) -> None:
    from assistant.runtime import build_agent
    from bots import render
    from store.auth import actor_for_email
    from store.db import Database

    async with Database.opened() as db:
        async with db.session() as session:
            actor = await actor_for_email(session, email)
        result = await build_agent(db).run(actor, message, conversation)
        if as_json:
            typer.echo(json.dumps(result.to_json(), default=str))
        else:
            render.turn(result, console)
