"""Who is calling, and what they may do: enforced by services and tools, never by prompts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar, cast

from store.errors import PermissionDenied
from store.models.enums import Channel


class CallerRole(StrEnum):
    admin = "admin"
    manager = "manager"
    rep = "rep"
    support = "support"
    service = "service"
    customer = "customer"
    system = "system"


R, W = "read", "write"
# area -> role -> allowed operations; record ownership narrows these further (see `can_touch`).
AREA_RIGHTS: dict[str, dict[CallerRole, set[str]]] = {
    "leads": {CallerRole.rep: {R, W}, CallerRole.manager: {R, W}},
    "deals": {CallerRole.rep: {R, W}, CallerRole.manager: {R, W}, CallerRole.support: {R}},
    "contacts": {CallerRole.rep: {R, W}, CallerRole.manager: {R, W}, CallerRole.support: {R}},
    "accounts": {CallerRole.rep: {R, W}, CallerRole.manager: {R, W}, CallerRole.support: {R}},
    "tickets": {CallerRole.support: {R, W}, CallerRole.manager: {R, W}, CallerRole.rep: {R, W}},
    "activities": {
        CallerRole.rep: {R, W},
        CallerRole.manager: {R, W},
        CallerRole.support: {R, W},
    },
    "tasks": {CallerRole.rep: {R, W}, CallerRole.manager: {R, W}, CallerRole.support: {R, W}},
    "pipeline": {CallerRole.rep: {R}, CallerRole.manager: {R}},
    "products": {
        CallerRole.rep: {R},
        CallerRole.manager: {R, W},
        CallerRole.support: {R},
    },  # the catalog: managers price it
    "orders": {
        CallerRole.rep: {R},
        CallerRole.manager: {R},
        CallerRole.support: {R},
    },  # made by closing deals, read per deal owner
    "users": {CallerRole.manager: {R}, CallerRole.rep: {R}, CallerRole.support: {R}},
    "search": {CallerRole.rep: {R}, CallerRole.manager: {R}, CallerRole.support: {R}},
    "kb": {CallerRole.rep: {R}, CallerRole.manager: {R}, CallerRole.support: {R}, CallerRole.customer: {R}},
    "memory": {CallerRole.rep: {R}, CallerRole.manager: {R}, CallerRole.support: {R}},
    "emails": {CallerRole.rep: {R, W}, CallerRole.manager: {R, W}, CallerRole.support: {R, W}},
    "insights": {CallerRole.rep: {R}, CallerRole.manager: {R}, CallerRole.support: {R}},
    "audit": {CallerRole.rep: {R}, CallerRole.manager: {R}, CallerRole.support: {R}},
    # the shared inbox; which inboxes a caller works is decided by team (store/inbox/service.py)
    "inbox": {CallerRole.support: {R, W}, CallerRole.manager: {R, W}, CallerRole.rep: {R, W}},
    "commissions": {CallerRole.rep: {R}, CallerRole.manager: {R, W}},
    "reports": {CallerRole.rep: {R}, CallerRole.manager: {R}},
    # Lists and campaigns are owned like contacts (members shown only as far as each contact is readable);
    # a campaign's mass email is written and sent by managers and admins, not by reps.
    "lists": {CallerRole.rep: {R, W}, CallerRole.manager: {R, W}, CallerRole.support: {R}},
    "campaigns": {CallerRole.rep: {R, W}, CallerRole.manager: {R, W}, CallerRole.support: {R}},
    "mass_email": {CallerRole.rep: {R}, CallerRole.manager: {R, W}},
}
ALL_POWERFUL = {CallerRole.admin, CallerRole.system, CallerRole.service}
# Fields a role may not see on any record it reads: support works tickets, not deal economics.
RESTRICTED_FIELDS: dict[CallerRole, frozenset[str]] = {
    CallerRole.support: frozenset(
        {
            "amount",
            "amount_override",
            "weighted_value",
            "total_mrr",
            "discount_pct",
            "unit_price",
            "total_deal_value",
            "total_deals_value",
            "total_closed_won",
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    """The caller a request runs for: a CRM user, a widget customer or the system itself."""

    role: CallerRole
    user_id: uuid.UUID | None = None
    name: str = "system"
    email: str | None = None
    team: str | None = None
    channel: Channel = Channel.system
    customer_session: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(role=CallerRole.system)

    @classmethod
    def customer(cls, session: str) -> Actor:
        return cls(role=CallerRole.customer, name="customer", channel=Channel.widget, customer_session=session)

    @property
    def label(self) -> str:
        return self.email or self.name

    @property
    def sees_everything(self) -> bool:
        return self.role in ALL_POWERFUL


def allowed(actor: Actor, area: str, op: str) -> bool:
    """True when the caller's role may `op` (read/write) records of `area`."""
    return actor.sees_everything or op in AREA_RIGHTS.get(area, {}).get(actor.role, set())


def require(actor: Actor, area: str, op: str) -> None:
    """Refuse unless the caller's role may `op` (read/write) records of `area`."""
    if not allowed(actor, area, op):
        raise PermissionDenied(area, f"a {actor.role} may not {op} {area}")


def can_touch(actor: Actor, op: str, owner_id: uuid.UUID | None, owner_team: str | None) -> bool:
    """Record-level rule for owned records (leads, deals, contacts, accounts).

    Admins and the system may do anything; managers act on their team's records;
    reps write their own records (and unowned ones) and read their team's;
    support reads everything it may read at all.
    """
    if actor.sees_everything:
        return True
    if owner_id is None or owner_id == actor.user_id:
        return True
    same_team = actor.team is not None and owner_team == actor.team
    if actor.role is CallerRole.manager:
        return same_team
    if actor.role is CallerRole.rep:
        return op == R and same_team
    return op == R and actor.role is CallerRole.support


def check_record(actor: Actor, area: str, op: str, owner_id: uuid.UUID | None, owner_team: str | None) -> None:
    """Refuse unless the caller may `op` this particular record of `area`."""
    require(actor, area, op)
    if not can_touch(actor, op, owner_id, owner_team):
        raise PermissionDenied(area, f"{actor.label} may not {op} this record (it belongs to another owner)")


_Data = TypeVar("_Data")


def may_see(actor: Actor, field: str) -> bool:
    """Whether the caller's role may see a field (not in its RESTRICTED_FIELDS): for text built from a field's value."""
    return field not in RESTRICTED_FIELDS.get(actor.role, frozenset())


def redact(actor: Actor, data: _Data) -> _Data:
    """`data` without the fields the caller's role may not see (at any depth of dicts and lists)."""
    hidden = RESTRICTED_FIELDS.get(actor.role)
    if not hidden:
        return data
    if isinstance(data, dict):
        return cast(
            _Data, {k: redact(actor, v) for k, v in data.items() if k not in hidden}
        )  # the same shape, fewer keys
    if isinstance(data, list):
        return cast(_Data, [redact(actor, v) for v in data])
    return data
