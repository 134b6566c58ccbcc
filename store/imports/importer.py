"""Importing a CSV file row by row through the same services as the API.

Each row runs in its own savepoint: a bad row is rolled back whole and reported (row number, column,
reason) while the file goes on. Rows are committed in batches (rolled back instead with `dry_run`), and the
session is emptied after each batch, so memory stays flat however long the file is. A record that already
exists (same external id, else the same natural key: account name, contact or lead email, deal name within
its account, ticket subject from its requester) is left as it is, or updated with `update_existing`: importing
the same file twice changes nothing the second time. Parent accounts are linked after the whole file is read,
so children may come before their parents.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.db import Database
from store.errors import DomainError, InvalidInput
from store.imports.mapping import REFS, Mapping, RowError
from store.imports.reading import open_table
from store.models import STAGE_PROBABILITY, Account, Contact, Deal, Lead, Product, Ticket, User
from store.models.base import Entity
from store.models.enums import Channel, DealStage, LeadStatus
from store.schemas import AccountUpdate, ContactUpdate, DealUpdate, Input, LeadUpdate, ProductUpdate, TicketUpdate
from store.services import AccountService, ContactService, DealService, LeadService, ProductService, TicketService
from store.services.audit import audit
from store.services.base import among


class _Writer(Protocol):
    """What the importer calls on the service of every resource (the resource-specific moves narrow by type)."""

    async def create(self, data: dict[str, Any], /) -> Entity: ...

    async def update(self, record_id: uuid.UUID, data: dict[str, Any], /) -> Entity: ...


MODELS: dict[str, type[Account | Contact | Lead | Deal | Ticket | Product]] = {
    "accounts": Account,
    "contacts": Contact,
    "leads": Lead,
    "deals": Deal,
    "tickets": Ticket,
    "products": Product,
}
SERVICES: dict[str, Callable[[AsyncSession, Actor], _Writer]] = {
    "accounts": AccountService,
    "contacts": ContactService,
    "leads": LeadService,
    "deals": DealService,
    "tickets": TicketService,
    "products": ProductService,
}
UPDATES: dict[str, type[Input]] = {
    "accounts": AccountUpdate,
    "contacts": ContactUpdate,
    "leads": LeadUpdate,
    "deals": DealUpdate,
    "tickets": TicketUpdate,
    "products": ProductUpdate,
}
NATURAL = {
    "accounts": "account_name",
    "contacts": "email",
    "leads": "email",
    "deals": "deal_name",
    "tickets": "subject",
    "products": "sku",
}
BULK = {"contacts"}  # new records of these are created a batch at a time (`_RowWriter.bulk`)
NO_REASON = "no reason given in the imported file"
MAX_ERRORS = 1000  # kept in the report; all are counted


@dataclass
class ImportOptions:
    """How to read and write a file (the CLI's and the API's options)."""

    preset: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    owner: str | None = None  # email of the owner for rows whose owner is empty or unknown
    dry_run: bool = False
    update_existing: bool = False
    date_format: str | None = None
    create_accounts: bool = False
    batch: int = 2000


@dataclass
class RowIssue:
    row: int
    column: str | None
    reason: str


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    resource: str
    filename: str
    dry_run: bool
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    custom_columns: list[str] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowIssue] = field(default_factory=list)

    def fail(self, row: int, column: str | None, reason: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowIssue(row, column, reason))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Progress = Callable[[int, int], Any]  # (rows done, bytes read)
Item = tuple[int, dict[str, str] | None, str | None]  # (row number, {column: cell} or None, why the row is unreadable)


class Importer:
    """Imports one file of one resource as one user (with that user's rights)."""

    def __init__(self, db: Database, actor: Actor, resource: str, options: ImportOptions | None = None) -> None:
        self.db, self.resource, self.options = db, resource, options or ImportOptions()
        self.actor = Actor(
            role=actor.role,
            user_id=actor.user_id,
            name=actor.name,
            email=actor.email,
            team=actor.team,
            channel=Channel.csv_import,
        )
        self.users: dict[str, uuid.UUID] = {}
        self.default_owner: uuid.UUID | None = None
        self.parents: list[tuple[int, str, uuid.UUID | None, str]] = []  # (row, column, account id, parent name)
        self.names: set[str] = set()  # account names of this file (a dry run links parents to them)
        self.accounts: dict[str, uuid.UUID] = {}  # accounts found by name, kept for the whole file (bulk path)

    async def run(
        self, raw: BinaryIO, *, filename: str = "", size: int = 0, progress: Progress | None = None
    ) -> ImportReport:
        table = open_table(raw, size)
        o = self.options
        mapping = Mapping.build(
            self.resource, table.header, preset=o.preset, columns=o.columns, values=o.values, date_format=o.date_format
        )
        report = ImportReport(
            resource=self.resource,
            filename=filename,
            dry_run=o.dry_run,
            encoding=table.encoding,
            delimiter=table.delimiter,
            columns=mapping.columns,
            custom_columns=mapping.custom,
        )
        await self._load_users()
        batch: list[Item] = []
        for item in table.rows():
            batch.append(item)
            if len(batch) >= o.batch:
                await self._batch(batch, mapping, report)
                batch = []
                await _tell(progress, report.rows, table.bytes_read)
        if batch:
            await self._batch(batch, mapping, report)
        await self._link_parents(report)
        await _tell(progress, report.rows, table.bytes_read)
        if not o.dry_run:
            async with self.db.session() as session:
                await audit(
                    session,
                    self.actor,
                    action=f"import:{self.resource}",
                    status="ok" if not report.failed else "partial",
                    arguments={
                        "filename": filename,
                        "rows": report.rows,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "failed": report.failed,
                    },
                )
        report.errors.sort(key=lambda e: e.row)
        return report

    async def _load_users(self) -> None:
        async with self.db.session() as session:
            for user_id, email, name in await session.execute(
                select(User.id, User.email, User.name).where(User.is_active.is_(True))
            ):
                self.users[email.lower()] = user_id
                self.users.setdefault(" ".join(name.lower().split()), user_id)
        if self.options.owner:
            self.default_owner = self.users.get(self.options.owner.lower())
            if self.default_owner is None:
                raise InvalidInput("owner", f"no active user with email {self.options.owner}")

    async def _batch(self, batch: list[Item], mapping: Mapping, report: ImportReport) -> None:
        async with self.db.sessions() as session:
            transaction = await session.begin()
            writer = _RowWriter(self, session, mapping)
            if self.resource in BULK:
                batch = await writer.bulk(batch, report)
            for number, row, problem in batch:
                report.rows += 1
                if row is None:
                    report.fail(number, None, problem or "unreadable row")
                    continue
                savepoint = await session.begin_nested()
                try:
                    outcome = await writer.write(number, row)
                    await savepoint.commit()
                except RowError as err:
                    await savepoint.rollback()
                    report.fail(number, err.column, err.reason)
                    continue
                except DomainError as err:
                    await savepoint.rollback()
                    report.fail(
                        number, mapping.column_of(err.field), f"{err.field}: {err.reason}" if err.field else err.reason
                    )
                    continue
                except DBAPIError as err:  # a value the database refuses that no rule caught: still only this row
                    await savepoint.rollback()
                    report.fail(number, None, f"refused by the database: {str(err.orig).splitlines()[0]}")
                    continue
                setattr(report, outcome, getattr(report, outcome) + 1)
            if self.options.dry_run:
                await transaction.rollback()
            else:
                await transaction.commit()

    async def _link_parents(self, report: ImportReport) -> None:
        """Link each account to its parent by name, now that every account of the file exists."""
        if not self.parents:
            return
        async with self.db.sessions() as session:
            transaction = await session.begin()
            service = AccountService(session, self.actor)
            for number, column, account_id, parent_name in self.parents:
                savepoint = await session.begin_nested()
                try:
                    parent = await session.scalar(select(Account.id).where(Account.account_name == parent_name))
                    if parent is None and not (self.options.dry_run and parent_name.lower() in self.names):
                        raise RowError(column, f"no account named '{parent_name}' (in the file or the CRM)")
                    if parent is not None and account_id is not None:
                        await service.update(account_id, {"parent_account_id": parent})
                    await savepoint.commit()
                except (RowError, DomainError) as err:
                    await savepoint.rollback()
                    reason = err.reason if isinstance(err, RowError) or not err.field else f"{err.field}: {err.reason}"
                    report.fail(number, column, reason)
            await (transaction.rollback() if self.options.dry_run else transaction.commit())


async def _tell(progress: Progress | None, rows: int, done: int) -> None:
    if progress is not None and inspect.isawaitable(result := progress(rows, done)):
        await result


class _RowWriter:
    """Writes the rows of one batch in one session."""

    def __init__(self, importer: Importer, session: AsyncSession, mapping: Mapping) -> None:
        self.importer, self.session, self.mapping = importer, session, mapping
        self.resource = importer.resource
        self.service = SERVICES[self.resource](session, importer.actor)
        self.options = importer.options
        self.accounts: dict[str, uuid.UUID] = {}  # accounts that existed before this batch, by lower-cased name

    async def bulk(self, batch: list[Item], report: ImportReport) -> list[Item]:
        """Write the batch's new records with the service's `create_many` (the rules of `create`, a query per kind of
        reference, COPY for the rows) and count the ones that exist already; return the rows left for the one-at-a-time
        path: unreadable rows, rows that name an account not in the CRM yet or a manager, rows to update, a second row
        of the batch with the key of an earlier one, and every new row of a batch whose bulk write the database refused
        (the bad row is then found and reported there, the others written)."""
        rest: list[Item] = []
        prepared: list[tuple[Item, dict[str, Any]]] = []
        for item in batch:
            number, row, _ = item
            if row is None:
                rest.append(item)
                continue
            try:
                data, custom = self.mapping.read(row)
            except RowError:
                rest.append(item)  # reported there, the same way
                continue
            if custom:
                data["custom_fields"] = custom | data.get("custom_fields", {})
            if "reporting_to" in data:
                rest.append(item)
                continue
            prepared.append((item, data))
        await self._known_accounts({data["account"] for _, data in prepared if data.get("account")})
        new: list[tuple[Item, dict[str, Any], set[str]]] = []
        for item, data in prepared:
            if data.get("account"):
                account = self.importer.accounts.get(data["account"].lower())
                if account is None:
                    rest.append(item)
                    continue
                data["account_id"] = account
                del data["account"]
            try:
                await self._resolve(data)
            except RowError as err:
                report.rows += 1
                report.fail(item[0], err.column, err.reason)
                continue
            keys = {f"external_id:{data['external_id']}"} if data.get("external_id") else set()
            new.append((item, data, keys | ({f"email:{data['email'].lower()}"} if data.get("email") else set())))
        existing = await self._existing_keys([data for _, data, _ in new])
        fresh: list[tuple[Item, dict[str, Any]]] = []
        seen: set[str] = set()
        for item, data, keys in new:
            if keys & existing and not self.options.update_existing:
                report.rows += 1
                report.unchanged += 1
            elif keys & (existing | seen):
                rest.append(item)
            else:
                seen |= keys
                fresh.append((item, data))
        if not fresh:
            return rest
        savepoint = await self.session.begin_nested()
        try:
            if not isinstance(self.service, ContactService):
                raise TypeError(f"{self.resource} are not written in bulk")
            results = await self.service.create_many([data for _, data in fresh])
            await savepoint.commit()
        except DBAPIError:
            await savepoint.rollback()
            return sorted(rest + [item for item, _ in fresh], key=lambda item: item[0])
        for (item, _), result in zip(fresh, results, strict=True):
            report.rows += 1
            if isinstance(result, DomainError):
                report.fail(
                    item[0],
                    self.mapping.column_of(result.field),
                    f"{result.field}: {result.reason}" if result.field else result.reason,
                )
            else:
                report.created += 1
        return sorted(rest, key=lambda item: item[0])

    async def _known_accounts(self, names: set[str]) -> None:
        """Find the accounts of these names that the file has not met yet, in one query."""
        missing = [n for n in names if n.lower() not in self.importer.accounts]
        if missing:
            rows = await self.session.execute(
                select(Account.account_name, Account.id).where(among(Account.account_name, missing))
            )
            for name, account_id in rows:
                self.importer.accounts.setdefault(name.lower(), account_id)

    async def _existing_keys(self, rows: list[dict[str, Any]]) -> set[str]:
        """The keys ("external_id:..." and "email:..." lower-cased) of `rows` that records of this resource hold already."""
        model = MODELS[self.resource]
        if not issubclass(model, Contact | Lead):
            raise TypeError(f"{self.resource} are not written in bulk")
        externals = [d["external_id"] for d in rows if d.get("external_id")]
        emails = [d["email"] for d in rows if d.get("email")]
        found: set[str] = set()
        if externals:
            found |= {
                f"external_id:{e}"
                for e in await self.session.scalars(
                    select(model.external_id).where(among(model.external_id, externals))
                )
            }
        if emails:
            found |= {
                f"email:{m.lower()}"
                for m in await self.session.scalars(select(model.email).where(among(model.email, emails)))
            }
        return found

    async def write(self, number: int, row: dict[str, str]) -> str:
        """Create or update the row's record; returns "created", "updated" or "unchanged"."""
        data, custom = self.mapping.read(row)
        if custom:
            data["custom_fields"] = custom | data.get("custom_fields", {})
        moves: dict[str, Any] = {k: data.pop(k) for k in ("status", "lost_reason") if k in data}
        if self.resource == "deals" and data.get("stage") in (DealStage.closed_won, DealStage.closed_lost):
            moves["stage"] = data.pop("stage")
            data.pop("probability", None)
        elif (
            self.resource == "deals"
            and "probability" in data
            and data["probability"] == STAGE_PROBABILITY.get(data.get("stage", "qualification"))
        ):
            data.pop("probability")
        parent = data.pop("parent_account", None)
        await self._resolve(data)
        if self.resource == "accounts" and data.get("account_name"):
            self.importer.names.add(data["account_name"].lower())
        existing = await self._existing(data)
        if existing is None:
            record = await self.service.create(data)
            await self._move(record, moves)
            outcome = "created"
        else:
            record, outcome = existing, await self._update(existing, data, moves)
        if parent:
            self.importer.parents.append((number, self.mapping.column_of("parent_account") or "", record.id, parent))
        return outcome

    async def _update(self, record: Any, data: dict[str, Any], moves: dict[str, Any]) -> str:
        if not self.options.update_existing:
            return "unchanged"
        allowed = UPDATES[self.resource].model_fields
        changes = {
            k: v for k, v in data.items() if k in allowed and k != NATURAL[self.resource] and getattr(record, k) != v
        }
        if "custom_fields" in changes:
            merged = (record.custom_fields or {}) | changes["custom_fields"]
            changes.pop("custom_fields")
            if merged != record.custom_fields:
                changes["custom_fields"] = merged
        if changes:
            await self.service.update(record.id, changes)
        moved = await self._move(record, moves)
        return "updated" if changes or moved else "unchanged"

    async def _move(self, record: Any, moves: dict[str, Any]) -> bool:
        """Lead status, deal stage and ticket status go through their own transitions; True when one moved."""
        target = moves.get("stage") or moves.get("status")
        if target is None or target == (getattr(record, "stage", None) or getattr(record, "status", None)):
            return False
        reason = moves.get("lost_reason") or NO_REASON
        if isinstance(self.service, DealService):
            await self.service.move_stage(record.id, target, reason=reason)
        elif isinstance(self.service, LeadService):
            if target == LeadStatus.converted:
                raise RowError(
                    self.mapping.column_of("status"), "a converted lead is imported as a contact (and its deal)"
                )
            if target == LeadStatus.new:
                return False
            await self.service.set_status(record.id, target, reason=reason if target == LeadStatus.lost else None)
        elif self.resource == "tickets":
            await self.service.update(record.id, {"status": target})
        return True

    async def _resolve(self, data: dict[str, Any]) -> None:
        """Reference fields (names, emails) -> the id fields the services take."""
        refs = REFS[self.resource]
        for ref, id_field in refs.items():
            column = self.mapping.column_of(ref)
            if ref in ("owner", "assignee"):
                name = data.pop(ref, None)
                user = self.importer.users.get(" ".join(name.lower().split())) if name else None
                if name and user is None and self.importer.default_owner is None:
                    raise RowError(
                        column, f"no user '{name}' (by email or full name); pass --owner EMAIL for unknown owners"
                    )
                if user or self.importer.default_owner:
                    data[id_field] = user or self.importer.default_owner
            elif ref in data:
                value = data.pop(ref)
                data[id_field] = await (
                    self._account(value, data, column) if ref == "account" else self._contact(value, column, data)
                )
        if self.resource == "tickets" and data.get("requester_email") and not data.get("requester_contact_id"):
            data["requester_contact_id"] = await self.session.scalar(
                select(Contact.id).where(Contact.email == data["requester_email"])
            )

    async def _account(self, name: str, data: dict[str, Any], column: str | None) -> uuid.UUID:
        if name.lower() in self.accounts:
            return self.accounts[name.lower()]
        found = await self.session.scalar(select(Account.id).where(Account.account_name == name))
        if found is not None:
            self.accounts[name.lower()] = found
            return found
        if not self.options.create_accounts:
            raise RowError(column, f"no account named '{name}' (add --create-accounts to create missing accounts)")
        owner = data.get("owner_id") or data.get("assignee_id")
        account = await AccountService(self.session, self.importer.actor).create(
            {"account_name": name, "account_owner_id": owner}
        )
        return account.id

    async def _contact(self, email: str, column: str | None, data: dict[str, Any]) -> uuid.UUID | None:
        found = await self.session.scalar(select(Contact.id).where(Contact.email == email.strip()))
        if found is not None:
            return found
        if self.resource == "tickets" and "@" in email:
            data.setdefault("requester_email", email.strip())
            return None
        raise RowError(column, f"no contact with email '{email}'")

    async def _existing(self, data: dict[str, Any]) -> Any:
        model = MODELS[self.resource]
        if data.get("external_id"):
            found = await self.session.scalar(select(model).where(model.external_id == data["external_id"]))
            if found is not None:
                return found
        key = data.get(NATURAL[self.resource])
        if not key:
            return None
        stmt = select(model).where(getattr(model, NATURAL[self.resource]) == key)
        if self.resource == "deals":
            stmt = stmt.where(
                Deal.account_id == data["account_id"] if data.get("account_id") else Deal.account_id.is_(None)
            )
            stmt = stmt.where(func.lower(Deal.deal_name) == key.lower())
        elif self.resource == "tickets":
            if data.get("requester_contact_id"):
                stmt = stmt.where(Ticket.requester_contact_id == data["requester_contact_id"])
            else:
                stmt = stmt.where(Ticket.requester_email == data.get("requester_email"))
        return await self.session.scalar(stmt.limit(1))
