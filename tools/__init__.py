"""Typed tool functions over the services, registered into one toolset (`TOOLSET`)."""

from tools import (  # noqa: F401 - registers the tools
    accounts,
    catalog,
    contacts,
    deals,
    emails,
    insights,
    kb,
    leads,
    scoring,
    search,
    summaries,
    tickets,
    work,
)
from tools.context import ToolContext
from tools.registry import TOOLSET, Tool, ToolResult, Toolset, tool

__all__ = ["TOOLSET", "Tool", "ToolContext", "ToolResult", "Toolset", "tool"]
