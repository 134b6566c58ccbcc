"""Business time: due times counted in working hours (Monday-Friday, NEXA_BUSINESS_HOURS, UTC)."""

from __future__ import annotations

from datetime import datetime, timedelta


def _open(day: datetime, hours: tuple[int, int]) -> datetime:
    return day.replace(hour=hours[0], minute=0, second=0, microsecond=0)


def _close(day: datetime, hours: tuple[int, int]) -> datetime:
    return day.replace(hour=hours[1], minute=0, second=0, microsecond=0)


def next_open(moment: datetime, hours: tuple[int, int]) -> datetime:
    """`moment` if it falls in business hours, else the next opening time."""
    while moment.weekday() >= 5 or moment >= _close(moment, hours):
        moment = _open(moment + timedelta(days=1), hours)
    return max(moment, _open(moment, hours))


def add_business_hours(start: datetime, amount: float, hours: tuple[int, int]) -> datetime:
    """The moment `amount` working hours after `start` (time outside business hours does not count)."""
    moment, left = next_open(start, hours), timedelta(hours=amount)
    while left > timedelta(0):
        today_left = _close(moment, hours) - moment
        if left <= today_left:
            return moment + left
        left -= today_left
        moment = next_open(_close(moment, hours), hours)
    return moment


def add_business_days(start: datetime, days: int, hours: tuple[int, int]) -> datetime:
    """End of business `days` working days after `start` (1: by the close of the next working day)."""
    moment = next_open(start, hours)
    for _ in range(days):
        moment = next_open(_close(moment, hours), hours)
    return _close(moment, hours)
