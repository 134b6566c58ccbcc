"""CSV export of records in the columns the import reads back (references by natural key, not by id)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, redact
from store.models import Account, Contact, User
from store.serialize import plain

# column -> (attribute, kind of reference or None)
COLUMNS: dict[str, list[tuple[str, str, str | None]]] = {
    "accounts": [
        ("external_id", "external_id", None),
        ("account_name", "account_name", None),
        ("industry", "industry", None),
        ("type", "type", None),
        ("website", "website", None),
        ("phone", "phone", None),
        ("employees", "employees", None),
        ("annual_revenue", "annual_revenue", None),
        ("tier", "tier", None),
        ("health_score", "health_score", None),
        ("parent_account", "parent_account_id", "account"),
        ("owner", "account_owner_id", "user"),
    ],
    "contacts": [
        ("external_id", "external_id", None),
        ("first_name", "first_name", None),
        ("last_name", "last_name", None),
        ("email", "email", None),
        ("phone", "phone", None),
        ("mobile", "mobile", None),
        ("title", "title", None),
        ("department", "department", None),
        ("linkedin_url", "linkedin_url", None),
        ("account", "account_id", "account"),
        ("reporting_to", "reporting_to_id", "contact"),
        ("owner", "owner_id", "user"),
        ("lifecycle_stage", "lifecycle_stage", None),
        ("customer_status", "customer_status", None),
    ],
    "leads": [
        ("external_id", "external_id", None),
        ("first_name", "first_name", None),
        ("last_name", "last_name", None),
        ("email", "email", None),
        ("phone", "phone", None),
        ("company", "company", None),
        ("title", "title", None),
        ("industry", "industry", None),
        ("company_size", "company_size", None),
        ("source", "source", None),
        ("status", "status", None),
        ("lost_reason", "lost_reason", None),
        ("score", "score", None),
        ("owner", "assigned_to_id", "user"),
    ],
    "deals": [
        ("external_id", "external_id", None),
        ("deal_name", "deal_name", None),
        ("account", "account_id", "account"),
        ("primary_contact", "primary_contact_id", "contact"),
        ("amount", "amount", None),
        ("currency", "currency", None),
        ("probability", "probability", None),
        ("close_date", "close_date", None),
        ("stage", "stage", None),
        ("type", "type", None),
        ("lead_source", "lead_source", None),
        ("lost_reason", "lost_reason", None),
        ("competitors", "competitors", None),
        ("total_mrr", "total_mrr", None),
        ("contract_term", "contract_term", None),
        ("owner", "owner_id", "user"),
    ],
    "tickets": [
        ("external_id", "external_id", None),
        ("subject", "subject", None),
        ("description", "description", None),
        ("status", "status", None),
        ("priority", "priority", None),
        ("channel", "channel", None),
        ("product", "product", None),
        ("requester", "requester_email", None),
        ("account", "account_id", "account"),
        ("assignee", "assignee_id", "user"),
    ],
}
EXPORTABLE = tuple(COLUMNS)


def header(resource: str, actor: Actor) -> list[str]:
    """The export's columns for this caller: the fields their role may not see are left out."""
    names = [column for column, _, _ in COLUMNS[resource]] + ["custom_fields"]
    return list(redact(actor, dict.fromkeys(names, "")))


async def rows(session: AsyncSession, actor: Actor, resource: str, records: Iterable[Any]) -> list[list[str]]:
    """The records as CSV rows of `header(resource, actor)`; references are looked up once per call."""
    records = list(records)
    names = await _names(session, resource, records)
    columns = header(resource, actor)
    out = []
    for record in records:
        values: dict[str, Any] = {}
        for column, attribute, kind in COLUMNS[resource]:
            value = getattr(record, attribute)
            values[column] = names.get((kind, value), "") if kind and value else _cell(value)
        values["custom_fields"] = json.dumps(record.custom_fields, ensure_ascii=False) if record.custom_fields else ""
        out.append([values[c] for c in columns])
    return out


def to_csv(table: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(plain(value))


async def _names(session: AsyncSession, resource: str, records: list[Any]) -> dict[tuple[str, uuid.UUID], str]:
    wanted: dict[str, set[uuid.UUID]] = {"account": set(), "user": set(), "contact": set()}
    for record in records:
        for _, attribute, kind in COLUMNS[resource]:
            if kind and getattr(record, attribute):
                wanted[kind].add(getattr(record, attribute))
    found: dict[tuple[str, uuid.UUID], str] = {}
    queries = {
        "account": (Account.id, Account.account_name),
        "user": (User.id, User.email),
        "contact": (Contact.id, Contact.email),
    }
    for kind, ids in wanted.items():
        if ids:
            key, label = queries[kind]
            for record_id, name in await session.execute(select(key, label).where(key.in_(ids))):
                found[(kind, record_id)] = name
    return found
