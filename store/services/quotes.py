"""Quotes: drafted from a deal (up to three tiers), mailed as PDF with a signed acceptance link, accepted by the buyer.

Accepting records who accepted which tier and when, makes that tier's lines the deal's lines and moves the deal
to negotiation through the deal service, so the stage history, probability and timeline follow the usual rules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from store.access import require
from store.clock import utcnow
from store.errors import Conflict, InvalidInput, InvalidTransition
from store.models import Account, Contact, Deal, EmailMessage, Quote, User
from store.models.enums import ActivityType, DealStage, EmailStatus, QuoteStatus, RecordType
from store.schemas import LineItemInput, QuoteCreate, parse
from store.services import pricing
from store.services.base import Service
from store.services.deals import CLOSED, DealService
from store.services.emails import EmailService
from store.services.quote_documents import QuoteView
from store.services.timeline import record_activity
from store.settings import Settings

VALID_DAYS = 30
BEFORE_NEGOTIATION = (DealStage.prospecting, DealStage.qualification, DealStage.proposal)


class QuoteService(Service):
    """Quotes belong to their deal: reading one needs the deal's read right, drafting and sending its write right."""

    async def create(self, deal_id: uuid.UUID | str, data: QuoteCreate | dict[str, Any] | None = None) -> Quote:
        values = parse(QuoteCreate, data or {})
        deal = await self.load(Deal, deal_id, field="deal_id")
        await self.check("deals", "write", deal.owner_id)
        if deal.stage in CLOSED:
            raise InvalidTransition("deal_id", f"deal {deal.deal_name} is {deal.stage}; quotes are for open deals")
        today = utcnow().date()
        valid_until = values.valid_until or today + timedelta(days=VALID_DAYS)
        if valid_until < today:
            raise InvalidInput("valid_until", f"{valid_until} is in the past")
        tiers = [(t.name, t.line_items) for t in values.tiers]
        if not tiers:
            own = await DealService(self.session, self.actor).line_items(deal.id)
            if not own:
                raise InvalidInput("tiers", f"deal {deal.deal_name} has no line items; give the quote's tiers")
            tiers = [
                (
                    "Proposal",
                    [
                        LineItemInput(
                            product_id=i.product_id,
                            quantity=i.quantity,
                            unit_price=i.unit_price,
                            discount_pct=i.discount_pct,
                        )
                        for i in own
                    ],
                )
            ]
        priced: list[dict[str, Any]] = []
        for index, (name, items) in enumerate(tiers):
            lines = await pricing.price(self.session, items, currency=deal.currency, field=f"tiers.{index}.line_items")
            priced.append(
                {
                    "name": name,
                    "lines": [line.to_dict() for line in lines],
                    "amount": f"{pricing.amount(lines):.2f}",
                    "total_mrr": None if (m := pricing.mrr(lines)) is None else f"{m:.2f}",
                }
            )
        quote = Quote(
            deal_id=deal.id,
            currency=deal.currency,
            valid_until=valid_until,
            tiers=priced,
            created_by_id=self.actor.user_id,
        )
        self.session.add(quote)
        await self.flush()
        await self._log(
            deal,
            quote,
            "created",
            f"Quote {quote.quote_number} drafted: "
            + ", ".join(f"{t['name']} {deal.currency} {float(t['amount']):,.2f}" for t in priced),
        )
        return quote

    async def get(self, quote_id: uuid.UUID | str) -> Quote:
        quote = await self.load(Quote, quote_id, field="quote_id")
        deal = await self.session.get(Deal, quote.deal_id)
        await self.check("deals", "read", deal.owner_id if deal else None)
        return quote

    async def of_deal(self, deal_id: uuid.UUID | str) -> list[Quote]:
        deal = await DealService(self.session, self.actor).get(deal_id)
        return list(
            await self.session.scalars(select(Quote).where(Quote.deal_id == deal.id).order_by(Quote.created_at))
        )

    async def view(self, quote: Quote) -> QuoteView:
        """The deal, account, primary contact and owner a quote shows (its read right already checked)."""
        deal = await self.session.get(Deal, quote.deal_id)
        account = await self.session.get(Account, deal.account_id) if deal and deal.account_id else None
        contact = await self.session.get(Contact, deal.primary_contact_id) if deal and deal.primary_contact_id else None
        owner = await self.session.get(User, deal.owner_id) if deal and deal.owner_id else None
        return QuoteView(quote, deal, account, contact, owner)  # type: ignore[arg-type]

    async def send(
        self,
        quote_id: uuid.UUID | str,
        settings: Settings,
        *,
        base_url: str,
        to: str | None = None,
        deliver: bool = True,
    ) -> EmailMessage:
        """Mail the quote (PDF attached, with the signed acceptance link) to the deal's primary contact or `to`.

        The email is queued for the delivery job like any approved email; `deliver=False` checks without sending.
        """
        require(self.actor, "emails", "write")
        quote = await self.load(Quote, quote_id, field="quote_id", lock=True)
        view = await self.view(quote)
        deal, account, contact, owner = view.deal, view.account, view.contact, view.owner
        await self.check("deals", "write", deal.owner_id)
        if quote.status is QuoteStatus.accepted:
            raise Conflict("quote_id", f"quote {quote.quote_number} was already accepted")
        if quote.valid_until < utcnow().date():
            raise InvalidTransition(
                "valid_until", f"quote {quote.quote_number} expired on {quote.valid_until}; draft a new one"
            )
        recipient = (to or (contact.email if contact else "")).strip().lower()
        if "@" not in recipient:
            raise InvalidInput("to", f"deal {deal.deal_name} has no primary contact with an email; name the recipient")
        link = f"{(settings.public_url or base_url).rstrip('/')}/quotes/accept?token={acceptance_token(settings.signing_key(), quote, recipient)}"
        tiers = "\n".join(
            f"- {t['name']}: {quote.currency} {float(t['amount']):,.2f}"
            + (f" (MRR {float(t['total_mrr']):,.2f})" if t["total_mrr"] else "")
            for t in quote.tiers
        )
        greeting = f"Hello {contact.first_name}," if contact and contact.email.lower() == recipient else "Hello,"
        body = (
            f"{greeting}\n\nPlease find attached quote {quote.quote_number} for {account.account_name if account else deal.deal_name}, "
            f"valid until {quote.valid_until:%B %-d, %Y}:\n\n{tiers}\n\nTo accept, open this link and choose a tier:\n{link}\n\n"
            f"{owner.name if owner else 'The sales team'}"
        )
        email = EmailMessage(
            status=EmailStatus.draft,
            from_address=owner.email if owner else None,
            to_addresses=[recipient],
            subject=f"Quote {quote.quote_number}: {deal.deal_name}"[:500],
            body=body,
            author_id=self.actor.user_id,
            contact_id=contact.id if contact and contact.email.lower() == recipient else None,
            deal_id=deal.id,
            account_id=deal.account_id,
            quote_id=quote.id,
        )
        self.session.add(email)
        await self.flush()
        email = await EmailService(self.session, self.actor).send(email.id, settings, deliver=deliver)
        if deliver:
            quote.status, quote.sent_at = QuoteStatus.sent, utcnow()
            await self.flush()
            await self._log(deal, quote, "sent", f"Quote {quote.quote_number} sent to {recipient}")
        return email

    async def accept(self, token: str, tier: str, key: bytes) -> Quote:
        """The buyer's acceptance through the mailed link: checked, recorded, and the deal moved to negotiation."""
        claims = read_token(key, token)
        quote = await self.load(Quote, claims["quote"], field="token", lock=True)
        if quote.status is QuoteStatus.accepted:
            raise Conflict(
                "token",
                f"quote {quote.quote_number} was accepted on {quote.accepted_at:%Y-%m-%d} ({quote.accepted_tier})",
            )
        if quote.valid_until < utcnow().date():
            raise InvalidInput("token", f"quote {quote.quote_number} expired on {quote.valid_until}; ask for a new one")
        chosen = next((t for t in quote.tiers if t["name"].lower() == tier.strip().lower()), None)
        if chosen is None:
            raise InvalidInput(
                "tier", f"'{tier}' is not a tier of this quote; one of {[t['name'] for t in quote.tiers]}"
            )
        deal = await self.load(Deal, quote.deal_id, field="token", lock=True)
        if deal.stage in CLOSED:
            raise InvalidTransition("token", f"this deal is already {deal.stage}")
        quote.status, quote.accepted_at = QuoteStatus.accepted, utcnow()
        quote.accepted_tier, quote.accepted_by = chosen["name"], claims["email"]
        deals = DealService(self.session, self.actor)
        await deals.set_line_items(
            deal.id,
            [
                {
                    "product_id": line["product_id"],
                    "quantity": line["quantity"],
                    "unit_price": line["unit_price"],
                    "discount_pct": line["discount_pct"],
                }
                for line in chosen["lines"]
            ],
        )
        if deal.stage in BEFORE_NEGOTIATION:
            await deals.move_stage(deal.id, DealStage.negotiation)
        await self._log(
            deal, quote, "accepted", f"Quote {quote.quote_number} accepted by {claims['email']}: {chosen['name']}"
        )
        return quote

    async def _log(self, deal: Deal, quote: Quote, action: str, subject: str) -> None:
        await record_activity(
            self.session,
            self.actor,
            type=ActivityType.deal,
            action=f"quote_{action}",
            subject=subject,
            on=[(RecordType.deal, deal.id), (RecordType.account, deal.account_id)],
            details={"quote": quote.quote_number},
        )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def acceptance_token(key: bytes, quote: Quote, email: str) -> str:
    """A link token naming the quote and the address it was mailed to, good until the quote's last valid day."""
    expires = int(datetime.combine(quote.valid_until + timedelta(days=1), time(), tzinfo=utcnow().tzinfo).timestamp())
    payload = _b64(json.dumps({"quote": str(quote.id), "email": email, "expires": expires}).encode())
    return f"{payload}.{_b64(hmac.new(key + b':quote', payload.encode(), hashlib.sha256).digest())}"


def read_token(key: bytes, token: str) -> dict[str, Any]:
    """The claims of a token we issued and that has not expired; InvalidInput naming `token` otherwise."""
    payload, _, signature = token.partition(".")
    expected = _b64(hmac.new(key + b":quote", payload.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise InvalidInput("token", "this link is not valid (it was altered or not issued by us)")
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if claims["expires"] < utcnow().timestamp():
        raise InvalidInput("token", "this link has expired; ask for a new quote")
    return claims
