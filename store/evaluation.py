"""CRM state for `nexa eval`: a seeded template database per pinned time, a fresh copy per case, and
the queries that check a case's outcome (records by `where`/`has`, what changed, what was written).

A case runs in `CREATE DATABASE ... TEMPLATE` of a database seeded once with the clock pinned at the
eval file's `now`, so every case starts from the same state and runs in any order.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from store.clock import pinned
from store.db import MIGRATIONS, Database, upgrade
from store.embeddings import Embedder
from store.models import (
    Account,
    Call,
    Contact,
    ConversationMessage,
    Deal,
    Lead,
    Meeting,
    Note,
    PendingAction,
    Task,
    Ticket,
    User,
)
from store.models.base import Entity
from store.models.work import MeetingAttendee
from store.seed import seed
from store.settings import Settings

MODELS: dict[str, type[Entity]] = {
    "lead": Lead,
    "contact": Contact,
    "account": Account,
    "deal": Deal,
    "ticket": Ticket,
    "task": Task,
    "meeting": Meeting,
    "call": Call,
    "note": Note,
}
TABLES = {kind: model.__tablename__ for kind, model in MODELS.items()}
# Columns left out of "did this row change": timestamps and what reads derive and store (summaries, scores).
DERIVED = (
    "updated_at",
    "summary",
    "sentiment",
    "intent",
    "score",
    "last_contacted",
    "last_activity",
    "health_score",
    "next_best_action",
    "risk_factors",
    "win_probability",
    "engagement_score",
)
# The record type a creating tool makes (its new rows are the write's records).
CREATES = {
    "create_lead": "lead",
    "create_deal": "deal",
    "log_call": "call",
    "add_note": "note",
    "schedule_meeting": "meeting",
    "create_task": "task",
    "create_ticket": "ticket",
    "create_contact": "contact",
    "create_account": "account",
}
REFERENCES = {
    "lead_id": "lead",
    "contact_id": "contact",
    "deal_id": "deal",
    "account_id": "account",
    "requester_contact_id": "contact",
}
Snapshot = dict[str, dict[str, dict[str, Any]]]  # type -> {id: the row's own fields}


# -------------------------------------------------------------------------------- databases


def _admin(url: str) -> tuple[str, str]:
    """(libpq URL of the server's maintenance database, the URL with a {db} placeholder for the database name)."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    head, _, tail = plain.partition("?")
    base = head.rsplit("/", 1)[0]
    query = f"?{tail}" if tail else ""
    return f"{base}/postgres{query}", f"{base}/{{db}}{query}".replace("postgresql://", "postgresql+psycopg://")


def template_key(now: datetime) -> str:
    """A name for the seeded template of `now` that changes when the migrations or the seed change."""
    digest = hashlib.sha1(now.isoformat().encode())
    for folder in (MIGRATIONS / "versions", Path(__file__).parent / "seed"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".md", ".json", ".html", ".txt"):
                digest.update(path.name.encode() + path.read_bytes())
    return f"nexa_eval_{digest.hexdigest()[:12]}"


class EvalDatabases:
    """The template of one `now` and the per-case copies made from it, on the configured server."""

    def __init__(self, url: str, now: datetime, settings: Settings) -> None:
        self.admin, self.pattern = _admin(url)
        self.now, self.settings = now, settings
        self.template = template_key(now)

    def _execute(self, *statements: str) -> list[Any]:
        rows = []
        with psycopg.connect(self.admin, autocommit=True) as conn:
            for statement in statements:
                cursor = conn.execute(statement)
                rows.append(cursor.fetchall() if cursor.description else None)
        return rows

    async def prepare(self, embedder: Embedder) -> bool:
        """Seed the template at the pinned `now` unless it exists already. True when it was built now."""
        exists = self._execute(f"SELECT 1 FROM pg_database WHERE datname = '{self.template}'")[0]
        if exists:
            return False
        building = f"{self.template}_build"
        self._execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)', f'CREATE DATABASE "{building}"')
        url = self.pattern.format(db=building)
        upgrade(url)
        db = Database(url, settings=self.settings)
        try:
            with pinned(self.now):
                await seed(db, embedder=embedder)
        finally:
            await db.close()
        self._execute(f'ALTER DATABASE "{building}" RENAME TO "{self.template}"')
        return True

    def copy(self, name: str) -> Database:
        """A fresh copy of the template (replacing an older one of that name)."""
        self._execute(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY',
        )
        return Database(self.pattern.format(db=name), settings=self.settings)

    def drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Bound(Database):
    """A `Database` whose sessions all run in savepoints of one outer transaction on one connection."""

    def __init__(self, db: Database, connection: AsyncConnection) -> None:
        self.url, self.engine = db.url, db.engine
        self.sessions = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )


@asynccontextmanager
async def sandbox(db: Database) -> AsyncIterator[Database]:
    """A view of `db` whose every commit is undone at the end (the outer transaction rolls back, and the
    sequences, which a rollback does not rewind, are set back), so the next case starts from the same state."""
    async with db.engine.connect() as connection:
        sequences = (
            await connection.execute(
                text("SELECT schemaname, sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
            )
        ).all()
        await connection.commit()
        outer = await connection.begin()
        try:
            yield _Bound(db, connection)
        finally:
            await outer.rollback()
            for schema, name, value in sequences:
                restart = f"setval('{schema}.\"{name}\"', {value})" if value is not None else None
                await connection.execute(
                    text(f"SELECT {restart}") if restart else text(f'ALTER SEQUENCE {schema}."{name}" RESTART')
                )
            await connection.commit()


# -------------------------------------------------------------------------------- state


async def snapshot(session: AsyncSession) -> Snapshot:
    """Every CRM record's own fields by id (derived fields left out)."""
    drop = " ".join(f"- '{c}'" for c in DERIVED)
    state: Snapshot = {}
    for kind, table in TABLES.items():
        rows = await session.execute(text(f"SELECT id::text, to_jsonb(t) {drop} FROM {table} t"))
        state[kind] = dict(rows.all())
    return state


@dataclass
class Changes:
    """Records created and records changed since the template."""

    created: dict[str, set[str]] = field(default_factory=dict)
    changed: dict[str, set[str]] = field(default_factory=dict)
    before: Snapshot = field(default_factory=dict)
    after: Snapshot = field(default_factory=dict)

    def field_changed(self, kind: str, record: str, column: str) -> bool:
        """Whether a record that existed before has another value in `column` now."""
        old, new = self.before.get(kind, {}).get(record), self.after.get(kind, {}).get(record)
        return old is not None and new is not None and old.get(column) != new.get(column)

    @property
    def any(self) -> bool:
        return any(self.created.values()) or any(self.changed.values())


def diff(before: Snapshot, after: Snapshot) -> Changes:
    changes = Changes(before=before, after=after)
    for kind, rows in after.items():
        old = before.get(kind, {})
        changes.created[kind] = {i for i in rows if i not in old}
        changes.changed[kind] = {i for i, h in rows.items() if i in old and old[i] != h}
    return changes


@dataclass
class Write:
    """A write the conversation applied or left pending."""

    tool: str
    status: str
    target: tuple[str, str] | None  # (type, id) of the record an update changes
    references: list[tuple[str, str]]  # records a create refers to


async def writes(session: AsyncSession, conversation_ids: list[str]) -> list[Write]:
    """The writes of these conversations that were applied or are still pending."""
    ids = [uuid.UUID(c) for c in conversation_ids]
    rows = (
        await session.scalars(
            select(PendingAction).where(
                PendingAction.conversation_id.in_(ids), PendingAction.status.in_(("applied", "pending"))
            )
        )
    ).all()
    found = []
    for action in rows:
        args = action.arguments or {}
        refs = [(kind, str(args[key])) for key, kind in REFERENCES.items() if args.get(key)]
        refs += [("contact", str(c)) for c in args.get("contact_ids") or []]
        if args.get("related_type") and args.get("related_id"):
            refs.append((str(args["related_type"]), str(args["related_id"])))
        target = (action.target_type, str(action.target_id)) if action.target_type and action.target_id else None
        found.append(Write(action.tool, action.status, target, refs))
    return found


async def conversation_messages(session: AsyncSession, conversation_ids: list[str]) -> list[ConversationMessage]:
    """The stored messages of these conversations, in the order they were written."""
    ids = [uuid.UUID(c) for c in conversation_ids]
    query = select(ConversationMessage).where(ConversationMessage.conversation_id.in_(ids))
    return list((await session.scalars(query.order_by(ConversationMessage.seq))).all())


# -------------------------------------------------------------------------------- record checks


class Names:
    """Display names of the records a `where`/`has` relation key may name, loaded once per check."""

    def __init__(self) -> None:
        self.by_id: dict[str, str] = {}
        self.attendees: dict[str, list[str]] = {}

    async def load(self, session: AsyncSession) -> Names:
        for model in (Lead, Contact):
            for row in (await session.execute(select(model.id, model.first_name, model.last_name))).all():
                self.by_id[str(row[0])] = f"{row[1]} {row[2]}".lower()
        for named, column in ((Account, Account.account_name), (Deal, Deal.deal_name), (User, User.email)):
            for record_id, name in (await session.execute(select(named.id, column))).all():
                self.by_id[str(record_id)] = str(name).lower()
        for meeting_id, contact_id in (
            await session.execute(select(MeetingAttendee.meeting_id, MeetingAttendee.contact_id))
        ).all():
            self.attendees.setdefault(str(meeting_id), []).append(str(contact_id))
        return self

    def of(self, value: Any) -> str | None:
        return self.by_id.get(str(value)) if value else None


RELATIONS = {
    "contact": ("contact_id", "lead_id", "requester_contact_id", "related_id", "primary_contact_id"),
    "lead": ("lead_id", "related_id"),
    "account": ("account_id", "related_id"),
    "deal": ("deal_id", "related_id"),
    "assignee": ("assignee_id", "assigned_to_id"),
    "owner": (
        "owner_id",
        "account_owner_id",
        "assigned_to_id",
        "user_id",
        "author_id",
        "organizer_id",
        "created_by_id",
        "assignee_id",
    ),
}


def _relation_names(record: Any, key: str, names: Names) -> list[str]:
    values = [names.of(getattr(record, column, None)) for column in RELATIONS[key]]
    if key == "contact" and isinstance(record, Meeting):
        values += [names.of(c) for c in names.attendees.get(str(record.id), [])]
    return [v for v in values if v]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    return value


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def value_matches(actual: Any, expected: Any) -> bool:
    """Whether a field value satisfies an expectation: equal (strings case-insensitively, numbers numerically,
    dates by their ISO text), or {contains: text}, {gte: n}, {lte: n}."""
    actual = _plain(actual)
    if isinstance(expected, dict):
        checks = []
        if "contains" in expected:
            checks.append(actual is not None and str(expected["contains"]).lower() in str(actual).lower())
        for op in ("gte", "lte"):
            if op in expected:
                a, e = _comparable(actual, expected[op])
                checks.append(a is not None and e is not None and (a >= e if op == "gte" else a <= e))
        return all(checks) and bool(checks)
    if expected is None:
        return actual in (None, "")
    if isinstance(actual, bool) or isinstance(expected, bool):
        return str(actual).lower() == str(expected).lower()
    if isinstance(actual, (int, float, Decimal)) and not isinstance(expected, (date, datetime)):
        number = _number(expected)
        return number is not None and _number(actual) == number
    if isinstance(actual, (date, datetime)):
        a, e = _comparable(actual, expected)
        return a is not None and a == e
    if actual is None:
        return False
    return str(actual).strip().lower() == str(expected).strip().lower()


def _comparable(actual: Any, expected: Any) -> tuple[Any, Any]:
    """Both sides as numbers, datetimes or dates (a date-only expectation compares a datetime's date)."""
    if isinstance(actual, datetime):
        try:
            moment = datetime.fromisoformat(str(expected))
        except ValueError:
            return None, None
        if len(str(expected)) <= 10:
            return actual.date(), moment.date()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=actual.tzinfo)
        return actual, moment
    if isinstance(actual, date):
        try:
            return actual, date.fromisoformat(str(expected)[:10])
        except ValueError:
            return None, None
    return _number(actual), _number(expected)


def field_matches(record: Any, key: str, expected: Any, names: Names) -> bool:
    if key in RELATIONS and not hasattr(type(record), key):
        return any(value_matches(name, expected) for name in _relation_names(record, key, names))
    if key == "name" and not hasattr(record, "name"):
        return False
    return value_matches(getattr(record, key, None), expected)


@dataclass
class RecordCheck:
    """One `records` entry's outcome: the records its `where` matched, and whether one satisfies the entry."""

    kind: str
    matched: list[str]
    ok: bool
    reason: str
    failing: list[str] = field(default_factory=list)  # the `has` fields no matched record satisfies


async def check_record(session: AsyncSession, entry: dict[str, Any], changes: Changes, names: Names) -> RecordCheck:
    kind = entry.get("type", "")
    model = MODELS.get(kind)
    if model is None:
        return RecordCheck(kind, [], False, f"unknown record type {kind!r}")
    where, has, new = entry.get("where") or {}, entry.get("has") or {}, entry.get("new")
    unknown = [k for k in [*where, *has] if k not in RELATIONS and k != "name" and not hasattr(model, k)]
    if unknown:
        return RecordCheck(kind, [], False, f"{kind} has no field {', '.join(unknown)}")
    rows = (await session.scalars(select(model))).all()
    matched = [r for r in rows if all(field_matches(r, k, v, names) for k, v in where.items())]
    if new is True:
        matched = [r for r in matched if str(r.id) in changes.created.get(kind, set())]
    elif new is False:
        matched = [r for r in matched if str(r.id) not in changes.created.get(kind, set())]
    ids = [str(r.id) for r in matched]
    if not matched:
        return RecordCheck(kind, ids, False, f"no {'new ' if new else ''}{kind} where {where}")
    good = [r for r in matched if all(field_matches(r, k, v, names) for k, v in has.items())]
    if not good:
        shown = {k: _plain(getattr(matched[0], k, None)) for k in has if hasattr(matched[0], k)}
        failing = [k for k, v in has.items() if not any(field_matches(r, k, v, names) for r in matched)]
        return RecordCheck(kind, ids, False, f"{kind} where {where} has {shown}, expected {has}", failing)
    return RecordCheck(kind, ids, True, "")
