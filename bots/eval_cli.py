"""`nexa eval`: score the assistant on a set of conversations (see assistant/evaluation.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run

console = Console()


def eval_command(
    file: Annotated[Path, typer.Argument(help="A YAML (or JSON lines) file of cases.", exists=True, dir_okay=False)],
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Runs per case (pass^k).")] = 1,
    model: Annotated[str, typer.Option("--model", help="offline, or openai (the configured OpenAI-compatible endpoint).")] = "offline",
    as_json_: Annotated[bool, typer.Option("--json", help="Print one JSON object (for CI).")] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only this case id (repeatable).")] = None,
) -> None:
    """Run each case's conversation through the assistant on the seeded demo CRM and score the outcomes."""
    if model not in ("offline", "openai"):
        raise typer.BadParameter("offline or openai", param_hint="--model")
    run(_eval(file, k, model, as_json_, only or []))


async def _eval(file: Path, k: int, model: str, as_json_: bool, only: list[str]) -> None:
    from assistant.evaluation import Run, as_json, evaluate

    def tick(result: Run) -> None:
        if not as_json_:
            mark = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
            console.print(f"{mark} {result.case} ({result.seconds:.2f}s)" + ("" if result.passed else f": {'; '.join(result.failures)}"))

    report = await evaluate(file, k=k, model=model, only=only, progress=tick)
    if as_json_:
        typer.echo(json.dumps(as_json(report), default=str))
        return
    show(report.summary())


def show(s: dict[str, Any]) -> None:
    console.print(f"\n[bold]{s['file']}[/] ({s['model']}, k={s['k']}): {s['cases']} cases, {s['runs']} runs in {s['seconds']}s")
    console.print(f"pass rate [bold]{s['pass_rate']:.1%}[/], pass^{s['k']} [bold]{s['pass_k']:.1%}[/], "
                  f"wrong-record writes [bold]{s['wrong_record_writes']}[/]")
    for title, rows in (("category", s["per_category"]), ("expected tool", s["per_intent"])):
        _print_table(f"accuracy per {title}", (title, "n", "accuracy"),
                     [(name, str(row["n"]), f"{row['accuracy']:.0%}") for name, row in rows.items()])
    _print_table("worst confusions (expected tool -> path taken)", ("expected", "taken", "count"),
                 [(row["expected"], row["taken"], str(row["count"])) for row in s["confusions"]])
    _print_table("calibration (offline intent confidence of the first message)", ("confidence", "n", "accuracy"),
                 [(row["confidence"], str(row["n"]), f"{row['accuracy']:.0%}") for row in s["calibration"]])


def _print_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """One table of the report; nothing when it has no rows."""
    if not rows:
        return
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*row)
    console.print(table)
