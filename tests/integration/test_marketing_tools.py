"""Assistant tools for marketing: lists, members, campaign metrics, and sending campaign email as an approval that shows
the recipients, the suppressed count and a preview (managers may send, reps may not)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assistant.agent import Agent
from store.auth import actor_for
from store.errors import PermissionDenied
from store.models import MassEmailSend
from store.models.enums import Role
from store.services.mass_email import MassEmailService
from tests.support import factories
from tests.support.job_tasks import drain
from tests.support.marketing import settings_for
from tests.support.scripted_models import ScriptedModel, call, say
from tests.support.smtp import smtp_server
from tools import TOOLSET, ToolContext


async def run(db, actor, tool_name, **args):
    async with db.session() as s:
        return (
            await TOOLSET.tools[tool_name].run(
                ToolContext(session=s, actor=actor, settings=settings_for("smtp://127.0.0.1:1")), args
            )
        ).data


async def test_lists_members_dynamic_list_and_metrics_through_the_tools(db, marketing_crm):
    async with db.session() as s:
        lisa = await factories.contact(s, first_name="Lisa", last_name="Chen", title="CTO", email="lisa@big.test")
    added = await run(db, marketing_crm["boss"], "add_to_list", list_name="vip", contact_ids=[lisa.id])
    members = await run(db, marketing_crm["boss"], "list_members", list_name="VIP")
    assert (
        added == {"list": "VIP", "added": 1}
        and members["total"] == 5
        and "Lisa Chen" in {m["name"] for m in members["members"]}
    )
    made = await run(
        db,
        marketing_crm["boss"],
        "create_dynamic_list",
        name="CTOs",
        criteria={"field": "contact.title", "op": "contains", "value": "cto"},
    )
    assert made["count"] == 1 and made["sample"] == "Lisa Chen"
    lists = await run(db, marketing_crm["rep"], "list_contact_lists")
    assert {x["name"]: x["kind"] for x in lists["lists"]} == {"VIP": "static", "CTOs": "dynamic"}
    metrics = await run(db, marketing_crm["boss"], "campaign_metrics", campaign="q4")
    assert metrics["name"] == "Q4 Promo" and metrics["metrics"]["members"] == 0 and metrics["emails"] == []
    assert [c["name"] for c in (await run(db, marketing_crm["rep"], "list_campaigns"))["campaigns"]] == ["Q4 Promo"]


async def test_sending_campaign_email_is_an_approval_showing_recipients_suppressed_and_a_preview(db, marketing_crm):
    with smtp_server() as (inbox, url):
        settings = settings_for(url)
        async with db.session() as s:
            mass = await MassEmailService(s, marketing_crm["boss"]).create(
                marketing_crm["campaign"].id,
                {
                    "subject": "Q4 offer for {{ contact.first_name }}",
                    "body": "<p>Hello {{ contact.first_name }}, our Q4 promo is here.</p>",
                },
            )
        model = ScriptedModel(
            call("send_campaign_email", {"email_id": str(mass.id), "list_name": "VIP"}),
            say("Waiting for your approval."),
        )
        agent = Agent(db, model, settings=settings)
        proposed = await agent.run(marketing_crm["boss"], "send the Q4 promo email to the VIP list")
        (pending,) = proposed.pending
        assert pending.summary.startswith(
            "Send the campaign email 'Q4 offer for Ann' to 3 recipients on list 'VIP' (1 suppressed"
        )
        assert "Preview for ann@big.test: Hello Ann, our Q4 promo is here." in pending.summary
        async with db.session() as s:
            assert await s.scalar(select(func.count()).select_from(MassEmailSend)) == 0  # the proposal wrote nothing
        await agent.decide(marketing_crm["boss"], proposed.conversation_id, pending.id, True)
        await drain(db, settings)
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["ann@big.test", "bob@big.test", "dee@big.test"]


async def test_a_rep_may_not_send_campaign_email(db, marketing_crm):
    async with db.session() as s:
        mass = await MassEmailService(s, marketing_crm["boss"]).create(
            marketing_crm["campaign"].id, {"subject": "x", "body": "<p>x</p>"}
        )
        rep = await factories.user(s, role=Role.rep, team="East")
    with pytest.raises(PermissionDenied):
        await run(db, actor_for(rep), "send_campaign_email", email_id=mass.id)
