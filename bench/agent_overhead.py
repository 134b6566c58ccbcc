"""Agent overhead: everything but the model, per tool call, and the offline model's planning time.

Runs turns of 1, 3 and 6 read tool calls against a scripted model that answers instantly, on the
seeded demo CRM in a throwaway embedded PostgreSQL (or DATABASE_URL), and prints p50/p95.
Targets: <= 30 ms p95 per tool call; offline planning <= 50 ms p95 after warm-up; an offline chat turn
("what's my pipeline?") at most 10 ms p50 over the tool call it makes, run alone (issue 15: the turn's overhead,
its one message embedding included, over the tool's own time; p95 of the overhead: of each turn over the tool call
measured next to it). NEXA_EMBED_RUNTIME=onnx|torch picks the embedding runtime.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

import common  # noqa: F401 - puts the repository root on the import path (tests.support)
from rich.console import Console
from rich.table import Table

from assistant.agent import Agent
from assistant.messages import Message
from assistant.offline_model import OfflineModel
from store.auth import actor_for_email
from store.db import Database
from store.embeddings import default_embedder
from store.seed import is_seeded, seed
from store.settings import get_settings
from tests.support.scripted_models import ScriptedModel, call, say
from tools import TOOLSET
from tools.context import ToolContext

READS = [
    ("pipeline_summary", {"scope": "mine"}),
    ("search_crm", {"query": "Acme"}),
    ("stuck_deals", {"min_days": 14}),
    ("deals_closing", {"period": "this_quarter"}),
    ("my_tasks", {}),
    ("search_tickets", {"open_only": True}),
]
UTTERANCES = [
    "what's my pipeline?",
    "show me Sarah Johnson",
    "move Acme Enterprise Plan to proposal",
    "log a call with Tom Smith: asked for a security review",
    "remind me to send the contract to Tom by Friday",
    "which deals are stuck?",
    "open tickets for Acme",
    "close ticket 1042",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def overhead(db: Database, calls: int, runs: int) -> list[float]:
    """Milliseconds per tool call of whole turns (the scripted model costs ~nothing)."""
    async with db.session() as s:
        john = await actor_for_email(s, "john@nexa.test")
    per_call = []
    for i in range(runs + 3):
        steps = [call(*READS[(i + k) % len(READS)]) for k in range(calls)] + [say("done")]
        agent = Agent(db, ScriptedModel(*steps))
        start = time.perf_counter()
        await agent.run(john, "benchmark turn")
        if i >= 3:
            per_call.append((time.perf_counter() - start) * 1000 / calls)
    return per_call


async def planning(runs: int) -> list[float]:
    """Milliseconds for the offline model to plan the first step of a request."""
    model = OfflineModel(default_embedder())
    model.warm_up()
    specs = [t.spec for t in TOOLSET.tools.values()]
    times = []
    for i in range(runs):
        messages = [
            Message("system", "You are Nexa. ... whose role is rep"),
            Message("user", UTTERANCES[i % len(UTTERANCES)]),
        ]
        start = time.perf_counter()
        await model.request(messages, specs)
        times.append((time.perf_counter() - start) * 1000)
    return times


async def chat_overhead(db: Database, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Milliseconds of whole offline turns of CHAT and of the tool call the turn makes run alone, alternately; then
    of the message's embedding alone (in a worker thread, as the turn embeds it)."""
    async with db.session() as s:
        john = await actor_for_email(s, "john@nexa.test")
    embedder = default_embedder()
    model = OfflineModel(embedder)
    agent = Agent(db, model, embedder=embedder)
    (called,) = (await agent.run(john, CHAT)).tool_calls
    tool = TOOLSET.tools[called["name"]]
    turns, alone, embedding = [], [], []
    for i in range(runs + 3):
        model.classifier._recent.clear()  # as for a new message: the turn embeds it
        start = time.perf_counter()
        await agent.run(john, CHAT)
        middle = time.perf_counter()
        async with db.session() as s:
            await tool.run(
                ToolContext(session=s, actor=john, settings=get_settings(), embedder=embedder), called["arguments"]
            )
        if i >= 3:
            turns.append((middle - start) * 1000)
            alone.append((time.perf_counter() - middle) * 1000)
    for _ in range(runs):
        start = time.perf_counter()
        await asyncio.to_thread(embedder.embed, [CHAT])
        embedding.append((time.perf_counter() - start) * 1000)
    return turns, alone, embedding


CHAT = "what's my pipeline?"


async def main(runs: int) -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["NEXA_HOME"] = tempfile.mkdtemp(prefix="nexa-bench-")
    async with Database.opened() as db:
        if not await is_seeded(db):
            await seed(db)
        table = Table("measure", "p50 ms", "p95 ms", "target p95", "result", title="Agent overhead (model excluded)")
        for n in (1, 3, 6):
            values = await overhead(db, n, runs)
            p95 = pct(values, 0.95)
            table.add_row(
                f"turn with {n} tool call(s), per call",
                f"{statistics.median(values):.1f}",
                f"{p95:.1f}",
                "30",
                "PASS" if p95 <= 30 else "FAIL",
            )
        turns, alone, embedding = await chat_overhead(db, runs)
        extra = statistics.median(turns) - statistics.median(alone)
        pairs = [turn - tool for turn, tool in zip(turns, alone)]  # each turn over the tool call measured next to it
        table.add_row(f"chat turn {CHAT!r}", f"{statistics.median(turns):.1f}", f"{pct(turns, 0.95):.1f}", "", "")
        table.add_row(
            "  its tool call alone (own session)", f"{statistics.median(alone):.1f}", f"{pct(alone, 0.95):.1f}", "", ""
        )
        table.add_row(
            "  turn overhead over the tool",
            f"{extra:.1f}",
            f"{pct(pairs, 0.95):.1f}",
            "10 (p50)",
            "PASS" if extra <= 10 else "FAIL",
        )
        table.add_row(
            "  of which the message's embedding",
            f"{statistics.median(embedding):.1f}",
            f"{pct(embedding, 0.95):.1f}",
            "",
            "",
        )
        values = await planning(runs * 2)
        p95 = pct(values, 0.95)
        table.add_row(
            "offline planning (first step)",
            f"{statistics.median(values):.1f}",
            f"{p95:.1f}",
            "50",
            "PASS" if p95 <= 50 else "FAIL",
        )
        Console().print(table)
        settings = get_settings()
        print(
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; embedder {default_embedder().name}"
            f" (NEXA_EMBED_RUNTIME={settings.embed_runtime}, NEXA_EMBED_THREADS={settings.embed_threads})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    asyncio.run(main(parser.parse_args().runs))
