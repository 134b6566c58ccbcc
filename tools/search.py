"""One search over people, companies and deals: how names in a request become real records."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Literal, cast

from rapidfuzz import fuzz
from sqlalchemy import func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from store.access import allowed
from store.models import Account, Contact, Deal, Lead
from store.models.enums import LeadStatus
from store.serialize import ref
from store.services.visibility import owner_visible
from tools.context import ToolContext
from tools.registry import ToolResult, tool

RecordKind = Literal["contact", "lead", "account", "deal"]
Record = Contact | Lead | Account | Deal
# kind -> (model, permission area, owner column, the name columns)
SOURCES: dict[RecordKind, tuple[type[Record], str, InstrumentedAttribute[uuid.UUID | None], Callable[[], list[InstrumentedAttribute[str | None]]]]] = {
    "contact": (Contact, "contacts", Contact.owner_id, lambda: [Contact.first_name, Contact.last_name, Contact.email]),
    "lead": (Lead, "leads", Lead.assigned_to_id, lambda: [Lead.first_name, Lead.last_name, Lead.email, Lead.company]),
    "account": (Account, "accounts", Account.account_owner_id, lambda: [Account.account_name]),
    "deal": (Deal, "deals", Deal.owner_id, lambda: [Deal.deal_name]),
}
TYPO_SIMILARITY = 0.3  # pg_trgm word_similarity of a misspelt word to the name it means ("smyth" ~ "Tom Smith": 0.33)
STOP = {"the", "a", "an", "deal", "lead", "account", "contact", "at", "of", "for", "corp", "inc"}


_SUFFIX = re.compile(r"[\s,]+(corp|corporation|inc|llc|ltd|limited|co|group|gmbh|plc)\.?$", re.I)


def _core(name: str) -> str:
    """A name without its company suffix, lower-cased: "Acme Corp" -> "acme"."""
    return _SUFFIX.sub("", name.strip()).lower()


def _label(record: Record, companies: dict[uuid.UUID, str] | None = None) -> str:
    """The name and what tells two such records apart: a lead's company, a contact's title, account and email."""
    if isinstance(record, Contact):
        company = (companies or {}).get(record.account_id) if record.account_id else None
        where = " at ".join(part for part in (record.title, company) if part)
        return " ".join(part for part in (record.name, where and f"{where},", record.email) if part)
    extra = getattr(record, "company", None) or getattr(record, "email", None) or ""
    return f"{record.name} {extra}"


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
    words = [w for w in query.replace(",", " ").split() if w.lower() not in STOP and len(w) > 1] or query.split()
    found: list[tuple[bool, float, RecordKind, Record]] = []
    for kind in types or list(SOURCES):
        model, area, owner, columns = SOURCES[kind]
        if not allowed(ctx.actor, area, "read"):
            continue
        match = or_(*[col.ilike(f"%{w}%") for col in columns() for w in words])
        stmt = select(model).where(match, owner_visible(ctx.actor, owner))
        if model is Lead:
            stmt = stmt.where(Lead.status != LeadStatus.converted)
        rows = list(await ctx.session.scalars(stmt.limit(50)))
        typos = [w for w in words if len(w) > 3]
        if not rows and typos:  # no word as written: a misspelt name ("brightfeild") by trigram similarity (pg_trgm)
            near = or_(*[func.word_similarity(w.lower(), func.lower(col)) >= TYPO_SIMILARITY for col in columns() for w in typos])
            fuzzy = select(model).where(near, owner_visible(ctx.actor, owner))
            if model is Lead:
                fuzzy = fuzzy.where(Lead.status != LeadStatus.converted)
            rows = list(await ctx.session.scalars(fuzzy.limit(50)))
        for record in cast(list[Record], rows):  # select() over a union of models types its rows as their base
            exact = _core(record.name) == _core(query)  # "Acme" names "Acme Corp" exactly, not "Acme UK"
            score = 100 if exact else max(fuzz.WRatio(query, record.name), fuzz.token_set_ratio(query, _label(record)))
            found.append((exact, score, kind, record))
    account_ids = {r.account_id for _, _, _, r in found if isinstance(r, Contact) and r.account_id}
    companies = dict((await ctx.session.execute(select(Account.id, Account.account_name).where(Account.id.in_(account_ids)))).all()) \
        if account_ids else {}
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    best = found[: max(1, min(limit, 20))]
    return ToolResult(
        data=[{"type": kind, "id": str(r.id), "name": r.name, "score": round(score), "exact": exact,
               "detail": _label(r, companies).removeprefix(r.name).strip(), "mine": getattr(r, SOURCES[kind][2].key) == ctx.actor.user_id}
              for exact, score, kind, r in best],
        refs=[ref(r) for _, _, _, r in best],
    )
