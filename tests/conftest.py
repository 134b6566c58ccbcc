"""The suite's map: tests/unit (no database), tests/integration (services, tools and the API in-process, on a real
PostgreSQL), tests/e2e (real processes: `nexa serve`, workers, the CLI, Chromium, Slack and mail servers; marked `e2e`).

Fixtures live in the plugins of tests/support, listed here, and helpers are imported from there by name."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.support.network",
    "tests.support.database",
    "tests.support.clock",
    "tests.support.offline",
    "tests.support.servers",
    "tests.support.browser",
    "tests.support.fake_openai",
    "tests.support.fake_slack",
    "tests.support.marketing",
]

UNIT, E2E = Path(__file__).parent / "unit", Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is marked `e2e` (`pytest -m 'not e2e'` is the quick loop); a unit test that asks
    for the database is a collection error (it belongs in tests/integration)."""
    for item in items:
        if item.path.is_relative_to(E2E):
            item.add_marker(pytest.mark.e2e)
        elif item.path.is_relative_to(UNIT) and "database_url" in getattr(item, "fixturenames", ()):
            raise pytest.UsageError(f"{item.nodeid} uses the database: move it to tests/integration")
