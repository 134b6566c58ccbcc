"""Chromium for the browser tests: Debian's build driven by Playwright, and a page that records its script errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module (import this fixture into the module that uses it)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def watched(page: Page) -> Page:
    """Collect the page's script errors (checked by `no_script_errors`); refused requests are asserted by the tests."""
    errors: list[str] = []

    def console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.script_errors = errors  # type: ignore[attr-defined]
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", console)
    return page


def no_script_errors(page: Page) -> None:
    assert page.script_errors == [], page.script_errors  # type: ignore[attr-defined]
