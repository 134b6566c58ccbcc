"""Prompt and answer templates: one file each, rendered with Jinja2; a missing variable is an error."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined

from prompts.money import money_exact, money_short
from prompts.periods import period_words

HERE = Path(__file__).parent
RESTRICTED = "restricted"


def _money(value: Any, currency: str = "USD") -> str:
    """Money as people say it. A value the reader may not see is absent after redaction: it reads "restricted"."""
    if isinstance(value, Undefined):
        return RESTRICTED
    return money_short(value, currency)


def _price(value: Any, currency: str = "USD") -> str:
    """A price to the cent ("restricted" when redacted, as `_money`)."""
    if isinstance(value, Undefined):
        return RESTRICTED
    return money_exact(value, currency)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters["money"] = _money
    env.filters["price"] = _price
    env.filters["period"] = period_words
    return env


def render(template: str, /, **variables: Any) -> str:
    """Render `template` (a path under prompts/, e.g. "system/rep.md")."""
    return _env().get_template(template).render(**variables).strip()


def exists(name: str) -> bool:
    return (HERE / name).is_file()
