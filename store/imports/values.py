"""Cell values from other systems' exports, read as ours: money, dates, whole numbers, percentages and lists."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from dateutil import parser as dateutil_parser
from price_parser import Price

SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "CA$": "CAD", "A$": "AUD", "CHF": "CHF"}
DATE_ORDERS = {"iso": "%Y-%m-%d", "us": "%m/%d/%Y", "eu": "%d/%m/%Y"}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T].*)?$")


class CellError(ValueError):
    """A cell that cannot be read as the field's kind; the message is the reason."""


def money(text: str) -> tuple[Decimal, str | None]:
    """`$12,500.00`, `1.234,56 €`, `USD 45,000` -> (amount, ISO currency or None). Negative amounts are refused."""
    stripped = text.strip()
    if stripped.startswith(("-", "(")) or stripped.endswith(")"):
        raise CellError(f"'{text}' is negative; amounts are 0 or more")
    price = Price.fromstring(stripped)
    if price.amount is None:
        raise CellError(f"'{text}' is not an amount")
    code = price.currency.upper() if price.currency else None
    return price.amount.quantize(Decimal("0.01")), SYMBOLS.get(code or "", code if code and len(code) == 3 else None)


def day(text: str, date_format: str | None = None) -> date:
    """A date in ISO (`2025-03-31`), US (`03/31/2025`), EU (`31.03.2025`) or written (`Mar 31, 2025`) form.

    Numeric day/month forms that read both ways (`03/04/2025`) need `date_format` (`us`, `eu`, `iso` or a
    strftime pattern); a time after the date is ignored.
    """
    value = text.strip()
    if date_format:
        pattern = DATE_ORDERS.get(date_format.lower(), date_format)
        candidates = [value, value.split(" ")[0], value.split("T")[0]]
        for candidate in candidates:
            try:
                return datetime.strptime(candidate, pattern).date()
            except ValueError:
                continue
        raise CellError(f"'{text}' does not match the date format {date_format}")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    numeric = _NUMERIC_DATE.match(value)
    if numeric:
        first, second, year = int(numeric.group(1)), int(numeric.group(2)), int(numeric.group(3))
        year += 2000 if year < 100 else 0
        if first <= 12 and second <= 12 and first != second:
            raise CellError(f"'{text}' reads as month/day and as day/month; give --date-format us or eu")
        month, dom = (second, first) if first > 12 else (first, second)
        try:
            return date(year, month, dom)
        except ValueError:
            raise CellError(f"'{text}' is not a date") from None
    try:
        return dateutil_parser.parse(value, default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        raise CellError(f"'{text}' is not a date") from None


def whole(text: str) -> int:
    """`1,200`, `1 200`, `45%`, `12.0` -> an integer."""
    cleaned = re.sub(r"[\s,%'_]", "", text)
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):  # European thousands: 1.200
        cleaned = cleaned.replace(".", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"'{text}' is not a number") from None
    if number != number.to_integral_value():
        raise CellError(f"'{text}' is not a whole number")
    return int(number)


def items(text: str) -> list[str]:
    """`a; b; c` or `a, b` -> a list."""
    return [part.strip() for part in re.split(r"[;,]", text) if part.strip()]


def key(text: str) -> str:
    """A name or value compared loosely: `Closed Won`, `closed-won` and `CLOSED_WON` are alike."""
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")
