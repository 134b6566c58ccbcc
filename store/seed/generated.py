"""A reproducible, scalable CRM around the story, bulk-loaded with COPY.

Scale 1 is a lively demo (200 deals); `--scale 5000` makes 1M deals for benchmarks.
Every date is relative to today, so the demo never goes stale.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from store.clock import utcnow
from store.models import STAGE_PROBABILITY
from store.models.enums import DealStage
from store.seed.lead_history import generate_lead

PER_SCALE = {"accounts": 50, "contacts": 150, "leads": 100, "deals": 200, "tickets": 60, "tasks": 40, "calls": 40}
BATCH = 20_000
TABLES = [
    "accounts",
    "contacts",
    "leads",
    "deals",
    "deal_stage_history",
    "activities",
    "activity_links",
    "tickets",
    "ticket_messages",
    "tasks",
    "calls",
]
REBUILD_FROM_SCALE = 20  # below this, keeping indexes up to date row by row is cheaper than rebuilding them

FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kara",
    "Liam",
    "Maya",
    "Nils",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Yara",
    "Zane",
    "Anika",
    "Bruno",
    "Cora",
]
LAST = [
    "Adams",
    "Baker",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Gupta",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Meyer",
    "Novak",
    "Okafor",
    "Petrov",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Young",
    "Zhou",
]
ROOTS = [
    "Blue",
    "North",
    "Bright",
    "Iron",
    "Silver",
    "Nova",
    "Pine",
    "Summit",
    "Quantum",
    "Harbor",
    "Cedar",
    "Vertex",
    "Lumen",
    "Atlas",
    "Crest",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Helix",
    "Orbit",
    "Prism",
    "Rapid",
    "Solar",
]
TAILS = ["wave", "field", "stone", "works", "labs", "logic", "point", "forge", "bridge", "path", "gate", "line"]
SUFFIX = ["Inc", "LLC", "Group", "Systems", "Partners", "Co", "Technologies", "Holdings"]
INDUSTRIES = ["Software", "Manufacturing", "Healthcare", "Finance", "Retail", "Logistics", "Education", "Energy"]
TITLES = [
    "CEO",
    "CTO",
    "VP Sales",
    "Head of Operations",
    "IT Manager",
    "Procurement Manager",
    "Director of Finance",
    "Engineer",
]
SOURCES = ["website", "referral", "event", "cold_call", "social_media"]
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"]
TIERS = ["startup", "smb", "mid-market", "enterprise"]
ISSUES = [
    ("Cannot log in after password reset", "AUTH-401"),
    ("Sync with calendar fails", "SYNC-502"),
    ("Invoice shows wrong amount", "BILL-220"),
    ("Export to CSV times out", "EXP-504"),
    ("Webhook deliveries delayed", "HOOK-429"),
    ("SSO configuration error", "SSO-310"),
]
PATH = [DealStage.prospecting, DealStage.qualification, DealStage.proposal, DealStage.negotiation]
Row = tuple[Any, ...]  # one COPY row
Tick = Callable[[str, int], None]  # progress: table, rows loaded since the last tick
STAGE_WEIGHTS = [
    (DealStage.prospecting, 18),
    (DealStage.qualification, 22),
    (DealStage.proposal, 18),
    (DealStage.negotiation, 12),
    (DealStage.closed_won, 18),
    (DealStage.closed_lost, 12),
]


@dataclass
class Counts:
    accounts: int = 0
    contacts: int = 0
    leads: int = 0
    deals: int = 0
    tickets: int = 0
    rows: int = 0


def generate(
    url: str,
    *,
    reps: list[uuid.UUID],
    support: list[uuid.UUID],
    scale: int = 1,
    seed: int = 7,
    progress: Callable[[str, int], None] | None = None,
) -> Counts:
    """Bulk-load the generated part at `scale` into the database at `url` (a psycopg URL)."""
    rng = random.Random(seed)
    now = utcnow()
    counts = Counts()
    tick = progress or (lambda table, n: None)
    with psycopg.connect(url) as conn, _deferred_upkeep(conn, enabled=scale >= REBUILD_FROM_SCALE):
        accounts = _accounts(conn, rng, scale, reps, counts, tick)
        contacts = _contacts(conn, rng, scale, accounts, reps, counts, tick)
        _leads(conn, rng, scale, reps, now, counts, tick)
        _deals(conn, rng, scale, accounts, contacts, reps, now, counts, tick)
        _tickets(conn, rng, scale, contacts, support, now, counts, tick)
        _work(conn, rng, scale, contacts, reps, now, counts, tick)
    return counts


@contextmanager
def _deferred_upkeep(conn: psycopg.Connection, *, enabled: bool) -> Iterator[None]:
    """Run the load in one transaction; when `enabled`, without the loaded tables' secondary indexes and foreign keys.

    They are dropped first and rebuilt at the end (bulk index builds and one check per foreign key
    are far cheaper than upkeep row by row); an error rolls everything back, the schema included.
    Partial indexes stay: their predicates would come back re-worded.
    """
    rebuild: list[str] = []
    if enabled:
        rows = conn.execute(
            """
            SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', conrelid::regclass, conname),
                   format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', conrelid::regclass, conname, pg_get_constraintdef(oid))
            FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%(tables)s::regclass[])
            UNION ALL
            SELECT format('DROP INDEX %%s', indexrelid::regclass), pg_get_indexdef(indexrelid)
            FROM pg_index i WHERE indrelid = ANY(%(tables)s::regclass[]) AND indpred IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        """,
            {"tables": TABLES},
        ).fetchall()
        for drop, _ in rows:
            conn.execute(drop)
        rebuild = [create for _, create in reversed(rows)]
    yield
    for statement in rebuild:
        conn.execute(statement)
    conn.commit()


def _copy(
    conn: psycopg.Connection, table: str, columns: list[str], rows: Iterator[Row], counts: Counts, tick: Tick
) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        n = 0
        for row in rows:
            copy.write_row(row)
            n += 1
            if n % BATCH == 0:
                tick(table, BATCH)
        tick(table, n % BATCH)
    counts.rows += n


def _company(rng: random.Random, i: int) -> str:
    return f"{rng.choice(ROOTS)}{rng.choice(TAILS)} {rng.choice(SUFFIX)} {i}"


def _accounts(
    conn: psycopg.Connection, rng: random.Random, scale: int, reps: list[uuid.UUID], counts: Counts, tick: Tick
) -> list[tuple[uuid.UUID, str]]:
    n = PER_SCALE["accounts"] * scale
    accounts = [(uuid.uuid4(), _company(rng, i)) for i in range(n)]
    parents: dict[int, uuid.UUID] = {}
    for i in range(n):
        if i % 10 in (8, 9) and i >= 10:
            parents[i] = accounts[i - (i % 10)][0]

    def rows() -> Iterator[
        Row
    ]:  # children name parents loaded by the same COPY (its foreign keys are checked at its end)
        for i, (aid, name) in enumerate(accounts):
            yield (
                aid,
                name,
                rng.choice(INDUSTRIES),
                rng.choice(["prospect", "prospect", "customer", "partner"]),
                rng.randint(5, 20000),
                Decimal(rng.randint(1, 500)) * 100000,
                rng.choice(TIERS),
                rng.choice(reps),
                rng.randint(30, 100),
                parents.get(i),
            )

    _copy(
        conn,
        "accounts",
        [
            "id",
            "account_name",
            "industry",
            "type",
            "employees",
            "annual_revenue",
            "tier",
            "account_owner_id",
            "health_score",
            "parent_account_id",
        ],
        rows(),
        counts,
        tick,
    )
    counts.accounts = n
    return accounts


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def _contacts(
    conn: psycopg.Connection,
    rng: random.Random,
    scale: int,
    accounts: list[tuple[uuid.UUID, str]],
    reps: list[uuid.UUID],
    counts: Counts,
    tick: Tick,
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    n = PER_SCALE["contacts"] * scale
    contacts = [(uuid.uuid4(), accounts[i % len(accounts)][0]) for i in range(n)]

    def rows() -> Iterator[Row]:
        for i, (cid, aid) in enumerate(contacts):
            first, last = _person(rng)
            yield (
                cid,
                first,
                last,
                f"{first}.{last}.{i}@example.test".lower(),
                rng.choice(TITLES),
                aid,
                rng.choice(reps),
                rng.choice(["lead", "opportunity", "customer", "customer", "advocate"]),
            )

    _copy(
        conn,
        "contacts",
        ["id", "first_name", "last_name", "email", "title", "account_id", "owner_id", "lifecycle_stage"],
        rows(),
        counts,
        tick,
    )
    counts.contacts = n
    return contacts


def _leads(
    conn: psycopg.Connection,
    rng: random.Random,
    scale: int,
    reps: list[uuid.UUID],
    now: datetime,
    counts: Counts,
    tick: Tick,
) -> None:
    """Leads with engagement (calls with them) and outcomes drawn from a known hidden model."""
    n = PER_SCALE["leads"] * scale
    history = [
        generate_lead(
            rng,
            now,
            source=rng.choice(SOURCES),
            size=rng.choice(SIZES),
            title=rng.choice(TITLES),
            industry=rng.choice(INDUSTRIES),
        )
        for _ in range(n)
    ]

    def rows() -> Iterator[Row]:
        for i, g in enumerate(history):
            first, last = _person(rng)
            contacted = g.created + timedelta(days=1) if g.outbound else None
            yield (
                g.id,
                first,
                last,
                f"{first}.{last}.lead{i}@example.test".lower(),
                _company(rng, 100000 + i),
                g.title,
                g.industry,
                g.company_size,
                g.source,
                g.status,
                g.score,
                rng.choice(reps),
                contacted,
                "went with a competitor" if g.status == "lost" else None,
                g.closed if g.status == "converted" else None,
                g.created,
                g.closed or g.created,
            )

    def calls() -> Iterator[Row]:
        for g in history:
            end = g.closed or now
            for direction, k in (("outbound", g.outbound), ("inbound", g.replies)):
                for _ in range(k):
                    at = g.created + (end - g.created) * rng.random()
                    yield (direction, rng.randint(60, 1800), "connected", "Lead call", at, rng.choice(reps), g.id)

    _copy(
        conn,
        "leads",
        [
            "id",
            "first_name",
            "last_name",
            "email",
            "company",
            "title",
            "industry",
            "company_size",
            "source",
            "status",
            "score",
            "assigned_to_id",
            "last_contacted",
            "lost_reason",
            "converted_at",
            "created_at",
            "updated_at",
        ],
        rows(),
        counts,
        tick,
    )
    _copy(
        conn,
        "calls",
        ["direction", "duration", "outcome", "notes", "call_at", "user_id", "lead_id"],
        calls(),
        counts,
        tick,
    )
    counts.leads = n


def _deals(
    conn: psycopg.Connection,
    rng: random.Random,
    scale: int,
    accounts: list[tuple[uuid.UUID, str]],
    contacts: list[tuple[uuid.UUID, uuid.UUID]],
    reps: list[uuid.UUID],
    now: datetime,
    counts: Counts,
    tick: Tick,
) -> None:
    n = PER_SCALE["deals"] * scale
    stages = [s for s, w in STAGE_WEIGHTS for _ in range(w)]
    history: list[Row] = []
    activities: list[Row] = []
    names = dict(accounts)

    def rows() -> Iterator[Row]:
        for i in range(n):
            did = uuid.uuid4()
            stage = stages[i % len(stages)] if i < len(stages) else rng.choice(stages)
            cid, aid = contacts[rng.randrange(len(contacts))]
            owner = rng.choice(reps)
            created = now - timedelta(days=rng.randint(5, 300), hours=rng.randint(0, 23))
            steps = _path(rng, stage)
            moments = sorted(created + (now - created) * rng.random() for _ in steps[1:])
            changed = [created] + moments
            closed_at = changed[-1] if stage in (DealStage.closed_won, DealStage.closed_lost) else None
            close = closed_at.date() if closed_at else (now + timedelta(days=rng.randint(-30, 180))).date()
            amount = Decimal(rng.choice([3, 5, 8, 12, 20, 35, 50, 80, 120])) * 1000
            for prev, step, at in zip([None, *steps[:-1]], steps, changed):
                history.append((did, prev.value if prev else None, step.value, at, owner))
            name = _deal_name(names[aid], i)
            activities.append((uuid.uuid4(), did, aid, f"Deal {name} created", created))
            yield (
                did,
                name,
                amount,
                STAGE_PROBABILITY[stage],
                close,
                stage.value,
                changed[-1],
                closed_at,
                rng.choice(SOURCES),
                "price" if stage is DealStage.closed_lost else None,
                aid,
                cid,
                owner,
                created,
                created,
            )

    _copy(
        conn,
        "deals",
        [
            "id",
            "deal_name",
            "amount",
            "probability",
            "close_date",
            "stage",
            "stage_changed_at",
            "closed_at",
            "lead_source",
            "lost_reason",
            "account_id",
            "primary_contact_id",
            "owner_id",
            "created_at",
            "updated_at",
        ],
        rows(),
        counts,
        tick,
    )
    _copy(
        conn,
        "deal_stage_history",
        ["deal_id", "from_stage", "to_stage", "changed_at", "changed_by_id"],
        iter(history),
        counts,
        tick,
    )
    _copy(
        conn,
        "activities",
        ["id", "type", "action", "subject", "occurred_at", "source_type", "source_id"],
        ((a, "deal", "created", subj, at, "deal", d) for a, d, _, subj, at in activities),
        counts,
        tick,
    )
    _copy(
        conn,
        "activity_links",
        ["activity_id", "record_type", "record_id"],
        (row for a, d, acc, _, _ in activities for row in ((a, "deal", d), (a, "account", acc))),
        counts,
        tick,
    )
    counts.deals = n


def _deal_name(account: str, i: int) -> str:
    return f"{account.rsplit(' ', 1)[0]} - {['Platform', 'Renewal', 'Expansion', 'Pilot', 'Upgrade'][i % 5]} {i + 1}"


def _path(rng: random.Random, stage: DealStage) -> list[DealStage]:
    """The stages a deal went through to reach `stage`."""
    if stage in PATH:
        return PATH[: PATH.index(stage) + 1]
    if stage is DealStage.closed_won:
        return PATH + [stage]
    return PATH[: rng.randint(1, 4)] + [stage]


def _tickets(
    conn: psycopg.Connection,
    rng: random.Random,
    scale: int,
    contacts: list[tuple[uuid.UUID, uuid.UUID]],
    support: list[uuid.UUID],
    now: datetime,
    counts: Counts,
    tick: Tick,
) -> None:
    n = PER_SCALE["tickets"] * scale
    messages: list[Row] = []

    def rows() -> Iterator[Row]:
        for i in range(n):
            tid = uuid.uuid4()
            cid, aid = contacts[rng.randrange(len(contacts))]
            subject, code = ISSUES[i % len(ISSUES)]
            status = rng.choice(["open", "open", "pending", "resolved", "closed"])
            created = now - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23))
            resolved = created + timedelta(hours=rng.randint(2, 96)) if status in ("resolved", "closed") else None
            body = f"{subject}. The app shows error {code}."
            messages.append((tid, "customer", None, cid, body, created))
            messages.append(
                (
                    tid,
                    "agent",
                    rng.choice(support),
                    None,
                    f"Thanks for reporting {code}; we are looking into it.",
                    created + timedelta(hours=1),
                )
            )
            yield (
                tid,
                subject,
                body,
                status,
                rng.choice(["low", "medium", "medium", "high", "urgent"]),
                rng.choice(["email", "chat", "phone", "web"]),
                cid,
                aid,
                rng.choice(support),
                min(resolved, now) if resolved else None,
                created,
                created,
            )

    _copy(
        conn,
        "tickets",
        [
            "id",
            "subject",
            "description",
            "status",
            "priority",
            "channel",
            "requester_contact_id",
            "account_id",
            "assignee_id",
            "resolved_at",
            "created_at",
            "updated_at",
        ],
        rows(),
        counts,
        tick,
    )
    _copy(
        conn,
        "ticket_messages",
        ["ticket_id", "author_type", "author_user_id", "author_contact_id", "body", "created_at"],
        iter(messages),
        counts,
        tick,
    )
    counts.tickets = n


def _work(
    conn: psycopg.Connection,
    rng: random.Random,
    scale: int,
    contacts: list[tuple[uuid.UUID, uuid.UUID]],
    reps: list[uuid.UUID],
    now: datetime,
    counts: Counts,
    tick: Tick,
) -> None:
    today = now.date()

    def tasks() -> Iterator[Row]:
        for i in range(PER_SCALE["tasks"] * scale):
            cid, _ = contacts[rng.randrange(len(contacts))]
            status = rng.choice(["todo", "todo", "in_progress", "done"])
            due: date = today + timedelta(days=rng.randint(-10, 20))
            yield (
                f"Follow up #{i + 1}",
                status,
                due,
                rng.choice(reps),
                "contact",
                cid,
                now if status == "done" else None,
            )

    def calls() -> Iterator[Row]:
        for _ in range(PER_SCALE["calls"] * scale):
            cid, aid = contacts[rng.randrange(len(contacts))]
            yield (
                rng.choice(["inbound", "outbound"]),
                rng.randint(60, 2400),
                rng.choice(["connected", "no_answer", "left_voicemail"]),
                "Discussed next steps",
                now - timedelta(days=rng.randint(0, 60)),
                rng.choice(reps),
                cid,
                aid,
            )

    _copy(
        conn,
        "tasks",
        ["title", "status", "due_date", "assignee_id", "related_type", "related_id", "completed_at"],
        tasks(),
        counts,
        tick,
    )
    _copy(
        conn,
        "calls",
        ["direction", "duration", "outcome", "notes", "call_at", "user_id", "contact_id", "account_id"],
        calls(),
        counts,
        tick,
    )
