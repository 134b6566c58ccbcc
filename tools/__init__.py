"""Typed tool functions over the services, registered into one toolset (`TOOLSET`).

Every module of this package is imported here, in name order, so a module's `@tool` functions register themselves:
a new area is a new module, with no list to edit."""

import importlib
import pkgutil

from tools.context import ToolContext
from tools.registry import TOOLSET, Tool, ToolResult, Toolset, tool

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["TOOLSET", "Tool", "ToolContext", "ToolResult", "Toolset", "tool"]
