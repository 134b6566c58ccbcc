"""Quotes and sending what was drafted: a quote for a deal with the products said, a deal's quotes, sending a deal's
quote, and "send it" for the conversation's latest draft."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from assistant.offline.dialogue import Draft
from assistant.offline.guard import name_words, own_words, same_word
from assistant.offline.plan.core import PlanCore
from assistant.offline.slots import find_name

_NAMING = ("to", "for", "on", "about", "with", "of")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "10 professional", "10x pro", "10 seats of the professional plan": a count just before a product's words.
_COUNT_BEFORE = re.compile(
    r"\b(\d{1,5})\s*(?:x|×)?\s*(?:(?:seats?|licen[cs]es?|units?|users?)\s+)?(?:of\s+)?(?:the\s+)?$", re.I
)
# "professional x 10", "professional plan x10": a count just after them.
_COUNT_AFTER = re.compile(r"^\s*(?:plan|package)?\s*(?:x|×)\s*(\d{1,5})\b", re.I)


def said_products(products: list[dict[str, Any]], text: str) -> list[tuple[dict[str, Any], int]]:
    """The catalog products whose own words the text says (typos allowed), each with the count said next to it (1
    when none), in the order said."""
    words = list(re.finditer(r"[a-z0-9]+", text.lower()))
    found: list[tuple[int, dict[str, Any], int]] = []
    for product in products:
        wanted = own_words(product["name"]) or name_words(product["name"])
        at = [next((w for w in words if same_word(w[0], word)), None) for word in wanted]
        if not all(at):
            continue
        start, end = min(w.start() for w in at if w), max(w.end() for w in at if w)
        count = _COUNT_BEFORE.search(text[:start]) or _COUNT_AFTER.match(text[end:])
        found.append((start, product, int(count[1]) if count else 1))
    return [(product, count) for _, product, count in sorted(found, key=lambda f: f[0])]


class QuoteActs(PlanCore):
    """Plans of quotes (drafted for a deal, listed, sent) and of sending the latest draft."""

    def do_quote(self) -> None:
        """Propose a quote for the deal named (or in focus) with the products the words name; ask for them when none."""
        deal = self._named(["deal"], "a deal")
        products = self.call("search_products", limit=50)["data"]["products"]
        naming = name_words(str(self.slots.get("name") or ""))  # the words that named the deal name no product
        lines = said_products(products, " ".join(w for w in name_words(self.text) if w not in naming))
        if not lines:
            catalog = ", ".join(p["name"] for p in products if p["active"])
            self.answer("ask", missing="the products", hint=f"Which products go on it, and how many? ({catalog})")
        self.writing = True
        tier = {"name": "Proposal", "line_items": [{"product_id": p["id"], "quantity": n} for p, n in lines]}
        self.write("draft_quote", deal_id=deal["id"], tiers=[tier])

    def do_quotes(self) -> None:
        """The quotes of the deal named (or in focus)."""
        deal = self._named(["deal"], "a deal")
        quotes = self.call("list_quotes", deal_id=deal["id"])["data"]["quotes"]
        self.answer("quotes", quotes=quotes, deal=deal["name"])

    def do_send_quote(self) -> None:
        """Propose sending the latest quote of the deal named (or in focus) to the address said, else its contact."""
        if _EMAIL.search(self.text):  # "send the quote to buyer@acme.test": the address names no deal
            said = find_name(_EMAIL.sub(" ", self.text), after=_NAMING, fallback=False)
            self.slots = {**self.slots, "name": said.value if said else None}
            self._send_quote(self.find(["deal"], what="a deal"))
        self._send_quote(self._named(["deal"], "a deal"))

    def do_send_draft(self, draft: Draft) -> None:
        """ "send it": the conversation's latest draft, by the tool that sends its kind."""
        if draft.tool == "draft_email":
            self.write("send_email", email_id=draft.id)
        if draft.tool == "draft_campaign_email":
            self.write_all([("send_campaign_email", {"email_id": draft.id})])  # a rep is told who sends it
        self._send_quote(next((r for r in self.focus.records if r.get("id") == draft.id), {"id": draft.id}))

    def _send_quote(self, deal: dict[str, Any]) -> NoReturn:
        quotes = self.call("list_quotes", deal_id=deal["id"])["data"]["quotes"]
        unsent = [q for q in quotes if q["status"] == "draft"]
        if not unsent:
            self.answer("quotes", quotes=quotes, deal=deal.get("name"), unsent=False)
        address = _EMAIL.search(self.text)
        self.writing = True
        self.write("send_quote", quote_id=unsent[0]["id"], to=address[0] if address else None)
