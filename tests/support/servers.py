"""Shared `nexa serve` processes: the modules marked `pytest.mark.server(name)` share one server per configuration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.live import SECRET_KEY, SharedServers
from tests.support.smtp import Inbox, smtp_server

SERVERS = SharedServers()


def _server_name(node: pytest.Item | pytest.Module) -> str | None:
    marker = node.get_closest_marker("server")
    return marker.args[0] if marker else None


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules that share a `nexa serve` configuration (`pytest.mark.server`) run one after another, after the rest.

    Under pytest-xdist (`--dist loadgroup`) a module, or all the modules of one shared server, go to one worker: its
    module-scoped servers and browsers start once, and so does each shared server.
    """
    items.sort(key=lambda item: (_server_name(item) is not None, _server_name(item) or ""))
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            name = _server_name(item)
            item.add_marker(pytest.mark.xdist_group(f"server-{name}" if name else item.nodeid.split("::")[0]))


def pytest_sessionfinish() -> None:
    SERVERS.keep(None)


@pytest.fixture(scope="module", autouse=True)
def _only_this_modules_server(request) -> None:
    """A shared server of another configuration stops before this module runs (its worker would take our jobs)."""
    SERVERS.keep(_server_name(request.node))


@pytest.fixture(scope="session")
def mailbox() -> Iterator[tuple[Inbox, str]]:
    """One real SMTP server for the session (the "mail" shared server delivers to it): its inbox and NEXA_SMTP_URL."""
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def shared_server(request, database_url: str) -> str:
    """The base URL of the `nexa serve` named by the module's `pytest.mark.server(name)`, shared by the modules that
    name it: "plain" (the default settings) or "mail" (SMTP to `mailbox`, NEXA_SECRET_KEY=SECRET_KEY, 0.5 s job poll)."""
    name = _server_name(request.node)
    if name == "plain":
        return SERVERS.get(name, database_url)
    if name == "mail":
        url = request.getfixturevalue("mailbox")[1]
        return SERVERS.get(name, database_url, NEXA_SMTP_URL=url, NEXA_SECRET_KEY=SECRET_KEY, NEXA_JOBS_POLL="0.5")
    raise LookupError(f"{request.node.name}: mark the module with pytest.mark.server('plain' or 'mail')")
