"""Sales-performance questions (win rate, deal size, sales cycle, conversions, quota attainment): which metric and
grouping a question asks for, and the report's rows as lines to say."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from prompts.money import money_short

METRICS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), metric)
    for p, metric in [
        (r"\bquotas?\b|\battainment\b|\b(?:on|behind|ahead\s+of)\s+target\b", "quota_attainment"),
        (
            r"\bwin(?:ning)?\s*(?:rates?|ratios?|%|percentages?)\b|\bclose\s+rates?\b|\bhow\s+often\s+(?:do\s+)?(?:we|i)\s+win\b",
            "win_rate",
        ),
        (
            r"\b(?:avg|average|mean|typical|median)\s+(?:\w+\s+)?(?:deal|contract|order)(?:\s+(?:size|value|amount))?\b|\bdeal\s+size\b",
            "avg_deal_size",
        ),
        (
            r"\bsales\s+cycle\b|\bcycle\s+(?:time|length)\b|\bhow\s+long\b.{0,40}\bto\s+(?:close|win)\b|\btime\s+to\s+(?:close|win)\b",
            "sales_cycle",
        ),
        (
            r"\blead\s+conversion\b|\bconversion\s+rate\b.{0,30}\bleads?\b|\bleads?\b.{0,30}\bconver(?:t|sion)\w*\s+rate\b"
            r"|\bhow\s+many\s+leads\b.{0,30}\bconvert",
            "lead_conversion",
        ),
        (
            r"\bstage\s+conversion\b|\bconversion\b.{0,30}\b(?:stages?|funnel)\b|\b(?:time|days)\s+(?:spent\s+)?in\s+(?:each\s+)?stage\b"
            r"|\bfunnel\b",
            "stage_conversion",
        ),
    ]
]
_GROUPS = [
    (re.compile(p, re.IGNORECASE), group)
    for p, group in [
        (
            r"\b(?:by|per|each|for\s+each|across)\s+(?:sales\s+)?(?:rep|owner|person|seller|salesperson|ae)s?\b|\bwhich\s+rep\b|\bleaderboard\b"
            r"|\b(?:for|of)\s+(?:my|our|the)\s+(?:reps|team|sellers|aes)\b",
            "rep",
        ),
        (r"\b(?:by|per|each)\s+(?:lead\s+)?source\b", "source"),
        (r"\b(?:by|per|each)\s+month\b|\bmonthly\b|\bmonth\s+by\s+month\b", "period"),
        (r"\b(?:by|per|each)\s+team\b", "team"),
    ]
]
_RATIOS = {"win_rate", "conversion", "conversion_rate", "attainment"}
_MONEY = {"won_amount", "avg_deal_size", "quota"}
_LABELS = {
    "won_amount": "won",
    "avg_deal_size": "average deal",
    "avg_days": "average days",
    "median_days": "median days",
    "avg_days_in_stage": "average days in stage",
    "moved_on": "moved on",
    "conversion_rate": "conversion rate",
    "win_rate": "win rate",
    "period_start": "from",
    "period_end": "to",
}


def asked_metric(text: str) -> str | None:
    """The sales metric a question asks for, if any."""
    return next((metric for pattern, metric in METRICS if pattern.search(text)), None)


def asked_grouping(text: str) -> str:
    """How the question wants the figures split: rep, source, period (months), team, or none."""
    return next((group for pattern, group in _GROUPS if pattern.search(text)), "none")


def _value(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key in _RATIOS:
        return f"{float(value) * 100:.1f}".removesuffix(".0") + "%"  # 68.8%, 50%
    if key in _MONEY:
        return money_short(Decimal(str(value)))
    return str(value)


def report_lines(data: dict[str, Any]) -> list[str]:
    """One line per row (its key first), then the total when the report has one."""

    def line(row: dict[str, Any]) -> str:
        parts = [
            f"{_LABELS.get(k, k.replace('_', ' '))} {_value(k, v)}" for k, v in row.items() if k not in ("key", "team")
        ]
        return ", ".join(parts)

    lines = [f"{row.get('key') or 'All'}: {line(row)}" for row in data.get("rows") or []]
    if data.get("total") and len(lines) != 1:
        lines.append(f"Total: {line(data['total'])}")
    return lines
