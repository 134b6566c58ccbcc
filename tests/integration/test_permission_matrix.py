"""The whole role x record x ownership x operation matrix, generated, against the real services.

The expectations are the README's permissions table written out independently of `store/access.py`:
if either changes alone, these tests fail.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from store import schemas
from store.access import Actor, CallerRole
from store.auth import actor_for
from store.clock import utcnow
from store.errors import NotFound, PermissionDenied
from store.models import ContactList, Task, User
from store.models.enums import Role
from store.services import AccountService, ContactService, DealService, LeadService
from store.services.campaigns import CampaignService
from store.services.emails import EmailService
from store.services.engagements import EngagementService
from store.services.lists import ListService
from store.services.tasks import TaskService
from store.services.tickets import TicketService
from store.settings import Settings
from tests.support import factories
from tools import TOOLSET, ToolContext

ROLES = ["admin", "service", "manager", "rep", "support", "customer"]
KINDS = ["lead", "contact", "account", "deal"]
OWNERS = ["own", "teammate", "other_team", "unowned"]
OPS = ["read", "write"]


def expected(role: str, kind: str, owner: str, op: str) -> bool:
    """The documented policy."""
    if role in ("admin", "service"):
        return True
    if role == "customer":
        return False
    if role == "support":
        return kind != "lead" and op == "read"
    if owner in ("own", "unowned"):
        return True
    if role == "manager":
        return owner == "teammate"
    return owner == "teammate" and op == "read"  # rep


SERVICES = {"lead": LeadService, "contact": ContactService, "account": AccountService, "deal": DealService}
OWNER_FIELD = {"lead": "assigned_to_id", "contact": "owner_id", "account": "account_owner_id", "deal": "owner_id"}
CHANGE = {
    "lead": {"title": "CTO"},
    "contact": {"title": "CTO"},
    "account": {"industry": "Retail"},
    "deal": {"amount": 1234},
}


@dataclass
class Cast:
    actors: dict[str, Actor]
    records: dict[tuple[str, str], object]
    emails: dict[str, str]  # the users named by owner: "teammate" (the East rep) and "other_team" (the West rep)


@pytest.fixture
async def cast(db) -> Cast:
    async with db.session() as s:
        users = {
            "admin": await factories.user(s, role=Role.admin, team=None),
            "service": await factories.user(s, role=Role.service, team=None),
            "manager": await factories.user(s, role=Role.manager, team="East"),
            "rep": await factories.user(s, role=Role.rep, team="East"),
            "support": await factories.user(s, role=Role.support, team="Support"),
        }
        teammate = await factories.user(s, role=Role.rep, team="East")
        stranger = await factories.user(s, role=Role.rep, team="West")
        actors = {role: actor_for(user) for role, user in users.items()} | {
            "customer": Actor.customer("matrix-session")
        }
        records = {}
        for role in ROLES:  # records owned relative to each caller: their own, a teammate's, another team's, nobody's
            me = users.get(role)
            for owner, user in (("own", me), ("teammate", teammate), ("other_team", stranger), ("unowned", None)):
                owner_id = user.id if user is not None else None
                tag = f"{role}-{owner}"
                lead = await factories.lead(s, assigned_to_id=owner_id, last_name=tag)
                lead.assigned_to_id = owner_id  # creation may have routed an unowned lead: pin the owner under test
                records[(role, owner, "lead")] = lead
                records[(role, owner, "contact")] = await factories.contact(s, owner_id=owner_id, last_name=tag)
                records[(role, owner, "account")] = await factories.account(
                    s, account_owner_id=owner_id, account_name=f"Acct {tag}"
                )
                records[(role, owner, "deal")] = await factories.deal(s, owner_id=owner_id, deal_name=f"Deal {tag}")
        s.add(ContactList(name="Matrix list"))  # unowned: every rep and manager may add to it (add_to_list's row)
        return Cast(actors, records, {"teammate": teammate.email, "other_team": stranger.email})


CELLS = [
    (r, k, o, op)
    for r, k, o, op in itertools.product(ROLES, KINDS, OWNERS, OPS)
    if not (r == "customer" and o == "own") and not (r in ("admin", "service") and o == "teammate")
]


@pytest.mark.parametrize("role", ROLES)
async def test_the_matrix(db, cast, role):
    failures = []
    for _, kind, owner, op in [c for c in CELLS if c[0] == role]:
        record = cast.records.get((role, owner, kind))
        service = SERVICES[kind]
        try:
            async with db.session() as s:
                if op == "read":
                    await service(s, cast.actors[role]).get(record.id)
                else:
                    await service(s, cast.actors[role]).update(record.id, CHANGE[kind])
                await s.rollback()
            allowed = True
        except (PermissionDenied, NotFound):
            allowed = False
        if allowed != expected(role, kind, owner, op):
            failures.append(f"{role} {op} {owner} {kind}: {'allowed' if allowed else 'refused'}, expected the opposite")
    assert not failures, "\n".join(failures)


def test_the_matrix_covers_every_cell():
    assert len(CELLS) == 6 * 4 * 4 * 2 - 4 * 2 - 2 * 4 * 2
    assert {CallerRole(r) for r in ROLES} == {
        CallerRole.admin,
        CallerRole.service,
        CallerRole.manager,
        CallerRole.rep,
        CallerRole.support,
        CallerRole.customer,
    }


# -- The dimension "a write references a record of another team" ---------------------------------------------
# Every id a write points at is read-checked (Service.referenced): a write may reference exactly the records its
# caller may read, i.e. `expected(role, kind, owner, "read")` above. One row per (input schema, reference field).

USER_FIELDS = {
    "owner_id",
    "assigned_to_id",
    "assignee_id",
    "account_owner_id",
    "user_ids",
    "product_id",
}  # users, catalog
NOT_REFERENCES = {"external_id"}  # another system's key for the record itself (imports), not a link to one of ours
# Lists are not owner-scoped for reading (their members are cut per contact), so any caller of the area may name one.
SHARED_RECORDS = {"list_id"}
REF_ROLES = ["rep", "manager"]
REF_OWNERS = ["teammate", "other_team"]
KIND_ID = {"lead": "lead_id", "contact": "contact_id", "account": "account_id", "deal": "deal_id"}


@dataclass(frozen=True)
class RefWrite:
    schema: str  # the input model (or service entry point) the reference arrives in
    field: str  # the reference field
    kind: str  # what it references
    call: object  # async (session, actor, mine, target_id) -> the write
    error_field: str | None = None  # the field a refusal names, when not `field`


def _new(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def _static_list_add(session, actor, contact_id):
    made = await ListService(session, actor).create({"name": _new("L")})
    return await ListService(session, actor).add(made.id, {"contact_ids": [contact_id]})


async def _campaign_add(session, actor, members):
    made = await CampaignService(session, actor).create({"name": _new("C"), "type": "email"})
    return await CampaignService(session, actor).add_members(made.id, members)


def _rows() -> list[RefWrite]:
    rows = [
        RefWrite(
            "DealCreate",
            "account_id",
            "account",
            lambda s, a, m, t: DealService(s, a).create({"deal_name": _new("D"), "amount": 1, "account_id": t}),
        ),
        RefWrite(
            "DealCreate",
            "primary_contact_id",
            "contact",
            lambda s, a, m, t: DealService(s, a).create({"deal_name": _new("D"), "amount": 1, "primary_contact_id": t}),
        ),
        RefWrite(
            "DealUpdate",
            "account_id",
            "account",
            lambda s, a, m, t: DealService(s, a).update(m["deal"].id, {"account_id": t}),
        ),
        RefWrite(
            "DealUpdate",
            "primary_contact_id",
            "contact",
            lambda s, a, m, t: DealService(s, a).update(m["deal"].id, {"primary_contact_id": t}),
        ),
        RefWrite(
            "ContactCreate",
            "account_id",
            "account",
            lambda s, a, m, t: ContactService(s, a).create(
                {"first_name": "A", "last_name": "B", "email": f"{_new('c')}@example.test", "account_id": t}
            ),
        ),
        RefWrite(
            "ContactCreate",
            "reporting_to_id",
            "contact",
            lambda s, a, m, t: ContactService(s, a).create(
                {"first_name": "A", "last_name": "B", "email": f"{_new('c')}@example.test", "reporting_to_id": t}
            ),
        ),
        RefWrite(
            "ContactUpdate",
            "account_id",
            "account",
            lambda s, a, m, t: ContactService(s, a).update(m["contact"].id, {"account_id": t}),
        ),
        RefWrite(
            "ContactUpdate",
            "reporting_to_id",
            "contact",
            lambda s, a, m, t: ContactService(s, a).update(m["contact"].id, {"reporting_to_id": t}),
        ),
        RefWrite(
            "AccountCreate",
            "parent_account_id",
            "account",
            lambda s, a, m, t: AccountService(s, a).create({"account_name": _new("A"), "parent_account_id": t}),
        ),
        RefWrite(
            "AccountCreate",
            "primary_contact_id",
            "contact",
            lambda s, a, m, t: AccountService(s, a).create({"account_name": _new("A"), "primary_contact_id": t}),
        ),
        RefWrite(
            "AccountUpdate",
            "parent_account_id",
            "account",
            lambda s, a, m, t: AccountService(s, a).update(m["account"].id, {"parent_account_id": t}),
        ),
        RefWrite(
            "AccountUpdate",
            "primary_contact_id",
            "contact",
            lambda s, a, m, t: AccountService(s, a).update(m["account"].id, {"primary_contact_id": t}),
        ),
        RefWrite(
            "LeadConversion",
            "account_id",
            "account",
            lambda s, a, m, t: LeadService(s, a).convert(
                m["lead"].id, {"account_id": t, "override_reason": "matrix test"}
            ),
        ),
        RefWrite(
            "TicketCreate",
            "requester_contact_id",
            "contact",
            lambda s, a, m, t: TicketService(s, a).create({"subject": "x", "requester_contact_id": t}),
        ),
        RefWrite(
            "TicketCreate",
            "account_id",
            "account",
            lambda s, a, m, t: TicketService(s, a).create({"subject": "x", "account_id": t}),
        ),
        RefWrite(
            "MeetingCreate",
            "contact_ids",
            "contact",
            lambda s, a, m, t: EngagementService(s, a).schedule_meeting(
                {"title": "x", "start_at": utcnow() + timedelta(days=1), "contact_ids": [t]}
            ),
            error_field="contact_ids.0",
        ),
        RefWrite(
            "EmailService.draft", "contact_id", "contact", lambda s, a, m, t: EmailService(s, a).draft(contact_id=t)
        ),
        RefWrite("EmailService.draft", "lead_id", "lead", lambda s, a, m, t: EmailService(s, a).draft(lead_id=t)),
        RefWrite(
            "EmailService.draft",
            "deal_id",
            "deal",
            lambda s, a, m, t: EmailService(s, a).draft(contact_id=m["contact"].id, deal_id=t),
        ),
        RefWrite(
            "EmailService.receive",
            "contact_id",
            "contact",
            lambda s, a, m, t: EmailService(s, a).receive({"body": "hi", "contact_id": t}),
        ),
        RefWrite(
            "EmailService.receive",
            "lead_id",
            "lead",
            lambda s, a, m, t: EmailService(s, a).receive({"body": "hi", "lead_id": t}),
        ),
        RefWrite("ListMembersChange", "contact_ids", "contact", lambda s, a, m, t: _static_list_add(s, a, t)),
        RefWrite(
            "CampaignMembersChange",
            "contact_ids",
            "contact",
            lambda s, a, m, t: _campaign_add(s, a, {"contact_ids": [t]}),
        ),
        RefWrite(
            "CampaignMembersChange", "lead_ids", "lead", lambda s, a, m, t: _campaign_add(s, a, {"lead_ids": [t]})
        ),
        RefWrite(
            "EmailService.receive",
            "deal_id",
            "deal",
            lambda s, a, m, t: EmailService(s, a).receive({"body": "hi", "contact_id": m["contact"].id, "deal_id": t}),
        ),
    ]
    for kind, field in KIND_ID.items():
        if kind != "account":  # a call is logged against a contact, a lead or a deal
            rows.append(
                RefWrite(
                    "CallCreate", field, kind, lambda s, a, m, t, f=field: EngagementService(s, a).log_call({f: t})
                )
            )
    for kind in KIND_ID:
        rows += [
            RefWrite(
                "MeetingCreate",
                "related_id",
                kind,
                lambda s, a, m, t, k=kind: EngagementService(s, a).schedule_meeting(
                    {"title": "x", "start_at": utcnow() + timedelta(days=1), "related_type": k, "related_id": t}
                ),
            ),
            RefWrite(
                "NoteCreate",
                "related_id",
                kind,
                lambda s, a, m, t, k=kind: EngagementService(s, a).add_note(
                    {"body": "x", "related_type": k, "related_id": t}
                ),
            ),
            RefWrite(
                "TaskCreate",
                "related_id",
                kind,
                lambda s, a, m, t, k=kind: TaskService(s, a).create({"title": "x", "related_type": k, "related_id": t}),
            ),
        ]
    return rows


REF_WRITES = _rows()


@pytest.mark.parametrize("role", REF_ROLES)
async def test_writes_reference_only_records_the_caller_may_read(db, cast, role):
    failures = []
    mine = {kind: cast.records[(role, "own", kind)] for kind in KINDS}
    for row, owner in itertools.product(REF_WRITES, REF_OWNERS):
        target = cast.records[(role, owner, row.kind)]
        try:
            async with db.session() as s:
                await row.call(s, cast.actors[role], mine, target.id)
                await s.rollback()
            outcome = "allowed"
        except PermissionDenied as err:
            outcome = "refused" if err.field == (row.error_field or row.field) else f"refused naming {err.field!r}"
        if outcome != ("allowed" if expected(role, row.kind, owner, "read") else "refused"):
            failures.append(f"{role}: {row.schema}.{row.field} -> {owner} {row.kind}: {outcome}")
    assert not failures, "\n".join(failures)


def test_every_reference_field_of_every_write_input_is_in_the_matrix():
    """A new input field that points at a record fails here until it has a row (and so a read check)."""
    covered = {(row.schema, row.field) for row in REF_WRITES}
    missing = []
    for model in _inputs(schemas.Input):
        if model.__module__ != schemas.__name__:
            continue  # the write inputs live in store.schemas; the HTTP layer's query filters only read
        if model.__name__.endswith("Fields"):
            continue  # the fields a record's Create and Update share: checked through those two
        for name in model.model_fields:
            if (
                name.endswith(("_id", "_ids"))
                and name not in USER_FIELDS | NOT_REFERENCES | SHARED_RECORDS
                and (model.__name__, name) not in covered
            ):
                missing.append(f"{model.__name__}.{name}")
    assert not missing, f"reference fields without a row in REF_WRITES: {missing}"


def _inputs(base: type) -> list[type]:
    found = []
    for sub in base.__subclasses__():
        found += [sub, *_inputs(sub)]
    return found


# The same dimension through every write tool the assistant offers: a reference argument to another team's record
# is refused, one to a record of the caller's own team is not.
TOOL_REF_ARGS: dict[tuple[str, str], tuple[str, object]] = {  # (tool, argument) -> (referenced kind, arguments)
    ("add_note", "related_id"): ("deal", lambda m, t: {"related_type": "deal", "related_id": t, "body": "x"}),
    ("create_account", "parent_account_id"): (
        "account",
        lambda m, t: {"account_name": _new("A"), "parent_account_id": t},
    ),
    ("create_contact", "account_id"): (
        "account",
        lambda m, t: {"first_name": "A", "last_name": "B", "email": f"{_new('c')}@example.test", "account_id": t},
    ),
    ("create_deal", "account_id"): ("account", lambda m, t: {"deal_name": _new("D"), "amount": 1, "account_id": t}),
    ("create_deal", "primary_contact_id"): (
        "contact",
        lambda m, t: {"deal_name": _new("D"), "amount": 1, "primary_contact_id": t},
    ),
    ("create_task", "related_id"): ("deal", lambda m, t: {"title": "x", "related_type": "deal", "related_id": t}),
    ("create_ticket", "requester_contact_id"): ("contact", lambda m, t: {"subject": "x", "requester_contact_id": t}),
    ("log_call", "contact_id"): ("contact", lambda m, t: {"contact_id": t}),
    ("log_call", "lead_id"): ("lead", lambda m, t: {"lead_id": t}),
    ("log_call", "deal_id"): ("deal", lambda m, t: {"deal_id": t}),
    ("log_email_received", "contact_id"): ("contact", lambda m, t: {"contact_id": t, "subject": "x", "body": "x"}),
    ("log_email_received", "lead_id"): ("lead", lambda m, t: {"lead_id": t, "subject": "x", "body": "x"}),
    ("log_email_received", "deal_id"): (
        "deal",
        lambda m, t: {"contact_id": m["contact"].id, "deal_id": t, "subject": "x", "body": "x"},
    ),
    ("schedule_meeting", "contact_ids"): (
        "contact",
        lambda m, t: {"title": "x", "start_at": utcnow() + timedelta(days=1), "contact_ids": [t]},
    ),
    ("schedule_meeting", "related_id"): (
        "account",
        lambda m, t: {
            "title": "x",
            "start_at": utcnow() + timedelta(days=1),
            "related_type": "account",
            "related_id": t,
        },
    ),
    ("add_to_list", "contact_ids"): ("contact", lambda m, t: {"list_name": "Matrix list", "contact_ids": [t]}),
    ("update_deal", "changes.account_id"): (
        "account",
        lambda m, t: {"deal_id": m["deal"].id, "changes": {"account_id": str(t)}},
    ),
    ("update_contact", "changes.reporting_to_id"): (
        "contact",
        lambda m, t: {"contact_id": m["contact"].id, "changes": {"reporting_to_id": str(t)}},
    ),
    ("update_account", "changes.parent_account_id"): (
        "account",
        lambda m, t: {"account_id": m["account"].id, "changes": {"parent_account_id": str(t)}},
    ),
}
OWN_RECORD_ARGS = {"task_id", "email_id", "quote_id"}  # the record the tool changes, checked for write by its service


@pytest.mark.parametrize("role", REF_ROLES)
async def test_write_tools_reference_only_records_the_caller_may_read(db, cast, role):
    failures = []
    mine = {kind: cast.records[(role, "own", kind)] for kind in KINDS}
    for ((name, arg), (kind, args)), owner in itertools.product(TOOL_REF_ARGS.items(), REF_OWNERS):
        target = cast.records[(role, owner, kind)]
        try:
            async with db.session() as s:
                await TOOLSET.tools[name].run(
                    ToolContext(session=s, actor=cast.actors[role], settings=Settings()), args(mine, target.id)
                )
                await s.rollback()
            outcome = "allowed"
        except PermissionDenied:
            outcome = "refused"
        if outcome != ("allowed" if expected(role, kind, owner, "read") else "refused"):
            failures.append(f"{role}: {name}({arg}=<{owner} {kind}>): {outcome}")
    assert not failures, "\n".join(failures)


def test_every_reference_argument_of_every_write_tool_is_in_the_matrix():
    covered = set(TOOL_REF_ARGS)
    missing = [
        f"{name}.{arg}"
        for name, tool in TOOLSET.tools.items()
        if tool.writes
        for arg in tool.spec.parameters["properties"]
        if arg.endswith(("_id", "_ids"))
        and arg not in OWN_RECORD_ARGS
        and (tool.target is None or tool.target[1] != arg)
        and (name, arg) not in covered
    ]
    assert not missing, f"write tools with reference arguments that have no row in TOOL_REF_ARGS: {missing}"


# -- The dimension "a tool argument names a teammate" --------------------------------------------------------------
# A teammate named by email or name (a task's assignee, whose deals or pipeline): the caller themselves always; their
# team for managers; anyone for admins; for reps, their team to narrow a read of deals (reps read their team's records:
# `access.can_touch`), nobody else; nobody else for support.
# `mine` holds ids of the caller's own records: a deal they own, a task assigned to them.
TOOL_PERSON_ARGS: dict[tuple[str, str], Callable[[str, dict[str, uuid.UUID]], dict[str, object]]] = {
    ("create_task", "assignee"): lambda who, mine: {"title": "x", "assignee": who},
    ("update_task", "assignee"): lambda who, mine: {"task_id": mine["task"], "assignee": who},
    ("find_tasks", "person"): lambda who, mine: {"description": "follow", "person": who},
    ("reassign_deal", "owner"): lambda who, mine: {"deal_id": mine["deal"], "owner": who},
    ("reassign_lead", "owner"): lambda who, mine: {"lead_id": mine["lead"], "owner": who},
    ("search_deals", "owner"): lambda who, mine: {"owner": who},
    ("search_leads", "owner"): lambda who, mine: {"owner": who},
    ("pipeline_summary", "owner"): lambda who, mine: {"owner": who},
    ("stuck_deals", "owner"): lambda who, mine: {"owner": who},
    ("search_calls", "person"): lambda who, mine: {"person": who},
}


READS_NAMING = {"search_deals", "search_leads", "pipeline_summary", "stuck_deals", "search_calls"}


def may_name(role: str, owner: str, tool: str) -> bool:
    return (
        role == "admin"
        or (role == "manager" and owner == "teammate")
        or (role == "rep" and owner == "teammate" and tool in READS_NAMING)
    )


@pytest.mark.parametrize("role", ["admin", "manager", "rep", "support"])
async def test_tools_name_only_the_teammates_the_caller_may_act_for(db, cast, role):
    failures = []
    actor = cast.actors[role]
    async with db.session() as s:
        task = Task(title=f"{role}'s task", assignee_id=actor.user_id, created_by_id=actor.user_id)
        s.add(task)
    mine = {kind: cast.records[(role, "own", kind)].id for kind in ("deal", "lead")} | {"task": task.id}
    for ((name, arg), args), owner in itertools.product(TOOL_PERSON_ARGS.items(), ("teammate", "other_team")):
        try:
            async with db.session() as s:
                await TOOLSET.tools[name].run(
                    ToolContext(session=s, actor=actor, settings=Settings()), args(cast.emails[owner], mine)
                )
                await s.rollback()
            outcome = "allowed"
        except PermissionDenied:
            outcome = "refused"
        if outcome != ("allowed" if may_name(role, owner, name) else "refused"):
            failures.append(f"{role}: {name}({arg}=<{owner}>): {outcome}")
    assert not failures, "\n".join(failures)


async def test_a_manager_naming_someone_outside_their_team_is_told_so_by_name(db, cast):
    async with db.session() as s:
        with pytest.raises(PermissionDenied) as refused:
            await TOOLSET.tools["search_deals"].run(
                ToolContext(session=s, actor=cast.actors["manager"], settings=Settings()),
                {"owner": cast.emails["other_team"]},
            )
        stranger = await s.scalar(select(User.name).where(User.email == cast.emails["other_team"]))
    assert refused.value.field == "owner" and f"{stranger} is not on your team" in refused.value.reason


def test_every_person_argument_of_every_tool_is_in_the_matrix():
    names = {"assignee", "owner", "person"}
    # a teammate's task list (its own tests); the inbox's and the ticket's assignment rules (support, managers, admins:
    # tests/integration/test_offline_team_support.py); a ticket queue by its assignee (the test below)
    own_rules = {"team_tasks", "assign_inbox_thread", "assign_ticket", "search_tickets"}
    missing = [
        f"{name}.{arg}"
        for name, tool in TOOLSET.tools.items()
        for arg in tool.spec.parameters["properties"]
        if arg in names and (name, arg) not in TOOL_PERSON_ARGS and name not in own_rules
    ]
    assert not missing, f"tools naming a teammate with no row in TOOL_PERSON_ARGS: {missing}"


@pytest.mark.parametrize("role", ["manager", "rep", "support"])
async def test_a_ticket_queue_is_named_only_within_the_callers_team(db, cast, role):
    """search_tickets' assignee narrows what the caller already sees to a colleague's queue (PeopleService.colleague):
    someone of another team is not found, whatever the caller's role."""
    async with db.session() as s:
        with pytest.raises((NotFound, PermissionDenied)):
            await TOOLSET.tools["search_tickets"].run(
                ToolContext(session=s, actor=cast.actors[role], settings=Settings()),
                {"assignee": cast.emails["other_team"]},
            )
