"""`nexa eval`: score the assistant on a set of conversations (assistant/evaluation.py) or of knowledge-base
questions (assistant/kb_eval.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bots.errors import run

console = Console()


KB_COLUMNS = ("n", "resolution", "citation_accuracy", "false_not_found", "wrong_answers", "first_event_p50_ms")


def eval_command(
    file: Annotated[Path, typer.Argument(help="A YAML (or JSON lines) file of cases.", exists=True, dir_okay=False)],
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Runs per case (pass^k).")] = 1,
    model: Annotated[
        str, typer.Option("--model", help="offline, or openai (the configured OpenAI-compatible endpoint).")
    ] = "offline",
    as_json_: Annotated[bool, typer.Option("--json", help="Print one JSON object (for CI).")] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only this case id (repeatable).")] = None,
    failures: Annotated[
        bool, typer.Option("--failures", help="Knowledge-base sets: list the unresolved or mis-cited questions.")
    ] = False,
) -> None:
    """Run each case's conversation through the assistant on the seeded demo CRM and score the outcomes.

    A JSON lines file of knowledge-base questions (each with a `corpus`) is scored on resolution, citation accuracy,
    false not-found and wrong answers instead, with the model configured for the assistant."""
    from assistant.kb_eval import is_kb_set

    if model not in ("offline", "openai"):
        raise typer.BadParameter("offline or openai", param_hint="--model")
    if is_kb_set(file):
        run(kb_eval(file, model=model, as_json_=as_json_, show_failures=failures))
        return
    run(_eval(file, k, model, as_json_, only or []))


async def kb_eval(
    file: Path,
    *,
    model: str = "offline",
    as_json_: bool = False,
    rows: bool = False,
    home: Path | None = None,
    show_failures: bool = False,
) -> None:
    """A knowledge-base set through the agent (`assistant.kb_eval.run_set`), as a table or as JSON."""
    from assistant.kb_eval import failures, report, run_set, summarize

    outcomes = await run_set(file, model=model, home=home)
    if as_json_:
        typer.echo(json.dumps(report(outcomes, rows=rows), indent=2))
        return
    summary = summarize(outcomes)
    table = Table("group", *KB_COLUMNS, title=f"Knowledge-base answers: {file}")
    table.add_row("overall", *(str(summary["overall"][c]) for c in KB_COLUMNS))
    for group in ("by_corpus", "by_kind", "by_audience"):
        for name, rates in summary[group].items():
            table.add_row(f"{group[3:]}={name}", *(str(rates[c]) for c in KB_COLUMNS))
    console.print(table)
    for f in failures(outcomes) if show_failures else []:
        console.print(
            f"[bold]{f['id']}[/] {f['question']!r} expected={f['expected']} cited={f['cited'][:2]} "
            f"not_found={f['not_found']}\n  -> {' '.join(f['answer'].split())[:400]}"
        )


async def _eval(file: Path, k: int, model: str, as_json_: bool, only: list[str]) -> None:
    from assistant.evaluation import Run, as_json, evaluate

    def tick(result: Run) -> None:
        if not as_json_:
            mark = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
            console.print(
                f"{mark} {result.case} ({result.seconds:.2f}s)"
                + ("" if result.passed else f": {'; '.join(result.failures)}")
            )

    report = await evaluate(file, k=k, model=model, only=only, progress=tick)
    if as_json_:
        typer.echo(json.dumps(as_json(report), default=str))
        return
    show(report.summary())


def show(s: dict[str, Any]) -> None:
    console.print(
        f"\n[bold]{s['file']}[/] ({s['model']}, k={s['k']}): {s['cases']} cases, {s['runs']} runs in {s['seconds']}s"
    )
    console.print(
        f"pass rate [bold]{s['pass_rate']:.1%}[/], pass^{s['k']} [bold]{s['pass_k']:.1%}[/], "
        f"wrong-record writes [bold]{s['wrong_record_writes']}[/], crashes [bold]{s['crashes']}[/]"
    )
    for title, rows in (("category", s["per_category"]), ("expected tool", s["per_intent"])):
        _print_table(
            f"accuracy per {title}",
            (title, "n", "accuracy"),
            [(name, str(row["n"]), f"{row['accuracy']:.0%}") for name, row in rows.items()],
        )
    _print_table(
        "worst confusions (expected tool -> path taken)",
        ("expected", "taken", "count"),
        [(row["expected"], row["taken"], str(row["count"])) for row in s["confusions"]],
    )
    _print_table(
        "calibration (offline intent confidence of the first message)",
        ("confidence", "n", "accuracy"),
        [(row["confidence"], str(row["n"]), f"{row['accuracy']:.0%}") for row in s["calibration"]],
    )
    _print_table(
        "link calibration (how each write's record was found -> share right)",
        ("found by", "n", "right"),
        [(row["how"], str(row["n"]), f"{row['right']:.0%}") for row in s["link_calibration"]],
    )


def _print_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """One table of the report; nothing when it has no rows."""
    if not rows:
        return
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*row)
    console.print(table)
