"""Lead lifecycle: create (scored and routed), update, status moves with BANT, and conversion."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor, CallerRole
from store.clock import utcnow
from store.errors import Conflict, InvalidInput, InvalidTransition
from store.intelligence import scoring
from store.intelligence.routing import route_lead
from store.models import Account, Contact, Deal, Lead
from store.models.enums import ActivityType, DealStage, LeadStatus, LifecycleStage, RecordType
from store.schemas import Bant, LeadConversion, LeadCreate, LeadUpdate, parse
from store.services.base import OwnedService
from store.services.deals import DealService
from store.services.lead_automation import on_lead_created
from store.services.timeline import record_activity
from store.settings import Settings, get_settings

# Forward moves only; "converted" is reached through `convert`. A lost lead may be re-engaged.
TRANSITIONS: dict[LeadStatus, set[LeadStatus]] = {
    LeadStatus.new: {LeadStatus.contacted, LeadStatus.qualified, LeadStatus.lost},
    LeadStatus.contacted: {LeadStatus.qualified, LeadStatus.lost},
    LeadStatus.qualified: {LeadStatus.lost},
    LeadStatus.lost: {LeadStatus.contacted},
    LeadStatus.converted: set(),
}
CONVERSION_CLOSE_DAYS = 90
BANT = ("budget", "authority", "need", "timeline")


@dataclass
class Conversion:
    """What converting a lead created or linked."""

    lead: Lead
    contact: Contact
    account: Account
    deal: Deal | None


class LeadService(OwnedService[Lead]):
    """Leads from capture to conversion; the automation and qualification rules come from `settings`."""

    model = Lead

    def __init__(self, session: AsyncSession, actor: Actor, settings: Settings | None = None) -> None:
        super().__init__(session, actor)
        self.settings = settings or get_settings()

    async def create(self, data: LeadCreate | dict[str, Any]) -> Lead:
        values = parse(LeadCreate, data)
        owner = await self.new_owner(values.assigned_to_id)
        await self._email_free(values.email)
        lead = Lead(
            **values.model_dump(exclude={"assigned_to_id", "score"}), assigned_to_id=owner, score=values.score or 0
        )
        self.session.add(lead)
        await self.flush()
        if values.score is None:
            lead.score = await scoring.score_now(self.session, lead.id)
        subject = f"Lead {lead.name} created (source: {lead.source}), score {lead.score} ({scoring.band(lead.score)})"
        if values.assigned_to_id is None and self.actor.role is not CallerRole.rep:
            subject += f"; routed: {(await route_lead(self.session, lead)).reason}"
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.lead,
            action="created",
            subject=subject,
            on=[(RecordType.lead, lead.id)],
        )
        await on_lead_created(self.session, self.actor, lead, self.settings)
        return lead

    async def update(self, lead_id: uuid.UUID | str, data: LeadUpdate | dict[str, Any]) -> Lead:
        changes = parse(LeadUpdate, data).model_dump(exclude_unset=True)
        lead = await self.editable(lead_id)
        if "assigned_to_id" in changes:
            await self.ensure_user(changes["assigned_to_id"], "assigned_to_id")
            await self.check("leads", "write", changes["assigned_to_id"])
        if changes.get("email") and changes["email"].lower() != lead.email.lower():
            await self._email_free(changes["email"])
        diff = self.apply(lead, changes)
        await self.flush()
        if diff:
            await record_activity(
                self.session,
                self.actor,
                type=ActivityType.lead,
                action="updated",
                subject=f"Lead {lead.name} updated: {', '.join(diff)}",
                on=[(RecordType.lead, lead.id)],
                details={k: v[1] for k, v in diff.items()},
            )
        return lead

    async def set_status(
        self,
        lead_id: uuid.UUID | str,
        status: LeadStatus | str,
        *,
        reason: str | None = None,
        bant: Bant | dict[str, Any] | None = None,
    ) -> Lead:
        """Move a lead along its lifecycle; lost needs a reason, qualified records BANT."""
        try:
            target = LeadStatus(status)
        except ValueError:
            raise InvalidInput("status", f"'{status}' is not one of {[s.value for s in LeadStatus]}") from None
        lead = await self.editable(lead_id)
        if target is LeadStatus.converted:
            raise InvalidTransition("status", "a lead becomes converted only through conversion")
        if target not in TRANSITIONS[lead.status]:
            raise InvalidTransition("status", f"a {lead.status} lead cannot become {target}")
        if target is LeadStatus.lost:
            if not reason or not reason.strip():
                raise InvalidInput("reason", "a lost lead needs a reason")
            lead.lost_reason = reason.strip()
        if bant is not None:
            criteria = parse(Bant, bant)
            for key, value in criteria.model_dump(exclude_unset=True).items():
                setattr(lead, f"bant_{key}", value)
        if target is LeadStatus.qualified and self.settings.qualify_requires_bant:
            for key in BANT:
                if not (getattr(lead, f"bant_{key}") or "").strip():
                    raise InvalidInput(
                        f"bant.{key}", f"qualifying needs the {key} answered (BANT); say what it is, or 'unknown'"
                    )
        previous, lead.status = lead.status, target
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.lead,
            action="status_changed",
            subject=f"Lead {lead.name}: {previous} -> {target}"
            + (f" ({lead.lost_reason})" if target is LeadStatus.lost else ""),
            on=[(RecordType.lead, lead.id)],
            details={"from": previous, "to": target, "reason": reason},
        )
        return lead

    async def convert(
        self, lead_id: uuid.UUID | str, data: LeadConversion | dict[str, Any] | None = None
    ) -> Conversion:
        """Convert a lead into contact, account and (optionally) deal, in this one transaction.

        The lead row is locked, so two racing conversions serialise and the second
        one finds the lead converted and fails without creating anything.
        """
        options = parse(LeadConversion, data or {})
        lead = await self.editable(lead_id)
        if lead.status is LeadStatus.converted:
            raise Conflict("status", f"lead {lead.name} is already converted")
        if lead.status is LeadStatus.lost:
            raise InvalidTransition("status", f"lead {lead.name} is lost; re-engage it before converting")
        override = (options.override_reason or "").strip()
        if self.settings.convert_requires_qualified and lead.status is not LeadStatus.qualified:
            if not override:
                raise InvalidTransition(
                    "status",
                    f"lead {lead.name} is {lead.status}, not qualified: qualify it (BANT) first, "
                    "or give override_reason to convert it anyway",
                )
            lead.conversion_override_by_id, lead.conversion_override_reason = self.actor.user_id, override
            await record_activity(
                self.session,
                self.actor,
                type=ActivityType.lead,
                action="conversion_override",
                subject=f"Lead {lead.name} converted while {lead.status} (not qualified) by {self.actor.label}: {override}",
                on=[(RecordType.lead, lead.id)],
                details={"by": self.actor.label, "reason": override, "status": lead.status},
            )
        owner = lead.assigned_to_id or self.actor.user_id
        account = await self._account_for(lead, options.account_id, owner)
        contact = await self._contact_for(lead, account, owner)
        deal = None
        if options.create_deal:
            deal = await DealService(self.session, self.actor).create(
                {
                    "deal_name": options.deal_name or f"{account.account_name} - New Business",
                    "amount": options.amount or 0,
                    "close_date": options.close_date or (utcnow() + timedelta(days=CONVERSION_CLOSE_DAYS)).date(),
                    "stage": DealStage.qualification,
                    "account_id": account.id,
                    "primary_contact_id": contact.id,
                    "owner_id": owner,
                    "lead_source": lead.source.value,
                }
            )
            contact.lifecycle_stage = LifecycleStage.opportunity
        lead.status = LeadStatus.converted
        lead.converted_at = utcnow()
        lead.converted_contact_id, lead.converted_account_id = contact.id, account.id
        lead.converted_deal_id = deal.id if deal else None
        if account.primary_contact_id is None:
            account.primary_contact_id = contact.id
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.lead,
            action="converted",
            subject=f"Lead {lead.name} converted" + (f" with deal {deal.deal_name}" if deal else ""),
            on=[
                (RecordType.lead, lead.id),
                (RecordType.contact, contact.id),
                (RecordType.account, account.id),
                (RecordType.deal, deal.id if deal else None),
            ],
        )
        return Conversion(lead=lead, contact=contact, account=account, deal=deal)

    async def search(
        self,
        *,
        q: str | None = None,
        status: LeadStatus | None = None,
        limit: int = 20,
        offset: int = 0,
        by_score: bool = False,
        min_score: int | None = None,
        assigned_to_id: uuid.UUID | None = None,
        open_only: bool = False,
    ) -> tuple[list[Lead], int]:
        """Leads the caller may see, filtered by free text (name, email, company), status, least score, whose they
        are and, with `open_only`, those still being worked (neither converted nor lost); newest first, or with
        `by_score` the highest score first."""
        stmt = self._filtered(q, status, min_score, assigned_to_id, open_only)
        order = (Lead.score.desc().nulls_last(), Lead.created_at.desc()) if by_score else (Lead.created_at.desc(),)
        return await self.page(stmt, *order, limit=limit, offset=offset)

    async def by_owner(
        self, *, status: LeadStatus | None = None, open_only: bool = False
    ) -> list[tuple[uuid.UUID | None, int, int, int | None]]:
        """Per owner of the leads the caller may see (filtered as `search`): (owner id, leads, qualified ones, top
        score), the most leads first."""
        leads = self._filtered(None, status, None, None, open_only).subquery()
        count = func.count()
        stmt = (
            select(
                leads.c.assigned_to_id,
                count,
                func.count().filter(leads.c.status == LeadStatus.qualified),
                func.max(leads.c.score),
            )
            .group_by(leads.c.assigned_to_id)
            .order_by(count.desc())
        )
        return [(row[0], int(row[1]), int(row[2]), row[3]) for row in await self.session.execute(stmt)]

    def _filtered(
        self,
        q: str | None,
        status: LeadStatus | None,
        min_score: int | None,
        assigned_to_id: uuid.UUID | None,
        open_only: bool,
    ) -> Select[Lead]:
        stmt = self.visible()
        if open_only:
            stmt = stmt.where(Lead.status.not_in((LeadStatus.converted, LeadStatus.lost)))
        if assigned_to_id is not None:
            stmt = stmt.where(Lead.assigned_to_id == assigned_to_id)
        if q:
            like = f"%{q.strip()}%"
            stmt = stmt.where(
                or_(
                    (Lead.first_name + " " + Lead.last_name).ilike(like),
                    Lead.email.ilike(like),
                    Lead.company.ilike(like),
                )
            )
        if status:
            stmt = stmt.where(Lead.status == status)
        if min_score is not None:
            stmt = stmt.where(Lead.score >= min_score)
        return stmt

    async def _email_free(self, email: str) -> None:
        await self.unique("email", email, f"a lead with email {email} already exists")

    async def _account_for(self, lead: Lead, account_id: uuid.UUID | None, owner: uuid.UUID | None) -> Account:
        """The account a conversion links: the one named by id, else the one named like the lead's company.

        An account that already carries the company's name is linked only when the caller may read it.
        The name is claimed with INSERT ... ON CONFLICT on the (case-insensitive) unique account name, so
        conversions racing into one new company all link to the single account the first one created.
        """
        if account_id:
            return await self.referenced(Account, account_id, field="account_id")
        name = (lead.company or f"{lead.first_name} {lead.last_name}").strip()
        created = await self.session.scalar(
            pg_insert(Account)
            .values(account_name=name, industry=lead.industry, account_owner_id=owner)
            .on_conflict_do_nothing(index_elements=[Account.account_name])
            .returning(Account.id)
        )
        account = await self.session.scalar(
            select(Account)
            .where(Account.account_name == name)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if created is None and not await self.readable(account):  # type: ignore[arg-type]
            raise Conflict(
                "company",
                f"an account named {name} already exists and {self.actor.label} may not read it; "
                "convert into an account you may read (account_id) or change the lead's company",
            )
        if created is not None:
            await record_activity(
                self.session,
                self.actor,
                type=ActivityType.account,
                action="created",
                subject=f"Account {name} created from lead {lead.name}",
                on=[(RecordType.account, created)],
            )
        return account  # type: ignore[return-value]

    async def _contact_for(self, lead: Lead, account: Account, owner: uuid.UUID | None) -> Contact:
        """The contact a conversion links: an existing one with the lead's email (if the caller may read it), else a new one."""
        existing = await self.session.scalar(select(Contact).where(Contact.email == lead.email))
        if existing:
            if not await self.readable(existing):
                raise Conflict(
                    "email", f"a contact with email {lead.email} already exists and {self.actor.label} may not read it"
                )
            existing.account_id = existing.account_id or account.id
            return existing
        contact = Contact(
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            title=lead.title,
            account_id=account.id,
            owner_id=owner,
            last_activity=lead.last_contacted,
        )
        self.session.add(contact)
        await self.flush()
        return contact
