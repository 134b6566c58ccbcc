"""Named periods ("this_quarter", "next_month"...) as date ranges."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

Period = Literal["today", "this_week", "next_week", "this_month", "next_month", "this_quarter", "next_quarter", "this_year", "overdue"]


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def period_range(period: Period, today: date) -> tuple[date | None, date]:
    """The first and last day of `period` around `today` (overdue: open start, ends yesterday)."""
    if period == "today":
        return today, today
    if period == "overdue":
        return None, today - timedelta(days=1)
    if period in ("this_week", "next_week"):
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=period == "next_week")
        return start, start + timedelta(days=6)
    if period in ("this_month", "next_month"):
        year, month = today.year, today.month
        if period == "next_month":
            year, month = year + (month == 12), month % 12 + 1
        return date(year, month, 1), _month_end(year, month)
    if period in ("this_quarter", "next_quarter"):
        q = (today.month - 1) // 3 + (period == "next_quarter")
        year = today.year + q // 4
        first_month = (q % 4) * 3 + 1
        return date(year, first_month, 1), _month_end(year, first_month + 2)
    return date(today.year, 1, 1), date(today.year, 12, 31)
