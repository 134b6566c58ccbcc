"""Reporting periods as answers say them."""

from __future__ import annotations

import calendar

_MONTHS = {name.lower() for name in calendar.month_name if name}


def period_words(period: str) -> str:
    """A named period ("this_quarter", "august") as an answer says it: "this quarter", "in August"."""
    return f"in {period.capitalize()}" if period in _MONTHS else period.replace("_", " ")
