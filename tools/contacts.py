"""Contact tools: find, 360-degree view, create, update."""

from __future__ import annotations

import uuid

from store.models import Contact
from store.schemas import ContactUpdate
from store.serialize import ref, to_dict
from store.services import ContactService, ViewService
from tools.context import ToolContext
from tools.registry import ToolResult, tool


@tool(area="contacts")
async def search_contacts(
    ctx: ToolContext, query: str | None = None, account_id: uuid.UUID | None = None, limit: int = 10
) -> ToolResult:
    """List contacts by free text (name, email, company) or account.

    Args:
        query: free text over name, email and company
        account_id: only contacts of this account
        limit: at most this many contacts
    """
    contacts, total = await ContactService(ctx.session, ctx.actor).search(
        q=query, account_id=account_id, limit=min(limit, 50)
    )
    return ToolResult(
        data={
            "total": total,
            "contacts": [{"id": str(c.id), "name": c.name, "title": c.title, "email": c.email} for c in contacts],
        },
        refs=[ref(c) for c in contacts],
    )


@tool(area="contacts", untrusted=("notes", "subject"))
async def get_contact(ctx: ToolContext, contact_id: uuid.UUID) -> ToolResult:
    """A contact's 360-degree view: profile, account, deals, tickets, tasks, meetings, calls, lists and timeline.

    Args:
        contact_id: the contact's id (from search_crm)
    """
    view = await ViewService(ctx.session, ctx.actor).contact_360(contact_id)
    refs = [{"type": "contact", "id": view["contact"]["id"], "name": view["contact"]["name"]}]
    refs += [{"type": "deal", "id": d["id"], "name": d["deal_name"]} for d in view["deals"]]
    if view["account"]:
        refs.append({"type": "account", "id": view["account"]["id"], "name": view["account"]["name"]})
    return ToolResult(data=view, refs=refs)


@tool(area="contacts", writes=True, summary="Create contact {first_name} {last_name} ({email})")
async def create_contact(
    ctx: ToolContext,
    first_name: str,
    last_name: str,
    email: str,
    *,
    account_id: uuid.UUID | None = None,
    title: str | None = None,
    phone: str | None = None,
    department: str | None = None,
) -> ToolResult:
    """Create a contact, usually at an account.

    Args:
        first_name: first name
        last_name: last name
        email: email address (unique among contacts)
        account_id: the account (company) the contact works for
        title: job title
        phone: phone number
        department: department
    """
    data = {k: v for k, v in locals().items() if k != "ctx" and v is not None}
    contact = await ContactService(ctx.session, ctx.actor).create(data)
    return ToolResult(data={"id": str(contact.id), "name": contact.name}, refs=[ref(contact)])


@tool(
    area="contacts",
    writes=True,
    target=(Contact.record_type, "contact_id"),
    summary="Update contact {target}: {changes}",
)
async def update_contact(ctx: ToolContext, contact_id: uuid.UUID, changes: ContactUpdate) -> ToolResult:
    """Change some of a contact's fields.

    Args:
        contact_id: the contact's id
        changes: only the fields to change, with their new values
    """
    contact = await ContactService(ctx.session, ctx.actor).update(contact_id, changes)
    return ToolResult(data=to_dict(contact), refs=[ref(contact)])
