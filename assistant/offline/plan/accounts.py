"""Accounts made and changed: a new company, or an account's own fields (headcount, industry, website, revenue)."""

from __future__ import annotations

import re
from typing import Any

from assistant.offline.account_fields import headcount
from assistant.offline.plan.core import PlanCore

# "create an account called Quillon Freight, logistics", "new account: Quillon Freight (logistics)", "add Quillon
# Freight as an account under Acme", "new account: Halvorsen Marine, ~800 employees": the name, then maybe its
# industry, headcount and parent.
NEW_ACCOUNT = re.compile(
    r"^\W*(?:please\s+|pls\s+)?(?:(?:create|add|make|open|set\s+up)\s+(?:a\s+|an\s+)?(?:new\s+)?|new\s+)"
    r"(?:account|company)(?:\s*[:-]\s*|\s+(?:called|named|for)\s+|\s+)(?!(?:pls|please|for|with)\b)"
    r"(?P<name>[A-Za-z0-9][\w&.'-]*(?:\s+(?!in\b|under\b|as\b|with\b)[A-Za-z0-9&][\w&.'-]*){0,4})"
    r"(?:\s*(?:,|\(|\s-\s|\s+in\s+(?:the\s+)?)\s*(?:industry\s*:?\s*)?(?P<industry>[a-z][\w &/-]{1,40}?)\s*(?:\)|industry)?)?"
    r"(?:\s*[,(]?\s*(?P<employees>~?\d[\d,.]*\s*k?)\s+(?:employees|people|ppl|staff|heads)\)?)?"
    r"(?:\s*,?\s+(?:under|child\s+of|subsidiary\s+of|part\s+of)\s+(?P<parent>[\w&.' -]+?))?\W*$",
    re.I,
)


class AccountActs(PlanCore):
    """Plans that change an account."""

    def do_update_account(self, change: dict[str, Any]) -> None:
        """Set the field the words state on the one account they name (`account_fields.account_change`)."""
        self.slots = {**self.slots, "name": change["name"]}
        account = self.find(["account"], what="an account")
        self.write("update_account", account_id=account["id"], changes=change["changes"])

    def do_create_account(self, said: re.Match[str]) -> None:
        """A new account by the name said, with its industry and parent account when said."""
        parent = None
        if said["parent"]:
            self.slots = {**self.slots, "name": said["parent"]}
            parent = self.find(["account"], what="a parent account")["id"]
        self.write(
            "create_account",
            account_name=said["name"].strip(),
            industry=said["industry"].strip().capitalize() if said["industry"] else None,
            employees=headcount(said["employees"]) if said["employees"] else None,
            parent_account_id=parent,
        )
