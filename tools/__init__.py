"""Typed tool functions over the services, registered into one toolset (`TOOLSET`)."""

from tools import (  # noqa: F401 - registers the tools
    account_insights,
    accounts,
    catalog,
    commissions,
    contacts,
    deals,
    emails,
    inbox,
    insights,
    kb,
    leads,
    marketing,
    reports,
    scoring,
    search,
    summaries,
    tickets,
    work,
)
from tools.context import ToolContext
from tools.registry import TOOLSET, Tool, ToolResult, Toolset, tool

__all__ = ["TOOLSET", "Tool", "ToolContext", "ToolResult", "Toolset", "tool"]
