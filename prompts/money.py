"""Money as people say it: presentation shared by the templates, the CLI, Slack and the store's texts."""

from __future__ import annotations

from decimal import Decimal


def money_short(amount: Decimal | float | int, currency: str = "USD") -> str:
    """Amounts the way people say them: $950, $12.5K, $2.6M."""
    symbol = "$" if currency == "USD" else f"{currency} "
    value = float(amount)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"{symbol}{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{symbol}{value:,.0f}"


def money_exact(amount: Decimal | float | int | str, currency: str = "USD") -> str:
    """An amount to the cent, as a price list shows it: $50,000, $49.50."""
    symbol = "$" if currency == "USD" else f"{currency} "
    value = Decimal(str(amount))
    return f"{symbol}{value:,.0f}" if value == value.to_integral_value() else f"{symbol}{value:,.2f}"
