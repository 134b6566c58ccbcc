"""Mass-email test material: a campaign with a list to send to, the settings of a real SMTP sink, parsed messages."""

from __future__ import annotations

import email
from email.message import Message

import pytest

from store.auth import actor_for
from store.models import Suppression
from store.models.enums import Role
from store.services.campaigns import CampaignService
from store.services.lists import ListService
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM

BODY = (
    "<html><body><p>Dear {{ contact.first_name }} at {{ account.name }},</p>"
    '<p><a href="https://nexa.test/offer">See the offer</a></p></body></html>'
)


def settings_for(url: str) -> Settings:
    return Settings(
        smtp_url=url,
        mail_postal_address="Nexa Inc., 1 Main Street, Springfield",
        secret_key="test-secret",
        public_url="http://nexa.test",
        smtp_from="news@nexa.test",
    )


@pytest.fixture
async def marketing_crm(db, clock):
    """A manager and a rep of East, four contacts of Big Co on the VIP list (cid suppressed), a Q4 email campaign."""
    async with db.session() as s:
        boss = await factories.user(s, role=Role.manager, team="East", name="Maria")
        rep = await factories.user(s, role=Role.rep, team="East", name="John")
        big = await factories.account(s, account_name="Big Co")
        people = {
            n: await factories.contact(s, first_name=n.title(), account_id=big.id, email=f"{n}@big.test")
            for n in ("ann", "bob", "cid", "dee")
        }
        vip = await ListService(s, SYSTEM).create({"name": "VIP"})
        await ListService(s, SYSTEM).add(vip.id, {"contact_ids": [p.id for p in people.values()]})
        campaign = await CampaignService(s, SYSTEM).create({"name": "Q4 Promo", "type": "email", "owner_id": boss.id})
        s.add(Suppression(address="cid@big.test", reason="unsubscribed"))
    return {"boss": actor_for(boss), "rep": actor_for(rep), "people": people, "vip": vip, "campaign": campaign}


def parsed(envelope) -> Message:
    return email.message_from_bytes(envelope.content)


def html_of(message: Message) -> str:
    return next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
