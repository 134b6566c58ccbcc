"""Activities at growing sizes, one table vs monthly partitions: the timeline read, a recent-activity report, and
retention (dropping the oldest month).

    .venv/bin/python bench/activity_partitions.py [--sizes 300000 1000000 3000000] [--months 36] [--reads 200]

In throwaway tables of the embedded PostgreSQL (or DATABASE_URL), shaped like `activities` and `activity_links`
(one link per activity, about 50 activities per record), generates N activities spread evenly over the last
`--months` months, twice: into a plain table and into a table partitioned by month of `occurred_at`. Per size and
layout it prints the p50/p95 of the timeline query Nexa runs (a record's newest 50 activities through its links),
of a report over the last 30 days (activities by type), the time to remove the oldest month (DELETE vs DROP of a
partition), and the table and index sizes. Ratios partitioned/plain are printed for each figure.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import time

import psycopg
from common import throwaway_settings

from store.db import resolve_url

TIMELINE = """
SELECT a.id, a.type, a.subject, a.occurred_at FROM {t} a JOIN {t}_links l ON l.activity_id = a.id AND l.occurred_at = a.occurred_at
WHERE l.record_type = 'deal' AND l.record_id = %s ORDER BY a.occurred_at DESC LIMIT 50"""
RECENT = "SELECT type, count(*) FROM {t} WHERE occurred_at >= now() - interval '30 days' GROUP BY type"


def _create(conn: psycopg.Connection, table: str, months: int, partitioned: bool) -> None:
    """The two tables; links carry occurred_at so that they partition (and join) on the same key."""
    by = " PARTITION BY RANGE (occurred_at)" if partitioned else ""
    conn.execute(f"DROP TABLE IF EXISTS {table}_links, {table} CASCADE")
    conn.execute(
        f"CREATE TABLE {table} (id bigint NOT NULL, type text NOT NULL, action text NOT NULL, subject text NOT NULL, "
        f"details jsonb NOT NULL DEFAULT '{{}}', occurred_at timestamptz NOT NULL, PRIMARY KEY (id, occurred_at)){by}"
    )
    conn.execute(
        f"CREATE TABLE {table}_links (activity_id bigint NOT NULL, record_type text NOT NULL, record_id bigint NOT NULL, "
        f"occurred_at timestamptz NOT NULL, PRIMARY KEY (activity_id, record_type, record_id, occurred_at)){by}"
    )
    if partitioned:
        for m in range(months + 1):
            for t in (table, f"{table}_links"):
                conn.execute(
                    f"CREATE TABLE {t}_m{m} PARTITION OF {t} FOR VALUES FROM "
                    f"(date_trunc('month', now()) - interval '{m} months') TO "
                    f"(date_trunc('month', now()) - interval '{m - 1} months')"
                )
    conn.execute(f"CREATE INDEX ON {table}_links (record_type, record_id, occurred_at DESC)")
    conn.execute(f"CREATE INDEX ON {table} (occurred_at)")


def _fill(conn: psycopg.Connection, table: str, n: int, months: int) -> float:
    """N activities evenly over the months (newest first in id), about 50 per deal record; returns seconds taken."""
    start = time.perf_counter()
    span = f"interval '{months} months'"
    conn.execute(f"""INSERT INTO {table} (id, type, action, subject, occurred_at)
        SELECT i, (ARRAY['call','email','meeting','note','deal','ticket'])[1 + i % 6], 'logged', 'Activity ' || i,
               now() - ({span} - interval '1 day') * (i::float8 / {n}) FROM generate_series(1, {n}) i""")
    conn.execute(
        f"""INSERT INTO {table}_links SELECT id, 'deal', (id * 7919) % {max(n // 50, 1)}, occurred_at FROM {table}"""
    )
    conn.execute(f"VACUUM ANALYZE {table}")
    conn.execute(f"VACUUM ANALYZE {table}_links")
    return time.perf_counter() - start


def _timed(conn: psycopg.Connection, sql: str, params: list[tuple]) -> tuple[float, float]:
    samples = []
    for one in params:
        start = time.perf_counter()
        conn.execute(sql, one).fetchall()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def _drop_oldest(conn: psycopg.Connection, table: str, months: int, partitioned: bool) -> float:
    start = time.perf_counter()
    if partitioned:
        conn.execute(f"DROP TABLE {table}_links_m{months}, {table}_m{months}")
    else:
        cut = f"date_trunc('month', now()) - interval '{months - 1} months'"
        conn.execute(f"DELETE FROM {table}_links WHERE occurred_at < {cut}")
        conn.execute(f"DELETE FROM {table} WHERE occurred_at < {cut}")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300_000, 1_000_000, 3_000_000])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    settings, home = throwaway_settings()
    url = resolve_url(settings).replace("postgresql+psycopg://", "postgresql://")
    rng = random.Random(7)
    with psycopg.connect(url, autocommit=True) as conn:
        for n in args.sizes:
            records = max(n // 50, 1)
            ids = [rng.randrange(records) for _ in range(args.reads)]
            figures = {}
            for layout, partitioned in (("plain", False), ("monthly", True)):
                table = f"bench_act_{layout}"
                _create(conn, table, args.months, partitioned)
                fill = _fill(conn, table, n, args.months)
                timeline = _timed(conn, TIMELINE.format(t=table), [(i,) for i in ids])
                recent = _timed(conn, RECENT.format(t=table), [()] * max(args.reads // 10, 5))
                size = conn.execute(
                    f"SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relname LIKE '{table}%' "
                    "AND c.relkind IN ('r', 'p')"
                ).fetchone()[0]
                dropped = _drop_oldest(conn, table, args.months, partitioned)
                figures[layout] = (fill, timeline, recent, dropped, size)
                conn.execute(f"DROP TABLE IF EXISTS {table}_links, {table} CASCADE")
                print(
                    f"  {n:>10,} activities, {layout:7}: fill {fill:6.1f} s, timeline p50/p95 {timeline[0]:6.2f}/{timeline[1]:6.2f} ms, "
                    f"last-30-days report p50/p95 {recent[0]:7.1f}/{recent[1]:7.1f} ms, oldest month removed in {dropped:8.1f} ms, "
                    f"size {size / 2**20:7.1f} MiB",
                    flush=True,
                )
            plain, monthly = figures["plain"], figures["monthly"]
            print(
                f"  {n:>10,} monthly/plain: timeline p95 {monthly[1][1] / plain[1][1]:.2f}x, report p95 "
                f"{monthly[2][1] / plain[2][1]:.2f}x, retention {monthly[3] / plain[3]:.3f}x",
                flush=True,
            )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if home:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
