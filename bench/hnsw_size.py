"""pgvector HNSW sizing: index size and build time for 384-dimension chunks at several sizes, extrapolated to 1M.

    .venv/bin/python bench/hnsw_size.py [--sizes 10000 30000 100000]

In a throwaway table of the embedded PostgreSQL (or DATABASE_URL), inserts unit vectors (random directions: the
index's size depends on the count, the dimension and m, not on the values), builds the HNSW index Nexa uses
(vector_cosine_ops, m = 16, ef_construction = 64) and prints, per size, the index and heap sizes in bytes per
vector, the build time, and a linear fit of index bytes per vector extrapolated to 1M and 10M chunks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time

import numpy as np
import psycopg
from common import throwaway_settings

from store.db import resolve_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    args = parser.parse_args()
    settings, home = throwaway_settings()
    url = resolve_url(settings).replace("postgresql+psycopg://", "postgresql://")
    rng = np.random.default_rng(7)
    rows = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute("SET maintenance_work_mem = '256MB'")
        for n in args.sizes:
            conn.execute("DROP TABLE IF EXISTS bench_hnsw")
            conn.execute("CREATE TABLE bench_hnsw (id bigint, embedding vector(384))")
            vectors = rng.standard_normal((n, 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            with conn.cursor().copy("COPY bench_hnsw (id, embedding) FROM STDIN") as copy:
                for i, v in enumerate(vectors):
                    copy.write_row((i, "[" + ",".join(f"{x:.6f}" for x in v) + "]"))
            start = time.perf_counter()
            conn.execute(
                "CREATE INDEX bench_hnsw_idx ON bench_hnsw USING hnsw (embedding vector_cosine_ops) "
                "WITH (m = 16, ef_construction = 64)"
            )
            build = time.perf_counter() - start
            index, heap = conn.execute(
                "SELECT pg_relation_size('bench_hnsw_idx'), pg_table_size('bench_hnsw')"
            ).fetchone()
            rows.append((n, index, heap, build))
            print(
                f"  {n:>9,} vectors: index {index / 2**20:8.1f} MiB ({index / n:6.0f} B/vector), "
                f"heap {heap / 2**20:8.1f} MiB ({heap / n:6.0f} B/vector), build {build:6.1f} s",
                flush=True,
            )
        conn.execute("DROP TABLE IF EXISTS bench_hnsw")
    if home:
        shutil.rmtree(home, ignore_errors=True)
    counts = np.array([r[0] for r in rows], dtype=float)
    slope, intercept = np.polyfit(counts, np.array([r[1] for r in rows], dtype=float), 1)
    build_slope = np.polyfit(counts, np.array([r[3] for r in rows]), 1)[0]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"linear fit: index = {slope:.0f} B/vector x n + {intercept / 2**20:.1f} MiB")
    for n in (1_000_000, 10_000_000):
        print(
            f"  extrapolated {n:>10,} chunks: index {(slope * n + intercept) / 2**30:6.2f} GiB "
            f"(to keep in RAM), build ~{build_slope * n / 60:.0f} min on one core of this machine"
        )


if __name__ == "__main__":
    main()
