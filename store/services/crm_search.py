"""One search over people, companies and deals: how names in a request become real records."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz
from sqlalchemy import func, or_, select

from store.access import allowed, may_see
from store.models import Account, Contact, Deal, Lead
from store.models.enums import LeadStatus
from store.services.base import Service
from store.services.visibility import owner_visible

RecordKind = Literal["contact", "lead", "account", "deal"]
# kind -> (model, area, owner column, the columns a name is matched in)
SOURCES: dict[RecordKind, tuple[Any, str, Any, Callable[[], list[Any]]]] = {
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


def _label(record: Any, companies: dict[Any, str] | None = None) -> str:
    """The name and what tells two such records apart: a lead's company, a contact's title, account and email."""
    if isinstance(record, Contact):
        company = (companies or {}).get(record.account_id)
        where = " at ".join(part for part in (record.title, company) if part)
        return " ".join(part for part in (record.name, where and f"{where},", record.email) if part)
    extra = getattr(record, "company", None) or getattr(record, "email", None) or ""
    return f"{record.name} {extra}"


@dataclass(frozen=True)
class Match:
    """A record a search found: `exact` when it is the whole name, `detail` what tells it apart, `mine` when the caller owns it."""

    kind: RecordKind
    record: Any
    score: float
    exact: bool
    detail: str
    mine: bool


class CrmSearchService(Service):
    """Finding contacts, leads, accounts and deals by name, among those the caller may read."""

    async def search(self, query: str, *, types: list[RecordKind] | None = None, limit: int = 5) -> list[Match]:
        """The best matches of `query` (a name, email or company; misspelt words by trigram similarity), best first;
        converted leads are left out."""
        words = [w for w in query.replace(",", " ").split() if w.lower() not in STOP and len(w) > 1] or query.split()
        found = []
        for kind in types or list(SOURCES):
            model, area, owner, columns = SOURCES[kind]
            if not allowed(self.actor, area, "read"):
                continue
            match = or_(*[col.ilike(f"%{w}%") for col in columns() for w in words])
            stmt = select(model).where(match, owner_visible(self.actor, owner))
            if model is Lead:
                stmt = stmt.where(Lead.status != LeadStatus.converted)
            rows = list(await self.session.scalars(stmt.limit(50)))
            typos = [w for w in words if len(w) > 3]
            if (
                not rows and typos
            ):  # no word as written: a misspelt name ("brightfeild") by trigram similarity (pg_trgm)
                near = or_(
                    *[
                        func.word_similarity(w.lower(), func.lower(col)) >= TYPO_SIMILARITY
                        for col in columns()
                        for w in typos
                    ]
                )
                fuzzy = select(model).where(near, owner_visible(self.actor, owner))
                if model is Lead:
                    fuzzy = fuzzy.where(Lead.status != LeadStatus.converted)
                rows = list(await self.session.scalars(fuzzy.limit(50)))
            for record in rows:
                exact = _core(record.name) == _core(query)  # "Acme" names "Acme Corp" exactly, not "Acme UK"
                score = (
                    100 if exact else max(fuzz.WRatio(query, record.name), fuzz.token_set_ratio(query, _label(record)))
                )
                found.append((exact, score, kind, record))
        account_ids = {r.account_id for _, _, kind, r in found if kind == "contact" and r.account_id}
        companies = (
            dict(
                (
                    await self.session.execute(
                        select(Account.id, Account.account_name).where(Account.id.in_(account_ids))
                    )
                ).all()
            )
            if account_ids
            else {}
        )
        found.sort(key=lambda item: (item[0], item[1]), reverse=True)
        found = found[: max(1, min(limit, 20))]
        people = await self._deal_contacts([r for _, _, kind, r in found if kind == "deal"])
        return [
            Match(
                kind,
                r,
                score,
                exact,
                _deal_detail(r, people, amount=may_see(self.actor, "amount"))
                if kind == "deal"
                else _lead_detail(r)
                if kind == "lead"
                else _label(r, companies).removeprefix(r.name).strip(),
                getattr(r, SOURCES[kind][2].key) == self.actor.user_id,
            )
            for exact, score, kind, r in found
        ]

    async def _deal_contacts(self, deals: list[Deal]) -> dict[Any, str]:
        """The names of the deals' primary contacts, when the caller may read contacts (a deal is told apart by its person)."""
        ids = {d.primary_contact_id for d in deals if d.primary_contact_id}
        if not ids or not allowed(self.actor, "contacts", "read"):
            return {}
        rows = await self.session.execute(
            select(Contact.id, Contact.first_name, Contact.last_name).where(Contact.id.in_(ids))
        )
        return {cid: f"{first} {last}" for cid, first, last in rows}


def _lead_detail(lead: Lead) -> str:
    """What tells two leads of one name apart: the company, after the status when the lead is no longer worked ("lost,
    Atlasgate Group")."""
    company = _label(lead).removeprefix(lead.name).strip()
    done = lead.status in (LeadStatus.lost, LeadStatus.converted)
    return ", ".join(part for part in (lead.status.value if done else "", company) if part)


def _deal_detail(deal: Deal, people: dict[Any, str], *, amount: bool) -> str:
    """What tells two deals with like names apart: the stage, the amount (when the caller may see amounts) and the primary
    contact ("proposal, $20K, with Dev Novak"), so that "the 20k one" can pick it."""
    person = people.get(deal.primary_contact_id)
    parts = [deal.stage.value.replace("_", " ")]
    if amount:
        value = float(deal.amount or 0)
        size = f"${value / 1e6:.1f}M" if value >= 1e6 else f"${value / 1e3:.1f}K" if value >= 1e3 else f"${value:.0f}"
        parts.append(size.replace(".0M", "M").replace(".0K", "K"))
    return ", ".join(parts) + (f", with {person}" if person else "")
