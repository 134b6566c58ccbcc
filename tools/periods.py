"""Named periods ("this_quarter", "next_month"...) as date ranges."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, get_args

Month = Literal[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
MONTHS: tuple[str, ...] = get_args(Month)
Quarter = Literal["q1", "q2", "q3", "q4"]
QUARTERS: tuple[str, ...] = get_args(Quarter)
Period = Literal[
    "today",
    "this_week",
    "next_week",
    "this_month",
    "next_month",
    "this_quarter",
    "next_quarter",
    "this_year",
    "overdue",
    "last_week",
    "last_month",
    "last_quarter",
    "last_year",
    Month,
    Quarter,
]


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def period_range(period: Period, today: date) -> tuple[date | None, date]:
    """The first and last day of `period` around `today` (overdue: open start, ends yesterday; a month or a quarter by
    name: its nearest one, this year's on a tie, "august" in January is last August's, in September this year's)."""
    if period in QUARTERS:
        quarter = QUARTERS.index(period)
        year = min(
            (today.year - 1, today.year, today.year + 1),
            key=lambda y: (abs(y * 4 + quarter - today.year * 4 - (today.month - 1) // 3), y != today.year),
        )
        return date(year, quarter * 3 + 1, 1), _month_end(year, quarter * 3 + 3)
    if period in MONTHS:
        month = MONTHS.index(period) + 1
        year = min(
            (today.year - 1, today.year, today.year + 1),
            key=lambda y: (abs(y * 12 + month - today.year * 12 - today.month), y != today.year),
        )
        return date(year, month, 1), _month_end(year, month)
    if period == "today":
        return today, today
    if period == "overdue":
        return None, today - timedelta(days=1)
    step = {"next": 1, "last": -1}.get(period.split("_")[0], 0)
    if period.endswith("_week"):
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=step)
        return start, start + timedelta(days=6)
    if period.endswith("_month"):
        months = today.year * 12 + today.month - 1 + step
        year, month = divmod(months, 12)
        return date(year, month + 1, 1), _month_end(year, month + 1)
    if period.endswith("_quarter"):
        quarters = today.year * 4 + (today.month - 1) // 3 + step
        year, q = divmod(quarters, 4)
        return date(year, q * 3 + 1, 1), _month_end(year, q * 3 + 3)
    year = today.year + step
    return date(year, 1, 1), date(year, 12, 31)
