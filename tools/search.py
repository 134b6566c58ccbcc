"""The search tool: how names in a request become real records (the matching is `CrmSearchService`'s)."""

from __future__ import annotations

from store.serialize import ref
from store.services.crm_search import CrmSearchService, RecordKind
from tools.context import ToolContext
from tools.registry import ToolResult, tool


@tool(area="search")
async def search_crm(ctx: ToolContext, query: str, types: list[RecordKind] | None = None, limit: int = 5) -> ToolResult:
    """Find contacts, leads, accounts and deals by name, email or company (fuzzy).

    Use this first whenever the user names a person, company or deal, to get its id.
    `exact` marks a match of the whole name; two close matches without one mean the name is
    ambiguous: ask the user which one.

    Args:
        query: the name, email or company as the user wrote it
        types: restrict to these record types; all types when omitted
        limit: how many matches to return
    """
    best = await CrmSearchService(ctx.session, ctx.actor).search(query, types=types, limit=limit)
    return ToolResult(
        data=[
            {
                "type": m.kind,
                "id": str(m.record.id),
                "name": m.record.name,
                "score": round(m.score),
                "exact": m.exact,
                "detail": m.detail,
                "mine": m.mine,
            }
            for m in best
        ],
        refs=[ref(m.record) for m in best],
    )
