"""KB search over HTTP against its parts: `GET /api/v1/kb/search` p50 vs the query embedding and the raw pgvector query.

    .venv/bin/python bench/kb_http.py [--rounds 3]

Ingests the demo help center into a throwaway database, starts `nexa serve`, then, one request at a time, in
alternating rounds: the embedding of each help-center question (the model in this process, built by the server's own
factory from the same environment: NEXA_EMBED_RUNTIME torch or onnx, NEXA_EMBED_THREADS threads), the raw pgvector
nearest-neighbour query (the anchor: one SELECT on a plain connection), the HTTP search, and `GET /health` (the HTTP
floor: what a request that does nothing costs on this machine now). Target: HTTP p50 <= embedding p50 + 5 ms. Prints
the runtime and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import time
from pathlib import Path

import httpx
import psycopg
from common import start_server, throwaway_settings
from sqlalchemy import select

from bots.http.auth import issue_token
from store.db import Database
from store.embeddings import embedder_from_settings
from store.knowledge import ingest, read_paths
from store.models import User
from store.seed.story import load_story

HERE = Path(__file__).parent
RAW = "SELECT id FROM kb_chunks WHERE visibility = 'public' ORDER BY embedding <=> %s::vector LIMIT 20"


async def prepare(settings, embedder) -> tuple[str, str]:
    """The help center ingested and the demo users loaded; the database URL and a token for John."""
    async with Database.opened(settings) as db:
        async with db.session() as s:
            await load_story(s)
            await ingest(s, read_paths([HERE.parent / "store" / "seed" / "helpcenter"]), embedder)
        async with db.session() as s:
            john = await s.scalar(select(User).where(User.email == "john@nexa.test"))
            return db.url, await issue_token(s, john)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = [
        json.loads(line)["query"] for line in (HERE / "data" / "helpcenter_questions.jsonl").read_text().splitlines()
    ]
    settings, home = throwaway_settings()
    embedder = embedder_from_settings(settings)  # what the server embeds with: same runtime, same thread count
    url, token = asyncio.run(prepare(settings, embedder))
    env = os.environ | {"NEXA_HOME": str(settings.home), "DATABASE_URL": url, "NEXA_API_PER_MINUTE": "1000000"}
    process, base = start_server(env)
    embed_ms, raw_ms, http_ms, floor_ms = [], [], [], []
    try:
        with (
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http,
            psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn,
        ):
            for q in questions[:5]:  # warm-up
                http.get("/api/v1/kb/search", params={"q": q}).raise_for_status()
            for _ in range(args.rounds):
                for q in questions:
                    start = time.perf_counter()
                    vector = embedder.embed([f"{q} "])[0]  # a new text each round: no cache hit
                    embed_ms.append(1000 * (time.perf_counter() - start))
                    start = time.perf_counter()
                    conn.execute(RAW, (str(vector.tolist()),)).fetchall()
                    conn.rollback()
                    raw_ms.append(1000 * (time.perf_counter() - start))
                    start = time.perf_counter()
                    http.get("/api/v1/kb/search", params={"q": f"{q}{' ' * (_ + 1)}"}).raise_for_status()
                    http_ms.append(1000 * (time.perf_counter() - start))
                    start = time.perf_counter()
                    http.get("/health").raise_for_status()  # the HTTP floor: a request that does no work
                    floor_ms.append(1000 * (time.perf_counter() - start))
    finally:
        process.terminate()
        process.wait(timeout=20)
        if home:
            shutil.rmtree(home, ignore_errors=True)
    med = {
        name: statistics.median(v)
        for name, v in (("embed", embed_ms), ("raw", raw_ms), ("http", http_ms), ("floor", floor_ms))
    }
    print(
        f"KB search, {len(http_ms)} questions one at a time, embedder {embedder.name} "
        f"({settings.embed_runtime}, {settings.embed_threads} thread(s)), "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"  query embedding p50 {med['embed']:.1f} ms; raw pgvector query p50 {med['raw']:.2f} ms; "
        f"GET /api/v1/kb/search p50 {med['http']:.1f} ms; GET /health p50 {med['floor']:.1f} ms (the HTTP floor)"
    )
    over = med["http"] - med["embed"]
    print(
        f"  HTTP search over its embedding: +{over:.1f} ms (target <= 5 ms): {'PASS' if over <= 5 else 'FAIL'}; "
        f"HTTP/(embedding+raw query) {med['http'] / (med['embed'] + med['raw']):.2f}x"
    )


if __name__ == "__main__":
    main()
