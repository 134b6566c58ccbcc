"""Accounts: hierarchy without cycles, and roll-ups over an account and its descendants."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, func, literal, select

from store.errors import InvalidInput
from store.models import Account, Contact, Deal
from store.models.enums import ActivityType, DealStage, RecordType
from store.schemas import AccountCreate, AccountUpdate, parse
from store.services.base import OwnedService
from store.services.timeline import record_activity
from store.services.visibility import owner_visible


@dataclass
class Rollup:
    """Totals over an account and all its descendants.

    `total_deal_value` sums every deal that is not lost (open and won);
    `total_closed_won` sums the won ones.
    """

    account_ids: list[uuid.UUID]
    total_deal_value: Decimal
    total_closed_won: Decimal
    open_deals: int


def descendants_cte(root: uuid.UUID) -> CTE:
    """Recursive CTE of an account and everything below it."""
    tree = select(Account.id, literal(0).label("depth")).where(Account.id == root).cte("tree", recursive=True)
    return tree.union_all(
        select(Account.id, tree.c.depth + 1).where(Account.parent_account_id == tree.c.id, tree.c.depth < 50)
    )


class AccountService(OwnedService[Account]):
    """Companies and their hierarchy."""

    model = Account

    async def create(self, data: AccountCreate | dict[str, Any]) -> Account:
        values = parse(AccountCreate, data)
        owner = await self.new_owner(values.account_owner_id)
        await self._name_free(values.account_name)
        await self.referenced(Account, values.parent_account_id, field="parent_account_id")
        await self.referenced(Contact, values.primary_contact_id, field="primary_contact_id")
        account = Account(**values.model_dump(exclude={"account_owner_id"}), account_owner_id=owner)
        self.session.add(account)
        await self.flush()
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.account,
            action="created",
            subject=f"Account {account.account_name} created",
            on=[(RecordType.account, account.id), (RecordType.account, account.parent_account_id)],
        )
        return account

    async def update(self, account_id: uuid.UUID | str, data: AccountUpdate | dict[str, Any]) -> Account:
        changes = parse(AccountUpdate, data).model_dump(exclude_unset=True)
        account = await self.editable(account_id)
        if changes.get("account_name") and changes["account_name"].lower() != account.account_name.lower():
            await self._name_free(changes["account_name"])
        if "account_owner_id" in changes:
            await self.ensure_user(changes["account_owner_id"], "account_owner_id")
        if changes.get("parent_account_id") is not None:
            await self._no_cycle(account.id, changes["parent_account_id"])
        await self.referenced(Contact, changes.get("primary_contact_id"), field="primary_contact_id")
        diff = self.apply(account, changes)
        await self.flush()
        if diff:
            await record_activity(
                self.session,
                self.actor,
                type=ActivityType.account,
                action="updated",
                subject=f"Account {account.account_name} updated: {', '.join(diff)}",
                on=[(RecordType.account, account.id)],
                details={k: new for k, (_, new) in diff.items()},
            )
        return account

    async def children(self, account_id: uuid.UUID) -> list[Account]:
        """The account's direct subsidiaries the caller may read (another team's are not named)."""
        return list(
            await self.session.scalars(
                select(Account)
                .where(Account.parent_account_id == account_id, owner_visible(self.actor, Account.account_owner_id))
                .order_by(Account.account_name)
            )
        )

    async def rollup(self, account_id: uuid.UUID | str) -> Rollup:
        """Deal totals over the account and all its descendants (the deals the caller may read)."""
        account = await self.get(account_id)
        tree = descendants_cte(account.id)
        ids = list(await self.session.scalars(select(tree.c.id)))
        not_lost = Deal.stage != DealStage.closed_lost
        won = Deal.stage == DealStage.closed_won
        open_ = Deal.stage.notin_([DealStage.closed_won, DealStage.closed_lost])
        row = (
            await self.session.execute(
                select(
                    func.coalesce(func.sum(Deal.amount).filter(not_lost), 0),
                    func.coalesce(func.sum(Deal.amount).filter(won), 0),
                    func.count().filter(open_),
                ).where(Deal.account_id.in_(select(tree.c.id)), owner_visible(self.actor, Deal.owner_id))
            )
        ).one()
        return Rollup(
            account_ids=ids, total_deal_value=Decimal(row[0]), total_closed_won=Decimal(row[1]), open_deals=row[2]
        )

    async def search(self, *, q: str | None = None, limit: int = 20, offset: int = 0) -> tuple[list[Account], int]:
        stmt = self.visible()
        if q:
            stmt = stmt.where(Account.account_name.ilike(f"%{q.strip()}%"))
        return await self.page(stmt, Account.account_name, limit=limit, offset=offset)

    async def _name_free(self, name: str) -> None:
        await self.unique("account_name", name, f"an account named {name} already exists")

    async def _no_cycle(self, account_id: uuid.UUID, parent_id: uuid.UUID) -> None:
        """Refuse a parent that is the account itself or below it: walk up from the parent, however deep."""
        await self.referenced(Account, parent_id, field="parent_account_id")
        up = select(Account.id, Account.parent_account_id).where(Account.id == parent_id).cte("up", recursive=True)
        up = up.union(select(Account.id, Account.parent_account_id).where(Account.id == up.c.parent_account_id))
        if await self.session.scalar(select(func.count()).select_from(up).where(up.c.id == account_id)):
            raise InvalidInput("parent_account_id", "would make the account its own ancestor (a cycle)")
