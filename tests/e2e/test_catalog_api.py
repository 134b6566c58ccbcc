"""Products, line items, quotes and orders through a running `nexa serve`: JSON, HTML, PDF, mail, the signed link."""

from __future__ import annotations

import email as email_lib
import re

import httpx
import pytest

from bots.http.auth import issue_token
from store.models.enums import Role
from tests.support import factories
from tests.support.live import wait_for

pytestmark = pytest.mark.server("mail")


@pytest.fixture(scope="module")
def mail(mailbox):
    return mailbox


@pytest.fixture(scope="module")
def base(shared_server):
    return shared_server


@pytest.fixture
async def people(db):
    tokens, ids = {}, {}
    async with db.session() as s:
        for key, role, team in (
            ("john", Role.rep, "Enterprise"),
            ("carl", Role.rep, "Mid-Market"),
            ("maria", Role.manager, "Enterprise"),
            ("sam", Role.support, "Support"),
        ):
            user = await factories.user(s, name=key.title(), email=f"{key}@nexa.test", role=role, team=team)
            tokens[key], ids[key] = await issue_token(s, user), user.id
    return tokens, ids


def api(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def refused(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["field"] == field, response.text


async def test_catalog_quote_and_order_over_http(base, mail, people, db):
    tokens, ids = people
    inbox, _ = mail
    maria, john, carl, sam = (api(base, tokens[k]) for k in ("maria", "john", "carl", "sam"))
    seat = maria.post(
        "/products", json={"name": "Seat", "sku": "SEAT-M", "unit_price": "50", "billing": "monthly"}
    ).json()
    setup = maria.post(
        "/products", json={"name": "Onboarding", "sku": "SETUP", "unit_price": "2500", "billing": "one_time"}
    ).json()
    refused(john.post("/products", json={"name": "X", "sku": "X", "unit_price": "1"}), 403, "products")
    refused(maria.post("/products", json={"name": "X", "sku": "SEAT-M", "unit_price": "1"}), 409, "sku")
    refused(maria.post("/products", json={"name": "X", "sku": "Y", "unit_price": "-1"}), 400, "unit_price")
    assert john.get("/products", params={"q": "seat"}).json()["total"] == 1
    assert "unit_price" not in sam.get(f"/products/{seat['id']}").json()

    account = john.post("/accounts", json={"account_name": "Acme Corp"}).json()
    contact = john.post(
        "/contacts",
        json={"first_name": "Sarah", "last_name": "Buyer", "email": "sarah@acme.test", "account_id": account["id"]},
    ).json()
    deal = john.post(
        "/deals",
        json={
            "deal_name": "Acme - Seats",
            "account_id": account["id"],
            "primary_contact_id": contact["id"],
            "stage": "proposal",
        },
    ).json()
    lines = john.put(
        f"/deals/{deal['id']}/line_items",
        json={"line_items": [{"product_id": seat["id"], "quantity": 10}, {"product_id": setup["id"]}]},
    )
    assert lines.status_code == 200, lines.text
    assert (lines.json()["amount"], lines.json()["total_mrr"], lines.json()["contract_term"]) == (
        "3000.00",
        "500.00",
        12,
    )
    refused(
        john.put(f"/deals/{deal['id']}/line_items", json={"line_items": [{"product_id": seat["id"], "quantity": 0}]}),
        400,
        "line_items.0.quantity",
    )
    refused(carl.put(f"/deals/{deal['id']}/line_items", json={"line_items": []}), 403, "deals")

    tiers = [
        {"name": "Good", "line_items": [{"product_id": seat["id"], "quantity": 10}]},
        {"name": "Better", "line_items": [{"product_id": seat["id"], "quantity": 20}, {"product_id": setup["id"]}]},
    ]
    quote = john.post(f"/deals/{deal['id']}/quotes", json={"tiers": tiers})
    assert quote.status_code == 201, quote.text
    quote = quote.json()
    assert [t["amount"] for t in quote["tiers"]] == ["500.00", "3500.00"] and quote["quote_number"].startswith("Q-")
    refused(john.post(f"/deals/{deal['id']}/quotes", json={"tiers": tiers * 2}), 400, "tiers")
    refused(carl.get(f"/quotes/{quote['id']}"), 403, "deals")
    assert "amount" not in sam.get(f"/quotes/{quote['id']}").json()["tiers"][0]
    page = john.get(f"/quotes/{quote['id']}/html")
    assert page.headers["content-type"].startswith("text/html") and "Acme Corp" in page.text
    document = john.get(f"/quotes/{quote['id']}/pdf")
    assert document.headers["content-type"] == "application/pdf" and document.content.startswith(b"%PDF-")

    sent = john.post(f"/quotes/{quote['id']}/send", json={})
    assert sent.status_code == 200 and sent.json()["to"] == ["sarah@acme.test"], sent.text
    wait_for(lambda: any("sarah@acme.test" in m.rcpt_tos for m in inbox.messages))  # the server's own worker sends it
    (envelope,) = [m for m in inbox.messages if "sarah@acme.test" in m.rcpt_tos]
    message = email_lib.message_from_bytes(envelope.content)
    assert [p.get_filename() for p in message.walk() if p.get_filename()] == [f"{quote['quote_number']}.pdf"]
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    link = re.search(r"(http\S+/quotes/accept\?token=\S+)", text).group(1)
    token = link.split("token=")[1]
    assert link.startswith(base)
    shown = httpx.get(link)
    assert shown.status_code == 200 and "Accept Better" in shown.text
    assert httpx.post(f"{base}/quotes/accept", data={"token": token + "x", "tier": "Better"}).status_code == 400
    accepted = httpx.post(f"{base}/quotes/accept", data={"token": token, "tier": "Better"})
    assert accepted.status_code == 200 and "accepted" in accepted.text
    assert httpx.post(f"{base}/quotes/accept", data={"token": token, "tier": "Good"}).status_code == 409
    after = john.get(f"/deals/{deal['id']}").json()
    assert (after["stage"], after["amount"]) == ("negotiation", "3500.00")

    won = john.post(f"/deals/{deal['id']}/stage", json={"stage": "closed_won"})
    assert won.status_code == 200, won.text
    orders = john.get("/orders", params={"account_id": account["id"]}).json()
    assert orders["total"] == 1 and orders["items"][0]["amount"] == "3500.00"
    order = john.get(f"/orders/{orders['items'][0]['id']}").json()
    assert sorted(line["quantity"] for line in order["lines"]) == [1, 20]
    rollup = john.get(f"/accounts/{account['id']}/orders").json()["rollup"]
    assert (rollup["count"], rollup["amount"], rollup["by_status"]) == (1, {"USD": "3500.00"}, {"pending": 1})
    assert carl.get("/orders").json()["total"] == 0
    refused(carl.get(f"/orders/{order['id']}"), 403, "deals")
    refused(carl.get(f"/accounts/{account['id']}/orders"), 403, "account_id")
    assert "amount" not in sam.get(f"/accounts/{account['id']}/orders").json()["rollup"]
    refused(john.get("/orders", params={"status": "shipped"}), 400, "status")
