"""Offline planning latency: the time the offline model takes to decide its first step for a message
(dialogue act, intent, slots, the plan's first tool call or answer), on every first turn of the dev set.

No database: planning reads only the conversation. Prints p50/p95/max in milliseconds after warm-up
(the sentence-embedding model, spaCy and dateparser are loaded first), with one torch thread (--threads).
Target: p95 <= 50 ms. Wall and CPU time are both printed: on a shared machine the wall time includes waiting.

    python bench/planning.py [--file tests/data/eval/dev_assistant.yaml] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from common import pct

from assistant.evaluation import load_cases
from assistant.messages import Message
from assistant.offline import english
from assistant.offline_model import OfflineModel
from store.clock import pinned
from store.embeddings import default_embedder
from tools import TOOLSET

ROLES = {"maria": "manager", "sam": "support", "noah": "support", "admin": "admin"}


async def main(path: Path, repeat: int, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)  # one sentence at a time: more threads only add contention on a 2-core machine
    now, cases = load_cases(path)
    model = OfflineModel(default_embedder())
    model.warm_up()
    english.warm_up()
    specs = [t.spec for t in TOOLSET.tools.values()]
    timings: list[float] = []
    cpu: list[float] = []
    with pinned(now):
        for _ in range(repeat):
            for case in cases:
                role = ROLES.get(case["as"].split("@")[0], "rep")
                messages = [Message("system", f"Your role is {role}."), Message("user", str(case["turns"][0]))]
                model.classifier._recent.clear()  # measure each message cold, not from the per-text cache
                started, started_cpu = time.perf_counter(), time.process_time()
                await model.request(messages, specs)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
    print(
        f"offline planning over {len(timings)} messages: p50 {pct(timings, 50):.1f} ms, p95 {pct(timings, 95):.1f} ms, "
        f"max {max(timings):.1f} ms (wall); CPU time p50 {pct(cpu, 50):.1f} ms, p95 {pct(cpu, 95):.1f} ms "
        f"(on a busy machine the wall time is mostly waiting for a core)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=Path("tests/data/eval/dev_assistant.yaml"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the sentence embeddings")
    args = parser.parse_args()
    asyncio.run(main(args.file, args.repeat, args.threads))
