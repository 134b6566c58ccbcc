"""An account's own fields changed: its headcount, industry, website or annual revenue."""

from __future__ import annotations

from typing import Any

from assistant.offline.plan.core import PlanCore


class AccountActs(PlanCore):
    """Plans that change an account."""

    def do_update_account(self, change: dict[str, Any]) -> None:
        """Set the field the words state on the one account they name (`account_fields.account_change`)."""
        self.slots = {**self.slots, "name": change["name"]}
        account = self.find(["account"], what="an account")
        self.write("update_account", account_id=account["id"], changes=change["changes"])
