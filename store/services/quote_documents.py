"""A quote as an HTML page (prompts/quotes/quote.html) and as a PDF (fpdf2: pure Python, no system libraries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prompts import render
from store.models import Account, Contact, Deal, Quote, User


@dataclass(frozen=True)
class QuoteView:
    """What a quote document shows."""

    quote: Quote
    deal: Deal
    account: Account | None
    contact: Contact | None
    owner: User | None

    def variables(self) -> dict[str, Any]:
        q = self.quote
        accepted = f"{q.accepted_tier} by {q.accepted_by} on {q.accepted_at:%Y-%m-%d}" if q.accepted_at else None
        return {
            "number": q.quote_number,
            "customer": self.account.account_name if self.account else self.deal.deal_name,
            "contact": self.contact.name if self.contact else None,
            "deal": self.deal.deal_name,
            "valid_until": f"{q.valid_until:%B %-d, %Y}",
            "seller": self.owner.name if self.owner else "Sales",
            "currency": q.currency,
            "tiers": q.tiers,
            "accepted": accepted,
        }


def html(view: QuoteView, *, accept_token: str | None = None) -> str:
    """The quote page; with `accept_token`, each tier has its Accept button (the buyer's page)."""
    return render("quotes/quote.html", **view.variables(), accept_token=accept_token)


def _latin(text: Any) -> str:
    """The built-in PDF fonts hold Latin-1; other characters become '?' rather than failing the document."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def pdf(view: QuoteView) -> bytes:
    """The quote as a PDF: header, one table per tier, totals."""
    from fpdf import FPDF  # imported when a PDF is made, not at every start
    from fpdf.enums import XPos, YPos

    v = view.variables()
    doc = FPDF(format="A4")
    doc.set_title(_latin(f"Quote {v['number']}"))
    doc.set_creation_date(view.quote.created_at)
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.cell(0, 10, _latin(f"Quote {v['number']}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font("Helvetica", size=10)
    lines = [
        f"For {v['customer']}" + (f", attention {v['contact']}" if v["contact"] else ""),
        f"Deal: {v['deal']}",
        f"Valid until {v['valid_until']}. Prepared by {v['seller']}.",
    ]
    if v["accepted"]:
        lines.append(f"Accepted: {v['accepted']}")
    for line in lines:
        doc.cell(0, 6, _latin(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for tier in v["tiers"]:
        doc.ln(4)
        doc.set_font("Helvetica", "B", 13)
        doc.cell(0, 8, _latin(tier["name"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.set_font("Helvetica", size=9)
        with doc.table(
            col_widths=(22, 52, 18, 12, 24, 16, 26),
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        ) as table:
            table.row(["SKU", "Product", "Billing", "Qty", "Unit price", "Discount", "Total"])
            for item in tier["lines"]:
                table.row(
                    [
                        _latin(item["sku"]),
                        _latin(item["name"]),
                        item["billing"],
                        str(item["quantity"]),
                        item["unit_price"],
                        f"{item['discount_pct']}%",
                        item["amount"],
                    ]
                )
        doc.set_font("Helvetica", "B", 10)
        doc.cell(
            0, 7, _latin(f"Total ({v['currency']}): {tier['amount']}"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        if tier["total_mrr"]:
            doc.cell(
                0, 6, _latin(f"Monthly recurring: {tier['total_mrr']}"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
    return bytes(doc.output())
