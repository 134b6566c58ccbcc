"""Answer quality on a JSONL set of knowledge-base questions (see assistant/kb_eval.py for the format and measures).

Ingests the demo help center and the banking corpus (../shared/data/tau2-banking-knowledge), each into
its own throwaway embedded PostgreSQL (two help centers are two deployments), asks every question through the agent with the
configured model (offline unless an LLM is configured) and prints resolution, citation accuracy,
false not-found and wrong-answer rates, overall and per corpus, kind and audience.

    python bench/kb_answers.py tests/data/eval/dev_kb.jsonl [--json] [--failures]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.kb_eval import as_rows, evaluate, failures, load_cases, prepare, summarize
from assistant.runtime import build_agent
from store.db import Database
from store.embeddings import default_embedder
from store.settings import Settings

COLUMNS = ("n", "resolution", "citation_accuracy", "false_not_found", "wrong_answers", "first_event_p50_ms")


def _table(summary: dict) -> Table:
    table = Table("group", *COLUMNS, title="Knowledge-base answers")
    table.add_row("overall", *(str(summary["overall"][c]) for c in COLUMNS))
    for field in ("by_corpus", "by_kind", "by_audience"):
        for name, rates in summary[field].items():
            table.add_row(f"{field[3:]}={name}", *(str(rates[c]) for c in COLUMNS))
    return table


async def main(args: argparse.Namespace) -> None:
    cases = load_cases(args.file)
    base = args.home or Path(tempfile.mkdtemp(prefix="nexa-kbanswers-"))
    embedder, outcomes = default_embedder(), []
    for corpus in sorted({c.corpus for c in cases}):
        os.environ["NEXA_HOME"] = str(base / corpus)  # one knowledge base (and embedded server) per corpus
        settings = Settings()
        async with Database.opened(settings) as db:
            await prepare(db, embedder, corpus)
            outcomes += await evaluate(build_agent(db, settings, embedder), db, [c for c in cases if c.corpus == corpus])
    summary = summarize(outcomes)
    if args.json:
        print(json.dumps({"summary": summary, "failures": failures(outcomes)} | ({"rows": as_rows(outcomes)} if args.rows else {}), indent=2))
        return
    console = Console()
    console.print(_table(summary))
    if args.failures:
        for f in failures(outcomes):
            console.print(f"[bold]{f['id']}[/] {f['question']!r} expected={f['expected']} cited={f['cited'][:2]} "
                          f"not_found={f['not_found']}\n  -> {' '.join(f['answer'].split())[:400]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--json", action="store_true", help="print the summary and failures as JSON")
    parser.add_argument("--rows", action="store_true", help="with --json: every question's answer too")
    parser.add_argument("--home", type=Path, help="keep the knowledge bases in this folder (re-runs skip unchanged articles)")
    parser.add_argument("--failures", action="store_true", help="list the unresolved or mis-cited questions")
    asyncio.run(main(parser.parse_args()))
