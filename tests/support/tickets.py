"""A noisy ticket history for the anomaly scans: Poisson tickets per account per day over a scan window."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import numpy as np
from sqlalchemy import insert

from store.intelligence.anomalies import Window
from store.models import Ticket
from tests.support import factories

TODAY = date(2026, 11, 26)  # a Thursday; the scan window is Fri 11-20 to Thu 11-26
WINDOW = Window.ending(TODAY, window_days=7, history_days=56)
DAYS = WINDOW.days()
RATES = {"Acme Corp": 1.0, "Globex": 0.5, "Initech": 2.0, "Umbrella": 3.0, "Hooli": 1.5}  # tickets per day
PRODUCTS = ["Billing", "Mobile app", "API"]
SPIKE_DAY = date(2026, 11, 24)  # a Tuesday


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def ticket(account_id: uuid.UUID | None, day: date, *, product: str | None = None, hour: int = 12) -> dict:
    return {
        "subject": "Something broke",
        "account_id": account_id,
        "product": product,
        "created_at": at(day, hour),
        "updated_at": at(day, hour),
    }


def poisson_tickets(accounts: dict[str, uuid.UUID], *, seed: int) -> list[dict]:
    """Noisy daily tickets per account (Poisson at RATES), each about a random product."""
    rng = np.random.default_rng(seed)
    return [
        ticket(accounts[name], day, product=str(rng.choice(PRODUCTS)), hour=int(rng.integers(0, 24)))
        for name, rate in RATES.items()
        for day in DAYS
        for _ in range(rng.poisson(rate))
    ]


async def accounts_with_tickets(s, *, seed: int) -> tuple[dict[str, uuid.UUID], list[dict]]:
    accounts = {name: (await factories.account(s, account_name=name)).id for name in RATES}
    rows = poisson_tickets(accounts, seed=seed)
    await s.execute(insert(Ticket), rows)
    return accounts, rows
