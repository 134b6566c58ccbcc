"""Answer quality on a JSONL set of knowledge-base questions (see assistant/kb_eval.py for the format and measures).

Ingests the demo help center and the banking corpus (../shared/data/tau2-banking-knowledge), each into
its own throwaway embedded PostgreSQL (two help centers are two deployments), asks every question through the agent with the
offline model (`--model openai`: the configured endpoint) and prints resolution, citation accuracy,
false not-found and wrong-answer rates, overall and per corpus, kind and audience. The same as
`nexa eval FILE.jsonl` (one implementation: `assistant.kb_eval.run_set`, printed by `bots.eval_cli`).

    python bench/kb_answers.py tests/data/eval/dev_kb.jsonl [--json] [--failures]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bots.eval_cli import kb_eval

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--model", choices=("offline", "openai"), default="offline")
    parser.add_argument("--json", action="store_true", help="print the summary and failures as JSON")
    parser.add_argument("--rows", action="store_true", help="with --json: every question's answer too")
    parser.add_argument(
        "--home", type=Path, help="keep the knowledge bases in this folder (re-runs skip unchanged articles)"
    )
    parser.add_argument("--failures", action="store_true", help="list the unresolved or mis-cited questions")
    args = parser.parse_args()
    asyncio.run(
        kb_eval(
            args.file, model=args.model, as_json_=args.json, rows=args.rows, home=args.home, show_failures=args.failures
        )
    )
