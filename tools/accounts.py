"""Account tools: find, 360-degree view with roll-ups, create, update."""

from __future__ import annotations

import uuid

from store.models import Account
from store.models.enums import AccountTier, AccountType
from store.schemas import AccountUpdate
from store.serialize import ref, to_dict
from store.services import AccountService, ViewService
from tools.context import ToolContext
from tools.registry import ToolResult, tool


@tool(area="accounts")
async def search_accounts(ctx: ToolContext, query: str | None = None, limit: int = 10) -> ToolResult:
    """List accounts (companies) by name.

    Args:
        query: part of the account name
        limit: at most this many accounts
    """
    accounts, total = await AccountService(ctx.session, ctx.actor).search(q=query, limit=min(limit, 50))
    return ToolResult(
        data={
            "total": total,
            "accounts": [
                {"id": str(a.id), "name": a.account_name, "type": a.type.value, "tier": a.tier and a.tier.value}
                for a in accounts
            ],
        },
        refs=[ref(a) for a in accounts],
    )


@tool(area="accounts", untrusted=("subject",))
async def get_account(ctx: ToolContext, account_id: uuid.UUID) -> ToolResult:
    """An account's 360-degree view: profile, parent and children, contacts, deals, open tickets, roll-ups and timeline.

    Args:
        account_id: the account's id (from search_crm)
    """
    view = await ViewService(ctx.session, ctx.actor).account_360(account_id)
    refs = [{"type": "account", "id": view["account"]["id"], "name": view["account"]["name"]}]
    refs += [{"type": "deal", "id": d["id"], "name": d["deal_name"]} for d in view["deals"]]
    refs += [{"type": "contact", "id": c["id"], "name": c["name"]} for c in view["contacts"]]
    return ToolResult(data=view, refs=refs)


@tool(area="accounts", writes=True, summary="Create account {account_name}[ ({industry})][, {employees} employees]")
async def create_account(
    ctx: ToolContext,
    account_name: str,
    *,
    industry: str | None = None,
    type: AccountType | None = None,
    tier: AccountTier | None = None,
    website: str | None = None,
    employees: int | None = None,
    parent_account_id: uuid.UUID | None = None,
) -> ToolResult:
    """Create an account (a company), optionally as a child of a parent account.

    Args:
        account_name: the company name (unique)
        industry: industry
        type: prospect, customer, partner or vendor
        tier: enterprise, mid-market, smb or startup
        website: website URL
        employees: number of employees
        parent_account_id: the parent account, for subsidiaries
    """
    data = {k: v for k, v in locals().items() if k != "ctx" and v is not None}
    account = await AccountService(ctx.session, ctx.actor).create(data)
    return ToolResult(
        data={"id": str(account.id), "name": account.account_name, "account_number": account.account_number},
        refs=[ref(account)],
    )


@tool(
    area="accounts",
    writes=True,
    target=(Account.record_type, "account_id"),
    summary="Update account {target}: {changes}",
)
async def update_account(ctx: ToolContext, account_id: uuid.UUID, changes: AccountUpdate) -> ToolResult:
    """Change some of an account's fields.

    Args:
        account_id: the account's id
        changes: only the fields to change, with their new values
    """
    account = await AccountService(ctx.session, ctx.actor).update(account_id, changes)
    return ToolResult(data=to_dict(account), refs=[ref(account)])
