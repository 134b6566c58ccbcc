"""Which column feeds which field, and a row's cells turned into our typed values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any, get_args

from store.errors import InvalidInput
from store.imports import values as v
from store.imports.presets import COLUMNS, RESOURCE_VALUES, VALUES
from store.models import MONEY_FIELDS
from store.models.enums import LeadStatus, TicketStatus
from store.schemas import AccountCreate, ContactCreate, DealCreate, Input, LeadCreate, ProductCreate, TicketCreate

# Reference fields name another record by its natural key; each feeds an id field of the create schema.
REFS: dict[str, dict[str, str]] = {
    "accounts": {
        "parent_account": "parent_account_id",
        "owner": "account_owner_id",
        "primary_contact": "primary_contact_id",
    },
    "contacts": {"account": "account_id", "owner": "owner_id", "reporting_to": "reporting_to_id"},
    "leads": {"owner": "assigned_to_id"},
    "deals": {"account": "account_id", "primary_contact": "primary_contact_id", "owner": "owner_id"},
    "tickets": {"account": "account_id", "requester": "requester_contact_id", "assignee": "assignee_id"},
    "products": {},
}
SCHEMAS: dict[str, type[Input]] = {
    "accounts": AccountCreate,
    "contacts": ContactCreate,
    "leads": LeadCreate,
    "deals": DealCreate,
    "tickets": TicketCreate,
    "products": ProductCreate,
}
EXTRA = {"leads": {"status", "lost_reason"}, "deals": {"lost_reason"}, "tickets": {"status"}}
SKIP = {"line_items", "billing_address", "shipping_address"}
# Our own export's and common spreadsheets' headers that differ from the field names.
ALIASES: dict[str, dict[str, str]] = {
    "accounts": {
        "name": "account_name",
        "account_owner": "owner",
        "owner_email": "owner",
        "parent_account_name": "parent_account",
        "parent": "parent_account",
    },
    "contacts": {"account_name": "account", "company": "account", "owner_email": "owner", "job_title": "title"},
    "leads": {"assigned_to": "owner", "owner_email": "owner", "lead_source": "source", "job_title": "title"},
    "deals": {
        "name": "deal_name",
        "account_name": "account",
        "owner_email": "owner",
        "deal_stage": "stage",
        "primary_contact_email": "primary_contact",
        "contact_email": "primary_contact",
    },
    "tickets": {
        "requester_email": "requester",
        "assignee_email": "assignee",
        "account_name": "account",
        "name": "subject",
    },
    "products": {
        "product_name": "name",
        "product_code": "sku",
        "price": "unit_price",
        "list_price": "unit_price",
        "billing_frequency": "billing",
    },
}
DATES = {"close_date"}
INTS = {"employees", "probability", "contract_term", "score", "health_score"}
LISTS = {"competitors"}
SIZES = ((10, "1-10"), (50, "11-50"), (200, "51-200"), (1000, "201-1000"), (5000, "1001-5000"))
RESOURCES = tuple(SCHEMAS)


class RowError(Exception):
    """A cell (or a whole row) the import refuses; `column` is the file's header, when one is at fault."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def fields_of(resource: str) -> set[str]:
    """Every field a column may feed for `resource`."""
    schema = set(SCHEMAS[resource].model_fields) - SKIP - set(REFS[resource].values())
    return schema | set(REFS[resource]) | EXTRA.get(resource, set())


@dataclass
class Mapping:
    """Column -> field for one file; columns that feed no field go to `custom_fields`."""

    resource: str
    columns: dict[str, str]
    custom: list[str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_format: str | None = None

    @classmethod
    def build(
        cls,
        resource: str,
        header: list[str],
        *,
        preset: str | None = None,
        columns: dict[str, str] | None = None,
        values: dict[str, dict[str, str]] | None = None,
        date_format: str | None = None,
    ) -> Mapping:
        """Explicit `columns` first, then the preset's, then headers that name a field (loosely), then aliases."""
        if resource not in SCHEMAS:
            raise InvalidInput("resource", f"'{resource}' cannot be imported; one of {', '.join(RESOURCES)}")
        known = fields_of(resource)
        explicit = {v.key(k): f for k, f in (columns or {}).items()}
        for wanted in explicit.values():
            if wanted not in known and wanted != "custom_fields":
                raise InvalidInput("map", f"'{wanted}' is not a field of {resource}; one of {', '.join(sorted(known))}")
        if preset is not None and preset not in COLUMNS:
            raise InvalidInput("preset", f"'{preset}' is not a preset; one of {', '.join(COLUMNS)}")
        from_preset = {v.key(k): f for k, f in COLUMNS[preset][resource].items()} if preset else {}
        aliases = ALIASES.get(resource, {})
        mapped: dict[str, str] = {}
        custom: list[str] = []
        taken: set[str] = set()
        for column in header:
            name = v.key(column)
            target = (
                explicit.get(name) or from_preset.get(name) or (name if name in known else None) or aliases.get(name)
            )
            if name == "custom_fields":
                target = "custom_fields"
            if target is None or (target in taken and target != "custom_fields"):
                custom.append(column)
                continue
            mapped[column] = target
            taken.add(target)
        for field_name in values or {}:
            if field_name not in known:
                raise InvalidInput("values", f"'{field_name}' is not a field of {resource}")
        lowered = {f: {v.key(src): ours for src, ours in m.items()} for f, m in (values or {}).items()}
        return cls(resource=resource, columns=mapped, custom=custom, values=lowered, date_format=date_format)

    def column_of(self, field_name: str | None) -> str | None:
        """The file's column that fed `field_name` (or the reference feeding that id field)."""
        return self._sources.get(field_name.split(".")[0]) if field_name else None

    @cached_property
    def _sources(self) -> dict[str, str]:
        """{field or id field: the first column feeding it}."""
        ids = {ref: ident for ref, ident in REFS[self.resource].items()}
        sources: dict[str, str] = {}
        for column, target in self.columns.items():
            sources.setdefault(target, column)
            if target in ids:
                sources.setdefault(ids[target], column)
        return sources

    def read(self, row: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """A row as (fields with typed values, custom fields); empty cells are left out."""
        data: dict[str, Any] = {}
        for column, target in self.columns.items():
            cell = (row.get(column) or "").strip()
            if not cell:
                continue
            try:
                if target == "custom_fields":
                    data[target] = _json_object(cell)
                else:
                    self._cell(data, target, cell)
            except v.CellError as err:
                raise RowError(column, str(err)) from None
        custom = {column: row[column].strip() for column in self.custom if (row.get(column) or "").strip()}
        return data, custom

    def _cell(self, data: dict[str, Any], target: str, cell: str) -> None:
        if target in MONEY_FIELDS:
            data[target], currency = v.money(cell)
            if currency and target in ("amount", "unit_price") and "currency" not in data:
                data["currency"] = currency
        elif target in DATES:
            data[target] = v.day(cell, self.date_format)
        elif target in INTS:
            data[target] = v.whole(cell)
        elif target in LISTS:
            data[target] = v.items(cell)
        elif target == "company_size" and cell.replace(",", "").isdigit():
            count = v.whole(cell)
            data[target] = next((label for limit, label in SIZES if count <= limit), "5000+")
        elif target in self.choices or target in self.values:
            data[target] = self._choice(target, cell)
        else:
            data[target] = cell

    @cached_property
    def choices(self) -> dict[str, tuple[str, ...]]:
        """The allowed values of each fixed-value field of the resource."""
        found = {name: _enum_values(info.annotation) for name, info in SCHEMAS[self.resource].model_fields.items()}
        found |= {"status": tuple(LeadStatus)} if self.resource == "leads" else {}
        found |= {"status": tuple(TicketStatus)} if self.resource == "tickets" else {}
        return {name: values for name, values in found.items() if values}

    def _choice(self, target: str, cell: str) -> str:
        name = v.key(cell)
        ours = self.values.get(target, {}).get(name) or RESOURCE_VALUES.get(self.resource, {}).get(target, {}).get(name)
        ours = ours or VALUES.get(target, {}).get(name) or name
        allowed = self.choices.get(target)
        if allowed and ours not in allowed and cell.strip() not in allowed:
            raise v.CellError(
                f"'{cell}' is not one of {', '.join(allowed)}; map it with --values \"{target}:{cell}=...\""
            )
        return ours if not allowed or ours in allowed else cell.strip()


def _enum_values(annotation: Any) -> tuple[str, ...]:
    """The values of an Enum annotation (or of the Enum in `X | None`), else ()."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return tuple(m.value for m in candidate)
    return ()


def parse_map(items: list[str]) -> dict[str, str]:
    """`Source Column=field` pairs."""
    out = {}
    for item in items:
        source, sep, target = item.rpartition("=")
        if not sep or not source.strip() or not target.strip():
            raise InvalidInput("map", f"'{item}' is not 'Source Column=field'")
        out[source.strip()] = target.strip()
    return out


def parse_values(items: list[str]) -> dict[str, dict[str, str]]:
    """`field:Source Value=our_value,Other=ours` items."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        field_name, sep, pairs = item.partition(":")
        if not sep or not field_name.strip():
            raise InvalidInput("values", f"'{item}' is not 'field:Source Value=our_value,...'")
        for pair in pairs.split(","):
            source, eq, ours = pair.rpartition("=")
            if not eq or not source.strip():
                raise InvalidInput("values", f"'{pair}' is not 'Source Value=our_value'")
            out.setdefault(field_name.strip(), {})[source.strip()] = ours.strip()
    return out


def _json_object(cell: str) -> dict[str, Any]:
    try:
        value = json.loads(cell)
    except json.JSONDecodeError:
        raise v.CellError(f"'{cell[:40]}' is not a JSON object") from None
    if not isinstance(value, dict):
        raise v.CellError(f"'{cell[:40]}' is not a JSON object")
    return value
