"""The web console at /console: server-rendered pages (Jinja2, htmx) over the same services as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from bots.web.data import DATA
from bots.web.inbox import INBOX
from bots.web.pages import PAGES
from bots.web.render import PAGE_HANDLERS
from bots.web.session import PATH, console_actor, csrf_guard
from prompts.money import money_short

HERE = Path(__file__).parent
STATIC = HERE / "static"


def _filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["money"] = lambda amount, currency="USD": (
        "" if amount is None else money_short(amount, currency)
    )


def template_config() -> TemplateConfig:
    """Jinja2 over bots/web/templates (autoescaped), with a `money` filter ($12.5K)."""
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_filters)


def console_routers(signing_key: bytes) -> list[Any]:
    """The pages (errors as HTML messages), the dashboards' JSON (errors as problem+json) and the vendored static files."""
    user = {"user": Provide(console_actor)}
    pages = Router(
        path=PATH,
        route_handlers=[*PAGES, *INBOX],
        dependencies=user,
        guards=[csrf_guard(signing_key)],
        exception_handlers=PAGE_HANDLERS,  # type: ignore[arg-type]
        include_in_schema=False,
    )
    data = Router(path=f"{PATH}/data", route_handlers=DATA, dependencies=user, include_in_schema=False)
    static = create_static_files_router(
        path=f"{PATH}/static", directories=[STATIC], include_in_schema=False, cache_control=None
    )
    return [pages, data, static]
