"""CSV import: realistic HubSpot and Salesforce exports, encodings, delimiters, bad rows, re-imports, dry runs."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from store.access import Actor
from store.auth import actor_for
from store.imports import Importer, ImportOptions
from store.imports.values import CellError, day, money
from store.models import Account, Activity, AuditEntry, Contact, Deal, Order, Ticket
from store.models.enums import DealStage, Role
from tests.support import factories
from tests.support.paths import DATA

IMPORTS = DATA / "imports"


async def _people(db) -> dict[str, Actor]:
    async with db.session() as session:
        john = await factories.user(session, name="John Smith", email="john@nexa.test", role=Role.rep)
        maria = await factories.user(session, name="Maria Garcia", email="maria@nexa.test", role=Role.manager)
        admin = await factories.user(session, name="Ada Admin", email="admin@nexa.test", role=Role.admin, team=None)
        return {"john": actor_for(john), "maria": actor_for(maria), "admin": actor_for(admin)}


async def _import(db, actor, resource, name, **options):
    raw = io.BytesIO((IMPORTS / name).read_bytes())
    return await Importer(db, actor, resource, ImportOptions(**options)).run(raw, filename=name)


def _errors(report) -> dict[int, tuple[str | None, str]]:
    return {e.row: (e.column, e.reason) for e in report.errors}


async def _count(db, model) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_hubspot_contacts_export_with_bom_quoted_newlines_and_bad_rows(db):
    people = await _people(db)
    report = await _import(
        db, people["admin"], "contacts", "hubspot_contacts.csv", preset="hubspot", create_accounts=True
    )
    assert report.encoding == "utf-8-sig" and report.delimiter == ","
    assert (report.rows, report.created, report.failed) == (7, 4, 3)
    errors = _errors(report)
    assert errors[5][0] == "Email" and "email" in errors[5][1]  # the header is row 1: the 4th record is row 5
    assert errors[6][0] == "Contact owner" and "ghost.rep@elsewhere.test" in errors[6][1]
    assert errors[7][0] == "Last Name"
    async with db.session() as session:
        ana = await session.scalar(select(Contact).where(Contact.email == "ana.lima@brightwave.io"))
        assert (ana.external_id, ana.title, ana.lifecycle_stage) == ("51001", "CTO", "lead")
        assert ana.custom_fields["Notes"] == "Met at SaaStr.\nWants a demo in March."
        assert ana.custom_fields["Favorite Product"] == "Analytics"
        assert ana.owner_id == people["john"].user_id
        ben = await session.scalar(select(Contact).where(Contact.email == "ben.okafor@northwind.test"))
        assert ben.owner_id == people["maria"].user_id  # owner by full name
        zoe = await session.scalar(select(Contact).where(Contact.email == "zoe.angstrom@brightwave.io"))
        assert (zoe.first_name, zoe.last_name, zoe.account_id) == ("Zoë", "Ångström", ana.account_id)
        chloe = await session.scalar(select(Contact).where(Contact.email == "chloe.dubois@acme.test"))
        assert chloe.lifecycle_stage == "advocate" and chloe.custom_fields["Notes"] == 'Loves the "Insights" tab'
        names = set(await session.scalars(select(Account.account_name)))
        assert names == {"Brightwave", "Northwind Traders", "Acme Corp"}  # Globex and Initech only came with bad rows
        subjects = list(
            await session.scalars(select(Activity.subject).where(Activity.details["imported"].astext == "true"))
        )
        assert any(s == "Contact Ana Lima created (imported)" for s in subjects)
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "import:contacts"))
        assert entry.channel == "import" and entry.arguments["created"] == 4

    again = await _import(
        db, people["admin"], "contacts", "hubspot_contacts.csv", preset="hubspot", create_accounts=True
    )
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 4, 3)
    assert await _count(db, Contact) == 4
    updated = await _import(
        db,
        people["admin"],
        "contacts",
        "hubspot_contacts.csv",
        preset="hubspot",
        create_accounts=True,
        update_existing=True,
    )
    assert (updated.created, updated.updated, updated.unchanged) == (0, 0, 4)


async def test_accounts_are_not_created_unless_asked(db):
    people = await _people(db)
    report = await _import(db, people["admin"], "contacts", "hubspot_contacts.csv", preset="hubspot")
    assert report.created == 0
    assert _errors(report)[2] == (
        "Company Name",
        "no account named 'Brightwave' (add --create-accounts to create missing accounts)",
    )
    assert await _count(db, Contact) == 0 and await _count(db, Account) == 0


async def test_salesforce_opportunities_with_stages_money_us_dates_and_bad_rows(db):
    people = await _people(db)
    report = await _import(
        db, people["admin"], "deals", "salesforce_opportunities.csv", preset="salesforce", create_accounts=True
    )
    errors = _errors(report)
    assert (report.rows, report.created, report.failed) == (9, 5, 4), errors
    assert errors[6] == ("Amount", "'n/a' is not an amount")
    assert errors[7][0] == "Close Date"
    assert errors[8][0] == "Stage" and errors[8][1].startswith("'Dormant' is not one of prospecting")
    assert errors[9][0] == "Opportunity Owner" and "Tony Unknown" in errors[9][1]
    async with db.session() as session:
        deals = {d.deal_name: d for d in await session.scalars(select(Deal))}
        acme = deals["Acme Corp - Platform Expansion"]
        assert (acme.amount, str(acme.close_date), acme.stage, acme.probability, acme.type) == (
            45000,
            "2025-03-31",
            "negotiation",
            75,
            "upsell",
        )
        assert acme.probability_override is False and acme.weighted_value == 33750
        assert acme.external_id == "0068b00001AbCdE" and acme.custom_fields == {
            "Next Step": "Send MSA redlines",
            "Fiscal Period": "Q1-2025",
        }
        assert deals["Globex - Renewal 2025"].stage == DealStage.closed_won
        assert await session.scalar(select(func.count()).select_from(Order)) == 1  # closing won ran the same rules
        assert deals["Initech - Pilot"].stage == DealStage.closed_lost and deals["Initech - Pilot"].lost_reason
        wayne = deals["Wayne - Multi-year"]
        assert (wayne.stage, wayne.probability, wayne.probability_override) == ("proposal", 60, True)
        assert wayne.owner_id == people["maria"].user_id and wayne.lead_source == "Employee Referral"
        assert "Brightwave" not in set(
            await session.scalars(select(Account.account_name))
        )  # its row failed: nothing kept
    again = await _import(
        db, people["admin"], "deals", "salesforce_opportunities.csv", preset="salesforce", create_accounts=True
    )
    assert (again.created, again.unchanged, again.failed) == (0, 5, 4)


async def test_windows_1252_semicolons_eu_money_and_parents_in_any_order(db):
    people = await _people(db)
    report = await _import(db, people["admin"], "accounts", "accounts_windows1252_semicolon.csv", preset="salesforce")
    assert (report.encoding, report.delimiter) == ("cp1252", ";")
    errors = _errors(report)
    assert errors[5] == ("Parent Account", "no account named 'Nonexistent Holding' (in the file or the CRM)")
    assert errors[6][0] == "Employees"
    assert report.created == 4 and report.failed == 2
    async with db.session() as session:
        accounts = {a.account_name: a for a in await session.scalars(select(Account))}
        digital, parent = accounts["Société Générale Digital"], accounts["Société Générale"]
        assert digital.parent_account_id == parent.id  # the parent came two rows later
        assert (digital.employees, digital.annual_revenue, digital.type) == (1200, 12_500_000, "customer")
        assert accounts["Café Zürich AG"].parent_account_id is None
        assert accounts["Müller Maschinenbau GmbH"].account_owner_id == people["john"].user_id


async def test_dry_run_writes_nothing_and_reports_the_same(db):
    people = await _people(db)
    dry = await _import(
        db,
        people["admin"],
        "deals",
        "salesforce_opportunities.csv",
        preset="salesforce",
        create_accounts=True,
        dry_run=True,
    )
    assert (dry.created, dry.failed, dry.dry_run) == (5, 4, True)
    assert await _count(db, Deal) == 0 and await _count(db, Account) == 0 and await _count(db, AuditEntry) == 0
    real = await _import(
        db, people["admin"], "deals", "salesforce_opportunities.csv", preset="salesforce", create_accounts=True
    )
    assert [(e.row, e.column) for e in real.errors] == [(e.row, e.column) for e in dry.errors]


async def test_rows_run_with_the_importing_users_rights(db):
    people = await _people(db)
    report = await _import(
        db, people["john"], "deals", "salesforce_opportunities.csv", preset="salesforce", create_accounts=True
    )
    errors = _errors(report)
    assert errors[3][1].startswith("deals: john@nexa.test may not write")  # Maria's deal
    async with db.session() as session:
        owners = set(await session.scalars(select(Deal.owner_id)))
    assert owners == {people["john"].user_id}


async def test_tab_separated_file_without_preset_maps_columns_by_name(db):
    people = await _people(db)
    await _import(db, people["admin"], "contacts", "hubspot_contacts.csv", preset="hubspot", create_accounts=True)
    report = await _import(
        db, people["admin"], "tickets", "tickets_tab.tsv", values={"priority": {"super-high": "urgent"}}
    )
    assert report.delimiter == "\t" and report.failed == 0, report.errors
    async with db.session() as session:
        tickets = {t.subject: t for t in await session.scalars(select(Ticket))}
        export = tickets["Cannot export reports"]
        assert export.description == "Export button spins forever.\nTried Chrome and Firefox."
        assert export.requester_contact_id is not None and export.priority == "high"
        assert tickets["Invoice shows wrong VAT"].requester_email == "billing@unknown.test"
        assert tickets["Invoice shows wrong VAT"].status == "pending"
        assert tickets["Login loop"].priority == "urgent"
    again = await _import(
        db, people["admin"], "tickets", "tickets_tab.tsv", values={"priority": {"super-high": "urgent"}}
    )
    assert again.unchanged == 3 and await _count(db, Ticket) == 3


async def test_big_file_streams_in_batches(db):
    people = await _people(db)
    lines = ["first_name,last_name,email,source,company"] + [
        f"Lead,N{i},lead{i}@bulk.test,Web,Bulk {i % 7}" for i in range(1200)
    ]
    raw = io.BytesIO("\n".join(lines).encode())
    seen: list[int] = []
    report = await Importer(db, people["admin"], "leads", ImportOptions(batch=500)).run(
        raw, progress=lambda rows, _: seen.append(rows)
    )
    assert report.created == 1200 and seen == [500, 1000, 1200]


def test_money_and_dates():
    assert money("$12,500.00") == (12500, "USD")
    assert money("1.234,56 €") == (Decimal("1234.56"), "EUR")
    assert money("USD 45,000") == (45000, "USD")
    with pytest.raises(CellError):
        money("-5")
    assert (
        str(day("2025-03-31"))
        == str(day("03/31/2025"))
        == str(day("31.03.2025"))
        == str(day("Mar 31, 2025"))
        == "2025-03-31"
    )
    with pytest.raises(CellError, match="date-format"):
        day("03/04/2025")
    assert str(day("03/04/2025", "eu")) == "2025-04-03" and str(day("03/04/2025", "us")) == "2025-03-04"
