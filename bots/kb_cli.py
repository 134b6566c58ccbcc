"""`nexa kb ...`: ingest, list, show, delete, search and reindex the knowledge base."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bots.errors import run

if TYPE_CHECKING:
    from store.db import Database

RUNS_THEM = "a worker (`nexa serve` or `nexa worker`) runs them, `nexa jobs` shows their progress"
kb_app = typer.Typer(help="The knowledge base (help-center articles).", no_args_is_help=True)
console = Console()


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


Now = Annotated[bool, typer.Option("--now", help="Do it in this process instead of queueing jobs for a worker.")]


@kb_app.command("ingest")
def kb_ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (.md .html .txt .json).")], now: Now = False
) -> None:
    """Add or update articles (a job per article); unchanged files are skipped, unreadable ones reported by name."""
    run(_ingest(paths) if now else _queue_ingest(paths))


async def _queue_ingest(paths: list[str]) -> None:
    from store.db import Database
    from store.knowledge import queue_ingest, read_paths

    async with Database.opened() as db:
        async with db.session() as session:
            queued = await queue_ingest(session, read_paths(paths))
        console.print(
            f"queued {queued.jobs} article(s) to ingest ({queued.already_queued} already queued); {RUNS_THEM}"
        )
        for skipped in queued.skipped:
            console.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}")


async def _ingest(paths: list[str]) -> None:
    from store.db import Database
    from store.embeddings import default_embedder
    from store.knowledge import ingest, read_paths
    from store.knowledge.documents import Document, Skipped

    items: list[Document | Skipped] = list(read_paths(paths))
    embedder = default_embedder()
    async with Database.opened() as db:
        with _bar() as bar:
            task = bar.add_task("embedding chunks", total=None)
            async with db.session() as session:
                report = await ingest(session, items, embedder, progress=lambda n: bar.update(task, advance=n))
        console.print(
            f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
            f"{report.chunks} chunks embedded"
        )
        for skipped in report.skipped:
            console.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}")


@kb_app.command("list")
def kb_list() -> None:
    """Every article with its visibility and number of chunks."""
    run(_list())


async def _list() -> None:
    from store.db import Database
    from store.knowledge.articles import article_index

    async with Database.opened() as db:
        async with db.session() as session:
            rows = await article_index(session)
        table = Table("id", "title", "visibility", "chunks", "source", title=f"{len(rows)} articles")
        for article_id, title, visibility, source, chunks in rows:
            table.add_row(str(article_id)[:8], title, visibility.value, str(chunks), source)
        console.print(table)


@kb_app.command("show")
def kb_show(article: Annotated[str, typer.Argument(help="The article's id or source.")]) -> None:
    """One article's metadata and text."""
    run(_show(article))


async def _show(key: str) -> None:
    from store.db import Database
    from store.knowledge import find_article

    async with Database.opened() as db:
        async with db.session() as session:
            found = await find_article(session, key)
        console.print(
            f"[bold]{found.title}[/] ({found.visibility.value}) {found.source}\nupdated {found.updated_at:%Y-%m-%d %H:%M}\n"
        )
        console.print(found.content)


@kb_app.command("delete")
def kb_delete(article: Annotated[str, typer.Argument(help="The article's id or source.")]) -> None:
    """Remove an article and its chunks."""
    run(_delete(article))


async def _delete(key: str) -> None:
    from store.db import Database
    from store.knowledge import delete_article

    async with Database.opened() as db:
        async with db.session() as session:
            gone = await delete_article(session, key)
        console.print(f"deleted {gone.title} ({gone.source})")


@kb_app.command("search")
def kb_search(
    query: Annotated[str, typer.Argument(help="The question or exact terms.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    internal: Annotated[bool, typer.Option("--internal", help="Include internal articles.")] = False,
) -> None:
    """Hybrid search; with --json a list of {article_id, source, title, heading, score, snippet}."""
    run(_search(query, limit, as_json, internal))


async def _search(query: str, limit: int, as_json: bool, internal: bool) -> None:
    from store.db import Database
    from store.embeddings import default_embedder
    from store.knowledge import search
    from store.models.enums import Visibility

    async with Database.opened() as db:
        visible = (Visibility.public, Visibility.internal) if internal else (Visibility.public,)
        async with db.session() as session:
            hits = await search(session, default_embedder(), query, limit=limit, visibilities=visible)
        rows = [
            {
                "article_id": str(h.article_id),
                "source": h.source,
                "title": h.title,
                "heading": h.heading,
                "score": round(h.score, 4),
                "snippet": h.snippet,
            }
            for h in hits
        ]
        if as_json:
            typer.echo(json.dumps(rows))
            return
        if not rows:
            console.print(
                "No results: the query has only stop words or punctuation."
                if not await _meaningful(db, query)
                else "No results."
            )
        for n, row in enumerate(rows, 1):
            console.print(
                f"[bold]{n}. {row['title']}[/] [dim]{row['source']} score {row['score']}[/]\n   {row['snippet']}"
            )


async def _meaningful(db: Database, query: str) -> bool:
    from store.knowledge.search import has_terms, has_words

    async with db.session() as session:
        return has_words(query) and await has_terms(session, query)


@kb_app.command("reindex")
def kb_reindex(
    everything: Annotated[bool, typer.Option("--all", help="Re-embed every chunk, not only stale ones.")] = False,
    now: Now = False,
) -> None:
    """Re-embed chunks embedded by another model than the configured one (a job per batch of chunks)."""
    run(_reindex(everything) if now else _queue_reindex(everything))


async def _queue_reindex(everything: bool) -> None:
    from store.db import Database
    from store.embeddings import default_embedder
    from store.knowledge import queue_reindex

    async with Database.opened() as db:
        async with db.session() as session:
            queued = await queue_reindex(session, default_embedder().name, everything=everything)
        console.print(f"queued {queued.jobs} batch(es) of chunks to re-embed; {RUNS_THEM}")


async def _reindex(everything: bool) -> None:
    from store.db import Database
    from store.embeddings import default_embedder
    from store.knowledge import reindex, stale_chunks

    embedder = default_embedder()
    async with Database.opened() as db:
        async with db.session() as session:
            stale = await stale_chunks(session, embedder.name)
            if not stale and not everything:
                console.print(f"Every chunk is embedded with {embedder.name}; nothing to do.")
                return
            with _bar() as bar:
                task = bar.add_task(f"re-embedding with {embedder.name}", total=None if everything else stale)
                done = await reindex(
                    session, embedder, everything=everything, progress=lambda n: bar.update(task, advance=n)
                )
        console.print(f"re-embedded {done} chunks with {embedder.name}")
