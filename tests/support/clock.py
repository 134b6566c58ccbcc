"""The injected clock: a test reads "now" from store.clock, pinned here, never from the machine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from store.clock import pinned

# Seven consecutive days, Monday to Sunday, each at another hour (00:30, 07:30, ... 18:30, 23:59 on Sunday):
# a date-sensitive test runs on each with `@EACH_DAY_OF_A_WEEK`, so it passes on any weekday and hour.
WEEK = [datetime(2026, 6, 8, 0, 30, tzinfo=UTC) + timedelta(days=i, hours=7 * (i % 4)) for i in range(6)]
WEEK.append(datetime(2026, 6, 14, 23, 59, tzinfo=UTC))
DEFAULT_NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # a Wednesday morning
EACH_DAY_OF_A_WEEK = pytest.mark.parametrize("clock", WEEK, indirect=True, ids=lambda at: at.strftime("%a%H%M"))


@pytest.fixture
def clock(request) -> Iterator[datetime]:
    """store.clock pinned for the test: to the parametrized moment (EACH_DAY_OF_A_WEEK), else to DEFAULT_NOW.

    Request it before the fixtures that seed data, so the data is built at that moment too.
    """
    with pinned(getattr(request, "param", DEFAULT_NOW)) as at:
        yield at
