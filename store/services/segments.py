"""Dynamic list filters: JSON data validated by pydantic, compiled to one SQL condition over contacts.

A filter is a rule `{"field": "account.tier", "op": "eq", "value": "enterprise"}` or a group
`{"and": [...]}` / `{"or": [...]}` of filters. Fields name contact, account (the contact's), lead (the
lead the contact came from, by conversion or email) and activity columns; `FIELDS` lists them with
the operators each takes. `condition` turns a filter into a WHERE clause over `contacts` joined to its
account (`audience`), so a list is always evaluated by the database, never by loading rows here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator
from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select, true

from store.errors import InvalidInput, located
from store.models import Account, Contact, Lead, MassEmailSend
from store.models.enums import AccountTier, AccountType, CustomerStatus, LeadSource, LeadStatus, LifecycleStage

Op = Literal[
    "eq",
    "ne",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_empty",
    "is_not_empty",
    "within_days",
    "not_within_days",
]
TEXT_OPS = ("eq", "ne", "in", "not_in", "contains", "not_contains", "starts_with", "is_empty", "is_not_empty")
CHOICE_OPS = ("eq", "ne", "in", "not_in", "is_empty", "is_not_empty")
NUMBER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "is_empty", "is_not_empty")
MOMENT_OPS = ("within_days", "not_within_days", "is_empty", "is_not_empty")
EVENT_OPS = ("within_days", "not_within_days")


@dataclass(frozen=True)
class Field_:
    """One filterable field: its column (or, for events, a condition builder) and its kind."""

    kind: str  # text, choice, number, moment, event
    column: Any = None
    choices: type[Enum] | None = None
    on: str = "contact"  # contact (contacts/accounts columns) or lead (a lead the contact came from)
    event: Callable[[datetime], ColumnElement[bool]] | None = None

    @property
    def ops(self) -> tuple[str, ...]:
        return {"text": TEXT_OPS, "choice": CHOICE_OPS, "number": NUMBER_OPS, "moment": MOMENT_OPS, "event": EVENT_OPS}[
            self.kind
        ]


def _opened_since(since: datetime) -> ColumnElement[bool]:
    return exists().where(MassEmailSend.contact_id == Contact.id, MassEmailSend.opened_at >= since)


FIELDS: dict[str, Field_] = {
    "contact.first_name": Field_("text", Contact.first_name),
    "contact.last_name": Field_("text", Contact.last_name),
    "contact.email": Field_("text", Contact.email),
    "contact.title": Field_("text", Contact.title),
    "contact.department": Field_("text", Contact.department),
    "contact.lifecycle_stage": Field_("choice", Contact.lifecycle_stage, LifecycleStage),
    "contact.customer_status": Field_("choice", Contact.customer_status, CustomerStatus),
    "contact.created_at": Field_("moment", Contact.created_at),
    "contact.last_activity": Field_("moment", Contact.last_activity),  # "no activity in 90 days": not_within_days 90
    "account.name": Field_("text", Account.account_name),
    "account.industry": Field_("text", Account.industry),
    "account.tier": Field_("choice", Account.tier, AccountTier),
    "account.type": Field_("choice", Account.type, AccountType),
    "account.country": Field_("text", Account.billing_address["country"].astext),
    "account.employees": Field_("number", Account.employees),
    "account.annual_revenue": Field_("number", Account.annual_revenue),
    "account.health_score": Field_("number", Account.health_score),
    "lead.score": Field_("number", Lead.score, on="lead"),
    "lead.source": Field_("choice", Lead.source, LeadSource, on="lead"),
    "lead.status": Field_("choice", Lead.status, LeadStatus, on="lead"),
    "lead.industry": Field_("text", Lead.industry, on="lead"),
    "lead.company_size": Field_("text", Lead.company_size, on="lead"),
    "activity.campaign_email_opened": Field_("event", event=_opened_since),  # "opened any campaign email in 30 days"
}


class Rule(BaseModel):
    """One condition: a field of `FIELDS`, an operator it takes, and a value of its kind."""

    model_config = ConfigDict(extra="forbid")

    field: str
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _typed(self) -> Rule:
        spec = FIELDS.get(self.field)
        if spec is None:
            raise ValueError(f"field: unknown field '{self.field}'; one of {', '.join(FIELDS)}")
        if self.op not in spec.ops:
            raise ValueError(
                f"op: '{self.op}' does not apply to {self.field} ({spec.kind}); use one of {', '.join(spec.ops)}"
            )
        self.value = _value(spec, self.op, self.value)
        return self


def _value(spec: Field_, op: str, value: Any) -> Any:
    """The rule's value checked against the field's kind (ValueError naming `value`)."""
    if op in ("is_empty", "is_not_empty"):
        return None
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"value: '{op}' needs a non-empty list")
        return [_one(spec, v) for v in value]
    if op in ("within_days", "not_within_days"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 3650:
            raise ValueError("value: a whole number of days between 1 and 3650")
        return value
    return _one(spec, value)


def _one(spec: Field_, value: Any) -> Any:
    if spec.kind == "choice":
        allowed = [m.value for m in spec.choices]  # type: ignore[union-attr]
        if value not in allowed:
            raise ValueError(f"value: '{value}' is not one of {', '.join(allowed)}")
        return value
    if spec.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("value: a number is needed")
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            raise ValueError(f"value: '{value}' is not a number") from None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValueError(f"value: '{value}' is not a number below 10^15")
        return number
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError("value: a text of 1 to 200 characters is needed")
    return value.strip()


def _kind(data: Any) -> str:
    return "group" if isinstance(data, dict) and ("and" in data or "or" in data) else "rule"


Node = Annotated[Annotated[Rule, Tag("rule")] | Annotated["Group", Tag("group")], Discriminator(_kind)]


class Group(BaseModel):
    """All (`and`) or any (`or`) of its filters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    all_of: list[Node] | None = Field(None, alias="and", min_length=1, max_length=50)
    any_of: list[Node] | None = Field(None, alias="or", min_length=1, max_length=50)

    @model_validator(mode="after")
    def _one_kind(self) -> Group:
        if (self.all_of is None) == (self.any_of is None):
            raise ValueError("a group has exactly one of 'and' or 'or'")
        return self


class Filter(BaseModel):
    """A whole list filter (the JSON stored in `contact_lists.criteria`)."""

    root: Node


def parse_filter(data: Any, *, field: str = "criteria") -> Rule | Group:
    """The validated filter, or InvalidInput naming the place in it (`criteria.and.1.field`) and the reason."""
    try:
        return Filter.model_validate({"root": data}).root
    except ValidationError as err:
        first = err.errors()[0]
        place = ".".join(str(p) for p in first["loc"][1:] if p not in ("rule", "group"))
        place = place.replace("all_of", "and").replace("any_of", "or")
        reason = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            reason = "is not a known key (a rule has field, op, value; a group has 'and' or 'or')"
        where, why = located(".".join(filter(None, (field, place))), reason)
        raise InvalidInput(where, why) from None


def dump(node: Rule | Group) -> dict[str, Any]:
    """The filter as JSON data (what is stored)."""
    if isinstance(node, Rule):
        value = node.value
        value = [str(v) if isinstance(v, Decimal) else v for v in value] if isinstance(value, list) else value
        return {"field": node.field, "op": node.op, "value": str(value) if isinstance(value, Decimal) else value}
    key, items = ("and", node.all_of) if node.all_of is not None else ("or", node.any_of)
    return {key: [dump(n) for n in items or []]}


def condition(node: Rule | Group, now: datetime) -> ColumnElement[bool]:
    """The filter as a condition over `audience()`'s rows (relative days counted back from `now`)."""
    if isinstance(node, Group):
        parts = [condition(n, now) for n in (node.all_of if node.all_of is not None else node.any_of) or []]
        return and_(true(), *parts) if node.all_of is not None else or_(false(), *parts)
    spec = FIELDS[node.field]
    if spec.kind == "event":
        since = now - timedelta(days=node.value)
        hit = spec.event(since)  # type: ignore[misc]
        return hit if node.op == "within_days" else not_(hit)
    test = _compare(spec, node.op, node.value, now)
    if spec.on == "lead":  # two uncorrelated sets (hashed once), not a lookup of the leads per contact
        return or_(
            Contact.id.in_(select(Lead.converted_contact_id).where(test, Lead.converted_contact_id.is_not(None))),
            Contact.email.in_(select(Lead.email).where(test, Lead.email.is_not(None))),
        )
    return test


def _compare(spec: Field_, op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    col = spec.column
    if op == "is_empty":
        return or_(col.is_(None), func.trim(col) == "") if spec.kind == "text" else col.is_(None)
    if op == "is_not_empty":
        return and_(col.is_not(None), func.trim(col) != "") if spec.kind == "text" else col.is_not(None)
    if op in ("within_days", "not_within_days"):
        recent = col >= now - timedelta(days=value)
        return recent if op == "within_days" else or_(col.is_(None), not_(recent))
    if spec.kind == "text":
        col, value = func.lower(col), [v.lower() for v in value] if isinstance(value, list) else value.lower()
    positive: ColumnElement[bool] = {
        "eq": lambda: col == value,
        "ne": lambda: col == value,
        "in": lambda: col.in_(value),
        "not_in": lambda: col.in_(value),
        "contains": lambda: col.contains(value, autoescape=True),
        "not_contains": lambda: col.contains(value, autoescape=True),
        "starts_with": lambda: col.startswith(value, autoescape=True),
        "gt": lambda: col > value,
        "gte": lambda: col >= value,
        "lt": lambda: col < value,
        "lte": lambda: col <= value,
    }[op]()
    if op in ("ne", "not_in", "not_contains"):  # "is not X" includes the records where it is empty
        return or_(spec.column.is_(None), not_(positive))
    return positive


def audience(*columns: Any) -> Select[*tuple[Any, ...]]:
    """Contacts with their account: the rows a filter's condition reads (their ids, or the given columns)."""
    return select(*(columns or (Contact.id,))).select_from(Contact).outerjoin(Account, Account.id == Contact.account_id)


def fields_catalog() -> list[dict[str, Any]]:
    """The filterable fields, their kind, operators and allowed values (for clients and the assistant)."""
    return [
        {
            "field": name,
            "kind": f.kind,
            "ops": list(f.ops),
            **({"values": [m.value for m in f.choices]} if f.choices else {}),
        }
        for name, f in FIELDS.items()
    ]


# The spec's rule (a contact at an enterprise-tier account is "added to Enterprise Prospects automatically").
ENTERPRISE_PROSPECTS = {"and": [{"field": "account.tier", "op": "eq", "value": "enterprise"}]}
