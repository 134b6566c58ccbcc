"""Intelligence benchmark: scoring AUC on held-out seeded history, anomaly precision/recall on planted
anomalies, and forecast error (MAPE) on a back-test.

    .venv/bin/python bench/intelligence.py [--scale 20] [--series 200]

Scoring runs on a fresh embedded server under a temporary NEXA_HOME (or DATABASE_URL, which must be
empty). The generator's hidden conversion probabilities give the best AUC any scorer could reach on
that data (the ceiling); the rule prior and the trained model are measured on the same held-out 25%.
Anomaly and forecast figures come from synthetic daily series with a known truth.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import shutil
from datetime import UTC, date, datetime, timedelta

from common import throwaway_settings
from rich.console import Console
from rich.table import Table
from sklearn.metrics import roc_auc_score

from store.db import Database
from store.intelligence.anomalies import detect
from store.intelligence.forecasts import backtest
from store.intelligence.scoring import train
from store.seed import seed
from store.seed.generated import INDUSTRIES, SIZES, SOURCES, TITLES
from store.seed.lead_history import generate_lead
from store.settings import Settings

console = Console(width=max(110, shutil.get_terminal_size().columns))


def ceiling_auc(n: int = 20_000, seed_: int = 3) -> float:
    """AUC of the generator's own probabilities on its outcomes: the best any scorer can do."""
    rng, now = random.Random(seed_), datetime.now(UTC)
    leads = [
        generate_lead(
            rng,
            now,
            source=rng.choice(SOURCES),
            size=rng.choice(SIZES),
            title=rng.choice(TITLES),
            industry=rng.choice(INDUSTRIES),
        )
        for _ in range(n)
    ]
    closed = [g for g in leads if g.status in ("converted", "lost")]
    return float(roc_auc_score([g.status == "converted" for g in closed], [g.true_probability for g in closed]))


async def scoring(settings: Settings, scale: int) -> dict[str, float]:
    async with Database.opened(settings) as db:
        await seed(db, scale=scale)
        async with db.session() as session:
            result = await train(session)
        return {
            "outcomes": result.outcomes,
            "holdout": result.holdout,
            "auc": result.auc,
            "prior_auc": result.prior_auc,
            "brier": result.brier,
        }


def _mean(day: date, level: float) -> float:
    """The true daily mean: `level` on weekdays, 35% of it at weekends."""
    return level * (0.35 if day.weekday() >= 5 else 1.0)


def _series(rng: random.Random, days: int, level: float) -> list[tuple[date, float]]:
    """Poisson daily counts around `_mean` (a weekly pattern with quiet weekends)."""
    start = date(2026, 1, 5)
    return [(day, float(_poisson(rng, _mean(day, level)))) for day in (start + timedelta(days=i) for i in range(days))]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def anomalies(n_series: int, seed_: int = 5) -> dict[str, float]:
    """Half the series get one planted spike (+6 sd) in the last week; count what is found and what is false."""
    rng = random.Random(seed_)
    tp = fp = fn = 0
    for i in range(n_series):
        level = rng.choice([2, 5, 10, 30])
        series = _series(rng, 70, level)
        planted = None
        if i % 2 == 0:
            k = len(series) - 1 - rng.randrange(7)
            day, value = series[k]
            series[k] = (day, value + round(6 * math.sqrt(_mean(day, level)) + 3))
            planted = day
        flagged = {p.day for p in detect(series, window_days=7, direction="up")}
        tp += planted in flagged if planted else 0
        fn += planted is not None and planted not in flagged
        fp += len(flagged - {planted})
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "planted": tp + fn,
        "false_alarms": fp,
    }


def _mape(actual: list[float], predicted: list[float]) -> float:
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a]
    return 100 * sum(abs(a - p) / a for a, p in pairs) / len(pairs)


def forecasts(n_series: int, seed_: int = 9, horizon: int = 14) -> dict[str, float]:
    """Mean MAPE of a 14-day back-test over weekly-seasonal ticket series of 120 days, next to an oracle
    that knows the true daily means (the error left is Poisson noise no forecaster can remove)."""
    rng = random.Random(seed_)
    model, oracle = [], []
    for _ in range(n_series):
        level = rng.choice([5, 10, 30])
        series = _series(rng, 120, level)
        model.append(backtest(series, horizon))
        tail = series[-horizon:]
        oracle.append(_mape([v for _, v in tail], [_mean(d, level) for d, _ in tail]))
    return {"series": n_series, "mape": sum(model) / n_series, "oracle": sum(oracle) / n_series}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=20, help="seed scale for scoring (100 leads per unit, default 20)")
    parser.add_argument("--series", type=int, default=200, help="synthetic series for anomalies and forecasts")
    args = parser.parse_args()
    settings, home = throwaway_settings()
    score = asyncio.run(scoring(settings, args.scale))
    ceiling = ceiling_auc()
    found = anomalies(args.series)
    forecast = forecasts(max(20, args.series // 5))
    table = Table(title="Intelligence layer")
    for column in ("measure", "value", "note"):
        table.add_column(column)
    table.add_row(
        "scoring AUC, trained (held-out)",
        f"{score['auc']:.3f}",
        f"{score['holdout']} held out of {score['outcomes']} outcomes",
    )
    table.add_row("scoring AUC, rule prior", f"{score['prior_auc']:.3f}", "same held-out leads")
    table.add_row("scoring AUC, ceiling", f"{ceiling:.3f}", "generator's true probabilities")
    table.add_row("trained / ceiling", f"{score['auc'] / ceiling:.2f}", "ratio")
    table.add_row("Brier score, trained", f"{score['brier']:.3f}", "lower is better")
    table.add_row("anomaly precision", f"{found['precision']:.3f}", f"{found['false_alarms']} false alarms")
    table.add_row("anomaly recall", f"{found['recall']:.3f}", f"{found['planted']} planted spikes")
    table.add_row("ticket forecast MAPE (14 days)", f"{forecast['mape']:.1f}%", f"{forecast['series']} back-tests")
    table.add_row("oracle MAPE (true means)", f"{forecast['oracle']:.1f}%", "noise floor")
    table.add_row("forecast / oracle", f"{forecast['mape'] / forecast['oracle']:.2f}", "ratio")
    console.print(table)
    if home:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
