"""Accounts beyond their fields: health (explained), consolidated roll-ups over the hierarchy, the account team,
and the customer-success handoff list that closed-won deals fill."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from store.access import require
from store.clock import utcnow
from store.errors import InvalidInput, NotFound
from store.intelligence.account_health import Health, assess
from store.models import Account, AccountTeamMember, CustomerSuccessHandoff, Deal, Order, User
from store.models.enums import ActivityType, OrderStatus, RecordType
from store.services.accounts import AccountService, descendants_cte
from store.services.base import Service
from store.services.timeline import record_activity
from store.services.visibility import owner_visible

TEAM_ROLES = ("account_executive", "sales_engineer", "customer_success", "support", "executive_sponsor", "member")
HANDOFF_STATUSES = ("pending", "accepted", "withdrawn")


class AccountInsightService(Service):
    """Read and maintain what is computed or collected around an account."""

    async def health(self, account_id: uuid.UUID | str) -> Health:
        """The account's health now (support, sentiment, engagement, orders, open risks), factor by factor."""
        account = await AccountService(self.session, self.actor).get(account_id)
        return await assess(self.session, account, utcnow())

    async def consolidated(self, account_id: uuid.UUID | str) -> dict[str, Any]:
        """Annual revenue, lifetime value and deal totals of the account and everything below it (recursive CTE),
        over the accounts the caller may read; `hidden_accounts` counts those left out."""
        account = await AccountService(self.session, self.actor).get(account_id)
        tree = descendants_cte(account.id)
        rows = list(
            await self.session.execute(
                select(Account, tree.c.depth)
                .join(tree, tree.c.id == Account.id)
                .order_by(tree.c.depth, Account.account_name)
            )
        )
        visible = [(a, depth) for a, depth in rows if await self.readable(a)]
        ids = [a.id for a, _ in visible]
        ltv = dict(
            (
                await self.session.execute(
                    select(Order.account_id, func.sum(Order.amount))
                    .where(Order.account_id.in_(ids), Order.status != OrderStatus.cancelled)
                    .group_by(Order.account_id)
                )
            ).all()
        )
        deals = Decimal(0)
        won = Decimal(0)
        open_count = 0
        for amount, stage in await self.session.execute(
            select(Deal.amount, Deal.stage).where(Deal.account_id.in_(ids), owner_visible(self.actor, Deal.owner_id))
        ):
            if stage.value != "closed_lost":
                deals += amount
            if stage.value == "closed_won":
                won += amount
            elif stage.value != "closed_lost":
                open_count += 1
        return {
            "account_id": str(account.id),
            "account_name": account.account_name,
            "annual_revenue": sum((a.annual_revenue or Decimal(0) for a, _ in visible), Decimal(0)),
            "lifetime_value": sum((Decimal(v) for v in ltv.values()), Decimal(0)),
            "total_deal_value": deals,
            "total_closed_won": won,
            "open_deals": open_count,
            "accounts": [
                {
                    "id": str(a.id),
                    "account_name": a.account_name,
                    "depth": depth,
                    "annual_revenue": a.annual_revenue,
                    "lifetime_value": Decimal(ltv.get(a.id, 0)),
                    "health_score": a.health_score,
                    "churn_risk": a.churn_risk,
                }
                for a, depth in visible
            ],
            "hidden_accounts": len(rows) - len(visible),
            "method": "the account and all its descendants (parent_account_id, recursive); annual revenue and lifetime value "
            "(orders not cancelled) summed; deal value = open + won deals, the caller's visible deals only",
        }

    async def team(self, account_id: uuid.UUID | str) -> list[dict[str, Any]]:
        account = await AccountService(self.session, self.actor).get(account_id)
        rows = await self.session.execute(
            select(User, AccountTeamMember.role)
            .join(AccountTeamMember, AccountTeamMember.user_id == User.id)
            .where(AccountTeamMember.account_id == account.id)
            .order_by(User.name)
        )
        owner = await self.session.get(User, account.account_owner_id) if account.account_owner_id else None
        members = [{"user_id": str(owner.id), "name": owner.name, "role": "account_owner"}] if owner else []
        return members + [{"user_id": str(u.id), "name": u.name, "role": role} for u, role in rows]

    async def set_member(self, account_id: uuid.UUID | str, user_id: uuid.UUID, role: str = "member") -> None:
        """Add a user to the account team in `role`, or change their role."""
        if role not in TEAM_ROLES:
            raise InvalidInput("role", f"'{role}' is not one of {list(TEAM_ROLES)}")
        account = await self.load(Account, account_id, field="account_id", lock=True)
        await self.check("accounts", "write", account.account_owner_id)
        await self.ensure_user(user_id, "user_id")
        await self.session.execute(
            insert(AccountTeamMember)
            .values(account_id=account.id, user_id=user_id, role=role)
            .on_conflict_do_update(index_elements=["account_id", "user_id"], set_={"role": role})
        )
        name = await self.session.scalar(select(User.name).where(User.id == user_id))
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.account,
            action="team_changed",
            subject=f"{name} joins the {account.account_name} team as {role.replace('_', ' ')}",
            on=[(RecordType.account, account.id)],
        )

    async def remove_member(self, account_id: uuid.UUID | str, user_id: uuid.UUID) -> None:
        """Take a user off the account team (the owner is not a member: a new owner is set on the account)."""
        account = await self.load(Account, account_id, field="account_id", lock=True)
        await self.check("accounts", "write", account.account_owner_id)
        removed = await self.session.scalar(
            delete(AccountTeamMember)
            .where(AccountTeamMember.account_id == account.id, AccountTeamMember.user_id == user_id)
            .returning(AccountTeamMember.role)
        )
        if removed is None:
            raise NotFound("user_id", f"user {user_id} is not on the {account.account_name} team")
        name = await self.session.scalar(select(User.name).where(User.id == user_id))
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.account,
            action="team_changed",
            subject=f"{name} leaves the {account.account_name} team ({removed.replace('_', ' ')})",
            on=[(RecordType.account, account.id)],
        )

    async def handoffs(self, *, status: str | None = "pending", limit: int = 100) -> list[dict[str, Any]]:
        """The customer-success handoff list: won deals waiting for (or taken by) customer success, newest first."""
        require(self.actor, "accounts", "read")
        if status is not None and status not in HANDOFF_STATUSES:
            raise InvalidInput("status", f"'{status}' is not one of {list(HANDOFF_STATUSES)}")
        stmt = (
            select(CustomerSuccessHandoff, Deal.deal_name, Account.account_name)
            .join(Deal, Deal.id == CustomerSuccessHandoff.deal_id)
            .outerjoin(Account, Account.id == CustomerSuccessHandoff.account_id)
            .where(owner_visible(self.actor, Deal.owner_id))
        )
        if status:
            stmt = stmt.where(CustomerSuccessHandoff.status == status)
        rows = await self.session.execute(stmt.order_by(CustomerSuccessHandoff.created_at.desc()).limit(limit))
        return [
            {
                "id": str(h.id),
                "deal_id": str(h.deal_id),
                "deal": deal,
                "account_id": str(h.account_id) if h.account_id else None,
                "account": account,
                "status": h.status,
                "notes": h.notes,
                "created_at": h.created_at.isoformat(),
            }
            for h, deal, account in rows
        ]
