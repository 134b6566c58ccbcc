"""Reporting periods as answers say them."""

from __future__ import annotations

import calendar

_MONTHS = {name.lower() for name in calendar.month_name if name}


def period_words(period: str) -> str:
    """A named period ("this_quarter", "august", "q4") as an answer says it: "this quarter", "in August", "in Q4"."""
    if period in _MONTHS or period in ("q1", "q2", "q3", "q4"):
        return f"in {period.capitalize()}"
    return period.replace("_", " ")
