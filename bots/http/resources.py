"""`/api/v1/<records>`: list, get, create, patch (and delete where it makes sense) for every record type.

Each resource is a row of `RESOURCES`: which service serves it, which schemas it takes, and how
it lists. The handlers are made from that row, so every resource behaves alike: the service
validates (naming the field), checks the caller's rights and writes in one transaction.
Annotations here are real classes at definition time (no `from __future__ import annotations`),
because Litestar reads them to validate bodies and to write the OpenAPI schema.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import msgspec
from litestar import Request, Router, delete, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.response import Stream
from pydantic import BaseModel, Field

from bots.http.responses import AccountOut, ContactOut, Conversion, DealOut, LeadOut, record_out
from bots.http.state import Caller, Nexa
from store.access import Actor, redact
from store.imports.export import EXPORTABLE, header, to_csv
from store.imports.export import rows as csv_rows
from store.models import Account, Base, Call, Contact, Deal, Lead, Meeting, Note, Product, Task, Ticket
from store.models.enums import (
    DealStage,
    LeadStatus,
    Priority,
    RecordType,
    TaskStatus,
    TicketStatus,
)
from store.schemas import (
    AccountCreate,
    AccountUpdate,
    Bant,
    CallCreate,
    ContactCreate,
    ContactUpdate,
    DealCreate,
    DealUpdate,
    Input,
    Instant,
    LeadConversion,
    LeadCreate,
    LeadUpdate,
    MeetingCreate,
    NoteCreate,
    ProductCreate,
    ProductUpdate,
    TaskCreate,
    TaskUpdate,
    TicketCreate,
    TicketUpdate,
    Update,
    parse,
)
from store.serialize import ref, to_dict
from store.services import (
    AccountService,
    ContactService,
    DealService,
    EngagementService,
    LeadService,
    ProductService,
    TaskService,
    TicketService,
)
from store.services.audit import audit

MAX_PAGE = 200


def record(actor: Actor, item: Any) -> dict[str, Any]:
    """A record as the API returns it: every column by its spec name, plus its display name."""
    return redact(actor, to_dict(item) | {"name": ref(item)["name"]})


class Paging(Input):
    q: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10_000_000)


class LeadFilters(Paging):
    status: LeadStatus | None = None


class ContactFilters(Paging):
    account_id: uuid.UUID | None = None


class DealFilters(Paging):
    stage: DealStage | None = None
    account_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    open_only: bool = False


class ProductFilters(Paging):
    active_only: bool = False


class TicketFilters(Paging):
    status: TicketStatus | None = None
    priority: Priority | None = None
    account_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    open_only: bool = False
    sentiment: str | None = None
    intent: str | None = None


class TaskFilters(Paging):
    assignee_id: uuid.UUID | None = None
    status: TaskStatus | None = None
    related_type: RecordType | None = None
    related_id: uuid.UUID | None = None


class CallFilters(Paging):
    contact_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None


class MeetingFilters(Paging):
    start: Instant | None = None
    end: Instant | None = None


class NoteFilters(Paging):
    related_type: RecordType
    related_id: uuid.UUID


Lister = Callable[[Any, Any], Awaitable[tuple[list[Any], int]]]


@dataclass(frozen=True)
class Resource:
    """One record type over HTTP."""

    name: str  # plural path segment
    model: type[Base]
    service: type
    filters: type[Paging]
    list: Lister
    get: str
    create: type[Input]
    make: str
    update: type[Update] | None = None
    remove: bool = False

    @cached_property
    def out(self) -> type[msgspec.Struct]:
        """A record as the API returns it (`record`), for the OpenAPI document."""
        return record_out(self.model)

    @cached_property
    def page(self) -> type[msgspec.Struct]:
        return msgspec.defstruct(
            f"{self.model.__name__}Page",
            [("total", int), ("limit", int), ("offset", int), ("items", list[self.out])],  # type: ignore[name-defined]
        )

    # What a request does with the row, whichever adapter asks (the HTTP handlers below, `nexa records`); `channel`
    # prefixes the audit action (api:, cli:).

    async def fetch(self, session: Any, actor: Actor, record_id: uuid.UUID | str) -> Any:
        return await getattr(self.service(session, actor), self.get)(record_id)

    async def add(self, session: Any, actor: Actor, data: BaseModel, *, channel: str) -> Any:
        made = await getattr(self.service(session, actor), self.make)(data)
        await audit(
            session,
            actor,
            action=f"{channel}:{self.name}.create",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[made.id],
        )
        return made

    async def change(
        self, session: Any, actor: Actor, record_id: uuid.UUID | str, data: BaseModel, *, channel: str
    ) -> Any:
        changes = data.model_dump()
        changed = await self.service(session, actor).update(record_id, changes)
        await audit(
            session,
            actor,
            action=f"{channel}:{self.name}.update",
            arguments=changes,
            status="ok",
            record_ids=[record_id],
        )
        return changed


def _common(f: Paging) -> dict[str, Any]:
    return {"limit": f.limit, "offset": f.offset}


RESOURCES = [
    Resource(
        "leads",
        Lead,
        LeadService,
        LeadFilters,
        lambda s, f: s.search(q=f.q, status=f.status, **_common(f)),
        "get",
        LeadCreate,
        "create",
        LeadUpdate,
    ),
    Resource(
        "contacts",
        Contact,
        ContactService,
        ContactFilters,
        lambda s, f: s.search(q=f.q, account_id=f.account_id, **_common(f)),
        "get",
        ContactCreate,
        "create",
        ContactUpdate,
    ),
    Resource(
        "accounts",
        Account,
        AccountService,
        Paging,
        lambda s, f: s.search(q=f.q, **_common(f)),
        "get",
        AccountCreate,
        "create",
        AccountUpdate,
    ),
    Resource(
        "deals",
        Deal,
        DealService,
        DealFilters,
        lambda s, f: s.search(
            q=f.q, stage=f.stage, account_id=f.account_id, owner_id=f.owner_id, open_only=f.open_only, **_common(f)
        ),
        "get",
        DealCreate,
        "create",
        DealUpdate,
    ),
    Resource(
        "tickets",
        Ticket,
        TicketService,
        TicketFilters,
        lambda s, f: s.search(
            q=f.q,
            status=f.status,
            priority=f.priority,
            account_id=f.account_id,
            contact_id=f.contact_id,
            assignee_id=f.assignee_id,
            open_only=f.open_only,
            sentiment=f.sentiment,
            intent=f.intent,
            **_common(f),
        ),
        "get",
        TicketCreate,
        "create",
        TicketUpdate,
    ),
    Resource(
        "tasks",
        Task,
        TaskService,
        TaskFilters,
        lambda s, f: s.search(
            assignee_id=f.assignee_id,
            status=f.status,
            related_type=f.related_type,
            related_id=f.related_id,
            **_common(f),
        ),
        "get",
        TaskCreate,
        "create",
        TaskUpdate,
        remove=True,
    ),
    Resource(
        "calls",
        Call,
        EngagementService,
        CallFilters,
        lambda s, f: s.list_calls(contact_id=f.contact_id, lead_id=f.lead_id, deal_id=f.deal_id, **_common(f)),
        "get_call",
        CallCreate,
        "log_call",
    ),
    Resource(
        "meetings",
        Meeting,
        EngagementService,
        MeetingFilters,
        lambda s, f: s.list_meetings(start=f.start, end=f.end, **_common(f)),
        "get_meeting",
        MeetingCreate,
        "schedule_meeting",
    ),
    Resource(
        "notes",
        Note,
        EngagementService,
        NoteFilters,
        lambda s, f: s.list_notes(f.related_type, f.related_id, **_common(f)),
        "get_note",
        NoteCreate,
        "add_note",
    ),
    Resource(
        "products",
        Product,
        ProductService,
        ProductFilters,
        lambda s, f: s.search(q=f.q, active_only=f.active_only, **_common(f)),
        "get",
        ProductCreate,
        "create",
        ProductUpdate,
    ),
]


BY_NAME = {r.name: r for r in RESOURCES}


class CsvStream(Stream):
    """A streamed CSV body whose media type wins over the list handler's JSON one."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        return super().to_asgi_response(*args, **(kwargs | {"media_type": self.media_type}))


async def export_csv(
    db: Any, actor: Actor, resource: str, filters: Paging, *, limit: int | None = None
) -> AsyncIterator[str]:
    """The records the JSON list returns for these filters (every page, or `limit` of them), as CSV text in chunks.

    Each page is read in its own short transaction; the columns are those the import reads back, without the
    fields the caller's role may not see.
    """
    r = BY_NAME[resource]
    yield to_csv([header(resource, actor)])
    offset, left = filters.offset, limit
    while left is None or left > 0:
        size = MAX_PAGE if left is None else min(MAX_PAGE, left)
        page_filters = filters.model_copy(update={"limit": size, "offset": offset})
        async with db.session() as session:
            items, _ = await r.list(r.service(session, actor), page_filters)
            table = await csv_rows(session, actor, resource, items)
        if table:
            yield to_csv(table)
        if len(items) < size:
            return
        offset += size
        left = None if left is None else left - size


def _router(r: Resource) -> Router:
    """The handlers of one resource, made from its row."""
    create_model, update_model, out, page_type = r.create, r.update, r.out, r.page

    async def list_records(request: Request, nexa: Nexa, actor: Caller) -> page_type:  # type: ignore[valid-type]
        filters = parse(r.filters, dict(request.query_params))
        if r.name in EXPORTABLE and "text/csv" in request.headers.get("accept", ""):
            explicit = "limit" in request.query_params
            rows = export_csv(nexa.db, actor, r.name, filters, limit=filters.limit if explicit else None)
            return CsvStream(
                rows,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{r.name}.csv"'},
            )
        async with nexa.db.session() as session:
            items, total = await r.list(r.service(session, actor), filters)
            return page_type(
                total=total, limit=filters.limit, offset=filters.offset, items=[out(**record(actor, i)) for i in items]
            )

    async def get_record(nexa: Nexa, actor: Caller, record_id: FromPath[uuid.UUID]) -> out:  # type: ignore[valid-type]
        async with nexa.db.session() as session:
            return out(**record(actor, await r.fetch(session, actor, record_id)))

    async def create_record(nexa: Nexa, actor: Caller, data: JSONBody[create_model]) -> out:  # type: ignore[valid-type]
        async with nexa.db.session() as session:
            return out(**record(actor, await r.add(session, actor, data, channel="api")))

    handlers = [
        get(
            "/",
            name=f"list_{r.name}",
            summary=f"List {r.name}",
            description=f"Filters: {', '.join(r.filters.model_fields)}.",
        )(list_records),
        get("/{record_id:uuid}", name=f"get_{r.name}", summary=f"Get one of the {r.name}")(get_record),
        post("/", name=f"create_{r.name}", summary=f"Create one of the {r.name}", status_code=201)(create_record),
    ]
    if update_model is not None:

        async def update_record(
            nexa: Nexa,
            actor: Caller,
            record_id: FromPath[uuid.UUID],
            data: JSONBody[update_model],  # type: ignore[valid-type]
        ) -> out:  # type: ignore[valid-type]
            async with nexa.db.session() as session:
                return out(**record(actor, await r.change(session, actor, record_id, data, channel="api")))

        handlers.append(
            patch("/{record_id:uuid}", name=f"update_{r.name}", summary=f"Change some fields of one of the {r.name}")(
                update_record
            )
        )
    if r.remove:

        async def delete_record(nexa: Nexa, actor: Caller, record_id: FromPath[uuid.UUID]) -> None:
            async with nexa.db.session() as session:
                await r.service(session, actor).delete(record_id)
                await audit(session, actor, action=f"api:{r.name}.delete", status="ok", record_ids=[record_id])

        handlers.append(
            delete(
                "/{record_id:uuid}", name=f"delete_{r.name}", summary=f"Delete one of the {r.name}", status_code=204
            )(delete_record)
        )
    return Router(path=f"/{r.name}", route_handlers=handlers, tags=[r.name])


class StatusChange(BaseModel):
    status: LeadStatus
    reason: str | None = None
    bant: Bant | None = None


class StageMove(BaseModel):
    stage: DealStage
    reason: str | None = None


@post("/leads/{lead_id:uuid}/convert", status_code=201, tags=["leads"])
async def convert_lead(
    nexa: Nexa, actor: Caller, lead_id: FromPath[uuid.UUID], data: JSONBody[LeadConversion]
) -> Conversion:
    """Convert a lead into a contact, an account and (by default) a deal, in one transaction."""
    async with nexa.db.session() as session:
        done = await LeadService(session, actor).convert(lead_id, data)
        await audit(
            session,
            actor,
            action="api:leads.convert",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[lead_id, done.contact.id, done.account.id, done.deal.id if done.deal else None],
        )
        return Conversion(
            lead=LeadOut(**record(actor, done.lead)),
            contact=ContactOut(**record(actor, done.contact)),
            account=AccountOut(**record(actor, done.account)),
            deal=DealOut(**record(actor, done.deal)) if done.deal else None,
        )


@post("/leads/{lead_id:uuid}/status", status_code=200, tags=["leads"])
async def lead_status(nexa: Nexa, actor: Caller, lead_id: FromPath[uuid.UUID], data: JSONBody[StatusChange]) -> LeadOut:
    """Move a lead along its lifecycle (lost needs a reason; qualified may record BANT)."""
    async with nexa.db.session() as session:
        lead = await LeadService(session, actor).set_status(lead_id, data.status, reason=data.reason, bant=data.bant)
        await audit(
            session,
            actor,
            action="api:leads.status",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[lead_id],
        )
        return LeadOut(**record(actor, lead))


@post("/deals/{deal_id:uuid}/stage", status_code=200, tags=["deals"])
async def deal_stage(nexa: Nexa, actor: Caller, deal_id: FromPath[uuid.UUID], data: JSONBody[StageMove]) -> DealOut:
    """Move a deal to a stage (closed_lost needs a reason; closed_won runs the onboarding automation)."""
    async with nexa.db.session() as session:
        deal = await DealService(session, actor).move_stage(deal_id, data.stage, reason=data.reason)
        await audit(
            session,
            actor,
            action="api:deals.stage",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[deal_id],
        )
        return DealOut(**record(actor, deal))


def resource_routers() -> list[Any]:
    return [convert_lead, lead_status, deal_stage, *(_router(r) for r in RESOURCES)]
