"""Embedding runtimes, torch vs int8 ONNX Runtime: the gate for making ONNX the default (issue #15).

1. builds the ONNX export into an empty cache folder and times it (what a fresh clone pays once);
2. throughput on 900-char passages cut from the banking corpus, both runtimes in this run, interleaved rounds
   (target: onnx >= 2x torch);
3. ingests the banking corpus with onnx and compares its chunks/s with the raw encoder on a sample of the same
   chunk texts (target: >= 0.95x: ingestion adds nothing beyond the encoder);
4. retrieval MRR on the banking scenarios and the help-center questions (bench/kb_search.py) with onnx, then
   re-embeds the whole index with torch through `reindex` (a runtime change makes every chunk stale) and measures
   again (target: onnx within 0.5 points of torch for the vector and the default hybrid search).

Both runtimes use NEXA_EMBED_THREADS threads (default 1, one per worker). Rates are given per wall-clock second and per
CPU second of this process; the gates use the CPU figure, which the other processes of a shared machine do not stretch
(ingestion's CPU figure leaves out PostgreSQL's own work, which runs in another process alongside the encoder).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.kb_search import CORPUS, retrieval
from store.db import Database
from store.embeddings import Embedder, embedder_from_settings
from store.knowledge import ingest, read_paths, reindex
from store.knowledge.chunking import chunk
from store.knowledge.documents import Document
from store.settings import Settings

GATED = ("vector", "hybrid")
console = Console()


def passages(corpus: Path, count: int, size: int = 900) -> list[str]:
    """`count` distinct passages of `size` characters cut from the corpus documents."""
    text = " ".join(" ".join(d.content.split()) for d in read_paths([corpus / "documents"]) if isinstance(d, Document))
    if len(text) < count * size:
        raise SystemExit(f"{corpus}: not enough text for {count} passages (is --corpus right?)")
    return [text[i * size : (i + 1) * size] for i in range(count)]


class Clock:
    """Wall-clock and this process's CPU seconds since it was made. On a shared machine the CPU figure is the one to
    compare: other processes stretch the wall clock by however long they hold the cores."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def rates(self, count: int) -> tuple[float, float]:
        """`count` per wall-clock second and per CPU second."""
        return count / (time.perf_counter() - self.wall), count / (time.process_time() - self.cpu)


def rate(embedder: Embedder, texts: list[str], batch: int = 256) -> tuple[float, float]:
    """Texts per wall-clock and per CPU second, embedded in batches as ingestion does."""
    clock = Clock()
    for i in range(0, len(texts), batch):
        embedder.embed(texts[i : i + batch])
    return clock.rates(len(texts))


async def main(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="nexa-embedbench-"))
    os.environ["NEXA_HOME"] = str(home)
    base = replace(
        Settings(), home=home, cache_dir=home / "cache", statement_timeout_ms=300_000
    )  # a loaded machine is slow
    onnx, torch = (
        embedder_from_settings(replace(base, embed_runtime="onnx")),
        embedder_from_settings(replace(base, embed_runtime="torch")),
    )
    console.print(f"threads per runtime: {base.embed_threads}; load average before: {os.getloadavg()}")

    start = time.perf_counter()
    onnx.embed(["warm up"])  # builds the export: the cache folder is empty
    export_s = time.perf_counter() - start
    torch.embed(["warm up"])

    sample = passages(args.corpus, args.passages)
    speeds: dict[str, list[tuple[float, float]]] = {onnx.name: [], torch.name: []}
    for _ in range(args.rounds):
        for embedder in (torch, onnx):
            speeds[embedder.name].append(rate(embedder, sample))
    best = {name: (max(w for w, _ in values), max(c for _, c in values)) for name, values in speeds.items()}
    wall, cpu = (best[onnx.name][i] / best[torch.name][i] for i in (0, 1))
    table = Table(
        "measure",
        "per wall s",
        "per CPU s",
        "target",
        title=f"Throughput, {len(sample)} passages of 900 chars, best of {args.rounds} rounds",
    )
    table.add_row("ONNX export + int8 quantization (first use)", f"{export_s:.1f} s wall", "", "")
    for name in speeds:
        table.add_row(f"{name} passages/s", f"{best[name][0]:.1f}", f"{best[name][1]:.1f}", "")
    table.add_row("onnx / torch", f"{wall:.2f}x", f"{cpu:.2f}x", ">= 2x " + ("PASS" if cpu >= 2 else "FAIL"))
    console.print(table)

    async with Database.opened(replace(base, embed_runtime="onnx")) as db:
        items = list(read_paths([args.corpus / "documents"]))
        texts = [piece.embed_text(d.title) for d in items if isinstance(d, Document) for piece in chunk(d.content)]
        raw = rate(onnx, random.Random(7).sample(texts, min(args.raw_sample, len(texts))))
        clock = Clock()
        async with db.session() as s:
            report = await ingest(s, items, onnx)
        ingested = clock.rates(report.chunks)
        table = Table(
            "measure",
            "per wall s",
            "per CPU s",
            "target",
            title=f"Ingestion with {onnx.name}, banking corpus: {len(report.added)} articles, {report.chunks} chunks",
        )
        table.add_row("raw encoder, chunk texts/s", *(f"{r:.1f}" for r in raw), "")
        table.add_row("ingestion chunks/s", *(f"{r:.1f}" for r in ingested), "")
        ratios = [i / r for i, r in zip(ingested, raw)]
        table.add_row(
            "ingestion / raw encoder",
            *(f"{r:.2f}x" for r in ratios),
            ">= 0.95x " + ("PASS" if ratios[1] >= 0.95 else "FAIL"),
        )
        console.print(table)
        if args.no_retrieval:
            return
        scores = {onnx.name: await retrieval(db, onnx, args.corpus)}
        start = time.perf_counter()
        async with db.session() as s:
            done = await reindex(s, torch)
        console.print(
            f"reindex picked up the runtime change: {done} chunks re-embedded with {torch.name} "
            f"in {time.perf_counter() - start:.0f} s ({done / (time.perf_counter() - start):.1f} chunks/s)"
        )
        scores[torch.name] = await retrieval(db, torch, args.corpus)

    table = Table(
        "method",
        "set",
        f"{torch.name} MRR",
        f"{onnx.name} MRR",
        "onnx - torch (points)",
        "target",
        title="Retrieval quality by runtime",
    )
    passed = True
    for method in scores[torch.name]:
        for measure in ("banking MRR", "help-center MRR"):
            t, o = scores[torch.name][method][measure], scores[onnx.name][method][measure]
            gate = ""
            if method in GATED:
                ok = o >= t - 0.005
                passed &= ok
                gate = ">= -0.5 " + ("PASS" if ok else "FAIL")
            table.add_row(method, measure.removesuffix(" MRR"), f"{t:.4f}", f"{o:.4f}", f"{(o - t) * 100:+.2f}", gate)
    console.print(table)
    console.print(
        f"MRR gate: {'PASS' if passed else 'FAIL'}; throughput {cpu:.2f}x per CPU second, {wall:.2f}x per wall second; "
        f"load average after: {os.getloadavg()}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--passages", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--raw-sample", type=int, default=512)
    parser.add_argument("--no-retrieval", action="store_true", help="stop after the throughput and ingestion figures")
    asyncio.run(main(parser.parse_args()))
