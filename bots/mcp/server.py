"""Nexa as an MCP server, on the official `mcp` SDK's low-level `Server`.

A client sees the tools the caller's role may use in chat (same schemas and descriptions, read tools annotated
read-only), plus `approve_action` and `reject_action`. Calls go through `Agent.invoke`: a read runs; a write
is checked, dry-run and stored as a pending action, applied only by an explicit `approve_action(approval_id)`,
with the stale re-check. Everything lands in the audit trail under channel `mcp`. The caller is fixed for stdio
(`nexa mcp --as EMAIL`); over HTTP every request carries the user's bearer token, checked as the API checks it.
The help-center articles the caller may read are resources (`nexa://kb/articles/{id}`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import mcp_types as types
from litestar.exceptions import NotAuthorizedException
from mcp.server import Server

from assistant.agent import Agent
from assistant.events import Outcome
from bots.http.auth import caller
from store.access import Actor, allowed
from store.db import Database
from store.errors import DomainError, PermissionDenied
from store.knowledge.articles import readable_article, readable_articles
from store.models.enums import Channel
from store.services.audit import audit
from store.services.conversations import ConversationService

ARTICLE_URI = "nexa://kb/articles/"
INSTRUCTIONS = (
    "Nexa is a CRM. Read tools answer at once. A tool that changes the CRM or sends email does not act: it returns "
    "a pending action with an approval_id and a summary. Show the summary to the user and, only if they agree, call "
    "approve_action with that approval_id (reject_action otherwise). If the record changed in between, the approval is "
    "refused as stale: read it again and propose anew."
)
APPROVAL_SCHEMA = {
    "type": "object",
    "properties": {"approval_id": {"type": "string", "description": "The approval_id a write returned."}},
    "required": ["approval_id"],
    "additionalProperties": False,
}
DECISIONS = {
    "approve_action": (
        (
            "Apply a write proposed earlier (by its approval_id), after the user agreed to its summary. "
            "Refused if the record changed since the proposal (stale) or the action was already decided."
        ),
        True,
    ),
    "reject_action": ("Drop a write proposed earlier (by its approval_id) that the user does not want.", False),
}


class Unauthorized(Exception):
    """The request's bearer token is missing, unknown or revoked."""


class NexaMCP:
    """The MCP server over one database and agent; `actor` fixes the caller (stdio), else tokens name it (HTTP)."""

    def __init__(self, db: Database, agent: Agent, *, actor: Actor | None = None) -> None:
        self.db, self.agent = db, agent
        self.actor = replace(actor, channel=Channel.mcp) if actor is not None else None
        self.server: Server[Any] = Server(
            "nexa",
            version="1.0.0",
            title="Nexa CRM",
            instructions=INSTRUCTIONS,
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_list_resources=self.list_resources,
            on_read_resource=self.read_resource,
        )

    async def caller_of(self, request: Any) -> Actor:
        """The caller: the fixed one, or the user whose bearer token the HTTP request carries."""
        if self.actor is not None:
            return self.actor
        if request is None:
            raise Unauthorized("no caller: run `nexa mcp --as EMAIL` or send a bearer token")
        async with self.db.session() as session:
            try:
                return replace(await caller(request, session), channel=Channel.mcp)
            except NotAuthorizedException as err:
                raise Unauthorized(err.detail) from None

    async def list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        actor = await self.caller_of(ctx.request)
        tools = self.agent.tools_for(actor)
        listed = [
            types.Tool(
                name=t.name,
                description=t.spec.description,
                input_schema=t.spec.parameters,
                annotations=types.ToolAnnotations(
                    read_only_hint=not t.writes, destructive_hint=False, open_world_hint=t.area == "emails" and t.writes
                ),
            )
            for t in tools.values()
        ]
        if any(t.writes for t in tools.values()):
            listed += [
                types.Tool(
                    name=name,
                    description=text,
                    input_schema=APPROVAL_SCHEMA,
                    annotations=types.ToolAnnotations(read_only_hint=False, destructive_hint=applies),
                )
                for name, (text, applies) in DECISIONS.items()
            ]
        return types.ListToolsResult(tools=listed)

    async def call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        actor = await self.caller_of(ctx.request)
        arguments = dict(params.arguments or {})
        if params.name in DECISIONS:
            return await self._decide(actor, params.name, arguments)
        tool = self.agent.toolset.get(params.name)
        if tool is not None and not allowed(actor, tool.area, "write" if tool.writes else "read"):
            refusal = PermissionDenied(
                tool.area, f"a {actor.role} may not {'write' if tool.writes else 'read'} {tool.area}"
            )
            async with self.db.session() as session:
                await audit(
                    session,
                    actor,
                    action=f"tool:{params.name}",
                    arguments=arguments,
                    status="refused",
                    error=str(refusal),
                )
            return _result({"ok": False, "error": refusal.to_dict()}, error=True)
        outcome = await self.agent.invoke(actor, params.name, arguments, external_ref=_conversation_ref(actor))
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=outcome.content)], is_error=not outcome.ok
        )

    async def _decide(self, actor: Actor, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        approval = arguments.get("approval_id")
        if not isinstance(approval, str) or set(arguments) != {"approval_id"}:
            return _result(
                {
                    "ok": False,
                    "error": {
                        "code": "invalid",
                        "field": "approval_id",
                        "reason": "give exactly one argument, approval_id (a string)",
                    },
                },
                error=True,
            )
        try:
            async with self.db.session() as session:
                conversation = await ConversationService(session, actor).open(
                    None, external_ref=_conversation_ref(actor)
                )
                conversation_id = conversation.id
            result = await self.agent.decide(actor, conversation_id, approval, name == "approve_action")
        except DomainError as err:
            return _result({"ok": False, "error": err.to_dict()}, error=True)
        # approve: applied (not stale, failed or decided before); reject: cancelled now
        ok = result.outcome is (Outcome.applied if name == "approve_action" else Outcome.declined)
        return _result({"ok": ok, "outcome": result.answer, "status": result.outcome.value}, error=not ok)

    async def list_resources(self, ctx: Any, params: Any) -> types.ListResourcesResult:
        actor = await self.caller_of(ctx.request)
        async with self.db.session() as session:
            articles = await readable_articles(session, actor)
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    name=a.title,
                    title=a.title,
                    uri=f"{ARTICLE_URI}{a.id}",
                    mime_type="text/markdown",
                    description=f"{a.visibility.value} help-center article",
                )
                for a in articles
            ]
        )

    async def read_resource(self, ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        actor = await self.caller_of(ctx.request)
        uri = str(params.uri)
        async with self.db.session() as session:
            article = await readable_article(
                session, actor, uri.removeprefix(ARTICLE_URI) if uri.startswith(ARTICLE_URI) else ""
            )
        return types.ReadResourceResult(
            contents=[
                types.TextResourceContents(
                    uri=uri, mime_type="text/markdown", text=f"# {article.title}\n\n{article.content}"
                )
            ]
        )


def _conversation_ref(actor: Actor) -> str:
    """One MCP conversation per user holds its pending actions."""
    return f"mcp:{actor.user_id}"


def _result(data: dict[str, Any], *, error: bool) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(data, default=str))], is_error=error
    )
