"""The MCP server through the SDK's own client, over streamable HTTP (`nexa serve` at /mcp) and stdio (`nexa mcp`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select

from bots.http.auth import issue_token
from store.models import AuditEntry, Deal, KbArticle
from store.models.enums import Role, Visibility
from store.services import DealService
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.paths import ROOT

pytestmark = pytest.mark.server("plain")


@pytest.fixture(scope="module")
def base(shared_server):
    return shared_server


@pytest.fixture
async def crm(db):
    """A rep with a deal and a token, a support agent with a token, and two articles (one internal)."""
    async with db.session() as s:
        john = await factories.user(s, name="John Smith", email="john@nexa.test", role=Role.rep)
        sam = await factories.user(s, name="Sam Support", email="sam@nexa.test", role=Role.support, team="Support")
        deal = await factories.deal(s, deal_name="Acme Corp - Enterprise Plan", owner_id=john.id, amount=50000)
        for title, visibility in (
            ("Exporting reports", Visibility.public),
            ("Internal: discount policy", Visibility.internal),
        ):
            s.add(
                KbArticle(
                    title=title,
                    source=f"{title}.md",
                    visibility=visibility,
                    content=f"About {title}.",
                    content_hash=title,
                )
            )
        return {"john": await issue_token(s, john), "sam": await issue_token(s, sam), "deal": str(deal.id)}


def http_client(base: str, token: str) -> Client:
    transport = streamable_http_client(
        f"{base}/mcp", http_client=httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    )
    return Client(transport, cache=None)


def data(result) -> dict:
    return json.loads(result.content[0].text)


async def _deal(db, deal_id: str) -> Deal:
    async with db.session() as s:
        return await s.get(Deal, deal_id)


async def _audit(db) -> list[tuple[str, str, str]]:
    async with db.session() as s:
        return [
            (e.channel.value, e.action, e.status) for e in await s.scalars(select(AuditEntry).order_by(AuditEntry.at))
        ]


async def test_http_lists_role_tools_reads_and_writes_only_after_approval(base, crm, db):
    async with http_client(base, crm["john"]) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert {"search_deals", "move_deal_stage", "approve_action", "reject_action"} <= set(tools)
        assert tools["search_deals"].annotations.read_only_hint is True
        assert tools["move_deal_stage"].annotations.read_only_hint is False
        assert tools["move_deal_stage"].input_schema["properties"]["stage"]
        found = await client.call_tool("search_deals", {"query": "Acme"})
        assert not found.is_error and "Acme Corp - Enterprise Plan" in found.content[0].text

        proposed = data(await client.call_tool("move_deal_stage", {"deal_id": crm["deal"], "stage": "proposal"}))
        assert proposed["status"] == "pending_approval" and "proposal" in proposed["summary"]
        assert (await _deal(db, crm["deal"])).stage == "qualification"
        approved = await client.call_tool("approve_action", {"approval_id": proposed["approval_id"]})
        assert not approved.is_error and data(approved)["ok"]
        assert (await _deal(db, crm["deal"])).stage == "proposal"
        twice = await client.call_tool("approve_action", {"approval_id": proposed["approval_id"]})
        assert twice.is_error

        stale = data(await client.call_tool("move_deal_stage", {"deal_id": crm["deal"], "stage": "negotiation"}))
        async with db.session() as s:
            await DealService(s, SYSTEM).update(crm["deal"], {"amount": 60000})
        refused = await client.call_tool("approve_action", {"approval_id": stale["approval_id"]})
        assert refused.is_error and (await _deal(db, crm["deal"])).stage == "proposal"

        rejected = data(await client.call_tool("move_deal_stage", {"deal_id": crm["deal"], "stage": "negotiation"}))
        assert not (await client.call_tool("reject_action", {"approval_id": rejected["approval_id"]})).is_error
        assert (await _deal(db, crm["deal"])).stage == "proposal"

        resources = {r.name: r for r in (await client.list_resources()).resources}
        assert set(resources) == {"Exporting reports", "Internal: discount policy"}
        article = await client.read_resource(str(resources["Exporting reports"].uri))
        assert "About Exporting reports." in article.contents[0].text
    trail = await _audit(db)
    assert ("mcp", "tool:move_deal_stage", "proposed") in trail
    assert ("mcp", "approve:move_deal_stage", "applied") in trail
    assert ("mcp", "approve:move_deal_stage", "stale") in trail
    assert ("mcp", "approve:move_deal_stage", "rejected") in trail


async def test_http_refuses_writes_for_a_role_bad_arguments_and_bad_tokens(base, crm, db):
    async with http_client(base, crm["sam"]) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "search_deals" in names and "move_deal_stage" not in names and "create_ticket" in names
        refused = await client.call_tool("move_deal_stage", {"deal_id": crm["deal"], "stage": "proposal"})
        assert refused.is_error and data(refused)["error"]["code"] == "forbidden"
        deal = data(await client.call_tool("get_deal", {"deal_id": crm["deal"]}))
        assert "amount" not in json.dumps(deal["data"])  # support reads deals without their economics
    async with http_client(base, crm["john"]) as client:
        bad = await client.call_tool("move_deal_stage", {"deal_id": crm["deal"], "stage": "won-ish"})
        assert bad.is_error and data(bad)["error"]["field"] == "stage"
        unknown = await client.call_tool("no_such_tool", {})
        assert unknown.is_error and "unknown tool" in unknown.content[0].text
        missing = await client.call_tool("approve_action", {})
        assert missing.is_error and data(missing)["error"]["field"] == "approval_id"
    assert (await _deal(db, crm["deal"])).stage == "qualification"
    assert ("mcp", "tool:move_deal_stage", "refused") in await _audit(db)
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient() as raw:
        assert (await raw.post(f"{base}/mcp", json=request, headers=headers)).status_code == 401
        wrong = await raw.post(f"{base}/mcp", json=request, headers=headers | {"Authorization": "Bearer nexa_wrong"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")


async def test_stdio_server_for_desktop_clients(database_url, crm, db):
    env = {
        "DATABASE_URL": database_url,
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd())),
    }
    params = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from bots.cli import app; app()", "mcp", "--as", "john@nexa.test"],
        env=env,
        cwd=str(ROOT),
    )
    async with Client(params, cache=None) as client:
        assert "move_deal_stage" in {t.name for t in (await client.list_tools()).tools}
        found = await client.call_tool("get_deal", {"deal_id": crm["deal"]})
        assert not found.is_error and data(found)["data"]["stage"] == "qualification"
        proposed = data(await client.call_tool("move_deal_stage", {"deal_id": crm["deal"], "stage": "proposal"}))
        assert (await _deal(db, crm["deal"])).stage == "qualification"
        assert not (await client.call_tool("approve_action", {"approval_id": proposed["approval_id"]})).is_error
    assert (await _deal(db, crm["deal"])).stage == "proposal"
