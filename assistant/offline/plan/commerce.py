"""Money around the deals: a rep's commissions, the product catalog and its prices, an account's orders and health."""

from __future__ import annotations

import re

from assistant.offline.linking import best_named
from assistant.offline.nlu import read_slots
from assistant.offline.plan.core import PlanCore
from assistant.offline.slots import STOPWORDS
from prompts.periods import period_words

_REP_OWNS = re.compile(
    r"\b([a-z][\w.-]*)(?:['’]s|s['’])\s+(?:\w+\s+){0,2}?(?:commissions?|comp|earnings|payouts?|statement)\b", re.I
)
_REP_MADE = re.compile(r"\b(?:did|has)\s+([a-z][\w.-]*)\s+(?:make|made|earn|earned)\b", re.I)
# "commission for emma", "emma's commissions": a teammate's statement (managers; a rep is told it is not theirs).
_FOR_REP = re.compile(
    r"\b(?:for|of)\s+(?!me\b|my\b|mine\b|this\b|last\b|the\b|q\d\b|each\b|every\b|all\b)([a-z][\w.@-]*)", re.I
)


_NEW_PRODUCT_FIELDS = re.compile(
    r"\bproducts?\b\s*(?:called|named|:)?\s*[\"'‘“]?(?P<name>[A-Za-z][\w &/+.-]*?)[\"'’”]?\s*(?:,|\s+(?:sku|at|for|priced)\b)",
    re.I,
)
_SKU = re.compile(r"\bsku\s*[:=]?\s*([A-Z0-9][\w-]*)", re.I)
_PRICE = re.compile(r"(?:\bat\s+|\bfor\s+|\bpriced\s+(?:at\s+)?|,\s*)\$?(\d[\d,]*(?:\.\d+)?k?)\b", re.I)
_BILLING = [
    (r"\bone[\s-]?(?:time|off)\b|\bonce\b", "one_time"),
    (r"\bannual(?:ly)?\b|\byearly\b|\bper\s+year\b|\ba\s+year\b", "annual"),
    (r"\bmonthly\b|\bper\s+month\b|\ba\s+month\b", "monthly"),
]


class CommerceActs(PlanCore):
    """Plans of the commission, catalog, order and account-health reads."""

    def do_commissions(self) -> None:
        """The statement of the period said (this quarter unless said) for the caller or the teammate named."""
        period = read_slots(self.text, self.model.now()).get("period")
        period = period if period not in (None, "overdue", "today", "next_week", "next_month", "next_quarter") else None
        named = _FOR_REP.search(self.text) or _REP_MADE.search(self.text)
        owns = [m[1] for m in _REP_OWNS.finditer(self.text) if m[1].lower() not in STOPWORDS]
        rep = owns[0] if owns else named[1] if named and named[1].lower() not in STOPWORDS else None
        data = self.call("commission_statement", period=period or "this_quarter", **({"rep": rep} if rep else {}))[
            "data"
        ]
        self.answer("commissions", d=data, period=period_words(str(period or "this_quarter")))

    def do_catalog(self) -> None:
        self.answer("products", products=self.call("search_products", limit=50)["data"]["products"], asked=None)

    def do_price(self) -> None:
        """The list price of the catalog product the words name, for those who sell it (a support agent answers
        customers from the help center); nothing (the request goes on to other readings) when no product is named."""
        if self.role == "support":
            return
        products = self.call("search_products", limit=50)["data"]["products"]
        named = best_named([p["name"] for p in products], self.text)
        if named is not None:
            self.answer("products", products=[p for p in products if p["name"] == named], asked=named)

    def do_create_product(self) -> None:
        """Propose a catalog product from "name, sku X, 7500 one time" (the price's billing as said, monthly unless)."""
        said = _NEW_PRODUCT_FIELDS.search(self.text)
        sku = _SKU.search(self.text)
        price = _PRICE.search(self.text)
        if said is None or sku is None or price is None:
            missing = [field for field, found in (("name", said), ("SKU", sku), ("list price", price)) if found is None]
            self.answer(
                "ask",
                missing=" and ".join(missing),
                hint="Say it as: add a product: NAME, sku CODE, PRICE (one time, monthly or annual).",
            )
        billing = next((b for word, b in _BILLING if re.search(word, self.text, re.I)), "monthly")
        amount = price[1].replace(",", "")
        amount = str(float(amount[:-1]) * 1000) if amount[-1:].lower() == "k" else amount
        self.writing = True
        product = {"name": said["name"].strip(" '\""), "sku": sku[1], "unit_price": amount, "billing": billing}
        self.write_all([("create_product", product)])  # one write: `write` takes the tool's name as `name`

    def do_consolidated(self) -> None:
        account = self._named(["account"], "an account")
        data = self.call("consolidated_account", account_id=account["id"])["data"]
        self.answer("consolidated", d=data)

    def do_orders(self) -> None:
        account = self._named(["account"], "an account", required=False)
        if account is None or account.get("type") != "account":
            data = self.call("list_orders", limit=20)["data"]
            self.answer("orders", d=data, account=None)
        data = self.call("list_orders", account_id=account["id"], limit=20)["data"]
        self.answer("orders", d=data, account=account["name"])

    def do_account_health(self) -> None:
        account = self._named(["account"], "an account")
        self.answer("health", d=self.call("account_health", account_id=account["id"])["data"], account=account["name"])
