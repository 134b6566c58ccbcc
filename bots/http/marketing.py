"""`/api/v1/lists` and `/api/v1/campaigns` (with their mass emails), and the public links campaign emails carry.

The public routes need no token: `/u/{token}` (a page, and the RFC 8058 one-click POST), `/t/o/{token}.gif`
(the open pixel) and `/t/c/{token}` (a click, redirected only to a link of the email's own template). Their
tokens are signed per recipient (`store.services.tracking`); anything else is a 404.
Annotations stay real classes (no `from __future__ import annotations`): Litestar reads them.
"""

import base64
import uuid
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get, patch, post
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import Redirect
from pydantic import AwareDatetime, BaseModel, Field

from bots.http.resources import record
from bots.http.responses import (
    Added,
    Audience,
    CampaignDetail,
    CampaignMember,
    CampaignMembers,
    CampaignMetrics,
    CampaignOut,
    Campaigns,
    ContactOut,
    ListFields,
    ListMembers,
    ListOut,
    ListPreview,
    Lists,
    MassEmailDetail,
    MassEmailOut,
    MassEmailPreview,
    MassEmails,
    MassEmailSent,
    Removed,
    TestSent,
    WebFormOut,
)
from bots.http.state import Caller, Nexa
from store.access import Actor
from store.errors import InvalidInput, NotFound
from store.schemas import (
    CampaignCreate,
    CampaignMembersChange,
    CampaignUpdate,
    DripStepCreate,
    ListCreate,
    ListMembersChange,
    ListUpdate,
    MassEmailCreate,
    MassEmailUpdate,
)
from store.serialize import to_dict
from store.services import mass_events
from store.services.audit import audit
from store.services.campaigns import CampaignService
from store.services.drips import DripService
from store.services.forms import FormCreate, FormService
from store.services.lists import ListService
from store.services.mass_email import MassEmailService
from store.services.segments import fields_catalog
from store.services.tracking import verify

Limit = Annotated[int, Parameter(ge=1, le=200)]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000)]
Query = Annotated[str | None, Parameter(max_length=200)]
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _list(found: Any, members: int) -> ListOut:
    return ListOut(**to_dict(found), kind="dynamic" if found.dynamic else "static", members=members)


class Preview(BaseModel):
    criteria: dict[str, Any]
    limit: int = Field(10, ge=1, le=100)


@get("/lists", tags=["lists"])
async def list_lists(nexa: Nexa, actor: Caller, q: Query = None, limit: Limit = 50, offset: Offset = 0) -> Lists:
    """Contact lists with the number of members the caller may see."""
    async with nexa.db.session() as session:
        rows, total = await ListService(session, actor).search(q=q, limit=limit, offset=offset)
        return Lists(total=total, items=[_list(found, n) for found, n in rows])


@get("/lists/fields", tags=["lists"])
async def list_fields() -> ListFields:
    """The fields a dynamic list's filter may use, with their operators and values."""
    return ListFields(items=fields_catalog())


@post("/lists/preview", status_code=200, tags=["lists"])
async def preview_list(nexa: Nexa, actor: Caller, data: JSONBody[Preview]) -> ListPreview:
    """How many contacts a filter selects (of those the caller may read) and the first of them, before saving it."""
    async with nexa.db.session() as session:
        count, sample = await ListService(session, actor).preview(data.criteria, limit=data.limit)
        return ListPreview(count=count, sample=[ContactOut(**record(actor, c)) for c in sample])


@post("/lists", status_code=201, tags=["lists"])
async def create_list(nexa: Nexa, actor: Caller, data: JSONBody[ListCreate]) -> ListOut:
    """A static list (no criteria) or a dynamic one (criteria: a filter, see /lists/fields)."""
    async with nexa.db.session() as session:
        service = ListService(session, actor)
        made = await service.create(data)
        await audit(
            session,
            actor,
            action="api:lists.create",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[made.id],
        )
        return _list(made, await service.count(made))


@get("/lists/{list_id:uuid}", tags=["lists"])
async def get_list(nexa: Nexa, actor: Caller, list_id: FromPath[uuid.UUID]) -> ListOut:
    async with nexa.db.session() as session:
        service = ListService(session, actor)
        found = await service.get(list_id)
        return _list(found, await service.count(found))


@patch("/lists/{list_id:uuid}", tags=["lists"])
async def update_list(nexa: Nexa, actor: Caller, list_id: FromPath[uuid.UUID], data: JSONBody[ListUpdate]) -> ListOut:
    async with nexa.db.session() as session:
        service = ListService(session, actor)
        changes = data.model_dump()
        found = await service.update(list_id, changes)
        await audit(session, actor, action="api:lists.update", arguments=changes, status="ok", record_ids=[list_id])
        return _list(found, await service.count(found))


@get("/lists/{list_id:uuid}/members", tags=["lists"])
async def list_members(
    nexa: Nexa, actor: Caller, list_id: FromPath[uuid.UUID], limit: Limit = 50, offset: Offset = 0
) -> ListMembers:
    """The list's contacts the caller may read."""
    async with nexa.db.session() as session:
        rows, total = await ListService(session, actor).members(list_id, limit=limit, offset=offset)
        return ListMembers(total=total, items=[ContactOut(**record(actor, c)) for c in rows])


@post("/lists/{list_id:uuid}/members", status_code=200, tags=["lists"])
async def add_list_members(
    nexa: Nexa, actor: Caller, list_id: FromPath[uuid.UUID], data: JSONBody[ListMembersChange]
) -> Added:
    """Add contacts to a static list."""
    async with nexa.db.session() as session:
        added = await ListService(session, actor).add(list_id, data)
        await audit(
            session,
            actor,
            action="api:lists.add",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[list_id],
        )
        return Added(added=added)


@post("/lists/{list_id:uuid}/members/remove", status_code=200, tags=["lists"])
async def remove_list_members(
    nexa: Nexa, actor: Caller, list_id: FromPath[uuid.UUID], data: JSONBody[ListMembersChange]
) -> Removed:
    """Take contacts off a static list."""
    async with nexa.db.session() as session:
        removed = await ListService(session, actor).remove(list_id, data)
        await audit(
            session,
            actor,
            action="api:lists.remove",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[list_id],
        )
        return Removed(removed=removed)


@get("/campaigns", tags=["campaigns"])
async def list_campaigns(
    nexa: Nexa, actor: Caller, q: Query = None, limit: Limit = 50, offset: Offset = 0
) -> Campaigns:
    async with nexa.db.session() as session:
        rows, total = await CampaignService(session, actor).search(q=q, limit=limit, offset=offset)
        return Campaigns(total=total, items=[CampaignOut(**to_dict(c)) for c in rows])


@post("/campaigns", status_code=201, tags=["campaigns"])
async def create_campaign(nexa: Nexa, actor: Caller, data: JSONBody[CampaignCreate]) -> CampaignOut:
    async with nexa.db.session() as session:
        made = await CampaignService(session, actor).create(data)
        await audit(
            session,
            actor,
            action="api:campaigns.create",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[made.id],
        )
        return CampaignOut(**to_dict(made))


@get("/campaigns/{campaign_id:uuid}", tags=["campaigns"])
async def get_campaign(nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID]) -> CampaignDetail:
    """The campaign with its metrics: members by status, leads created, influenced pipeline, won revenue, cost per lead, ROI."""
    async with nexa.db.session() as session:
        service = CampaignService(session, actor)
        metrics = CampaignMetrics(**(await service.metrics(campaign_id)).to_dict())
        return CampaignDetail(**to_dict(await service.get(campaign_id)), metrics=metrics)


@patch("/campaigns/{campaign_id:uuid}", tags=["campaigns"])
async def update_campaign(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], data: JSONBody[CampaignUpdate]
) -> CampaignOut:
    async with nexa.db.session() as session:
        changes = data.model_dump()
        changed = await CampaignService(session, actor).update(campaign_id, changes)
        await audit(
            session, actor, action="api:campaigns.update", arguments=changes, status="ok", record_ids=[campaign_id]
        )
        return CampaignOut(**to_dict(changed))


@get("/campaigns/{campaign_id:uuid}/members", tags=["campaigns"])
async def campaign_members(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], limit: Limit = 50, offset: Offset = 0
) -> CampaignMembers:
    async with nexa.db.session() as session:
        rows, total = await CampaignService(session, actor).members(campaign_id, limit=limit, offset=offset)
        return CampaignMembers(total=total, items=[CampaignMember(**row) for row in rows])


@post("/campaigns/{campaign_id:uuid}/members", status_code=200, tags=["campaigns"])
async def add_campaign_members(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], data: JSONBody[CampaignMembersChange]
) -> Added:
    async with nexa.db.session() as session:
        added = await CampaignService(session, actor).add_members(campaign_id, data)
        await audit(
            session,
            actor,
            action="api:campaigns.members",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[campaign_id],
        )
        return Added(added=added)


def _email(email: Any) -> dict[str, Any]:
    out = to_dict(email)
    out["drip_delay"] = email.drip_delay.total_seconds() / 3600 if email.drip_delay is not None else None  # hours
    return out


def _email_out(email: Any) -> MassEmailOut:
    return MassEmailOut(**_email(email))


@get("/campaigns/{campaign_id:uuid}/emails", tags=["campaigns"])
async def campaign_emails(nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID]) -> MassEmails:
    async with nexa.db.session() as session:
        return MassEmails(
            items=[_email_out(e) for e in await MassEmailService(session, actor).of_campaign(campaign_id)]
        )


@post("/campaigns/{campaign_id:uuid}/emails", status_code=201, tags=["campaigns"])
async def create_email(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], data: JSONBody[MassEmailCreate]
) -> MassEmailOut:
    """A campaign email: subject and HTML body are Jinja templates (merge fields: contact.*, account.*, campaign.name)."""
    async with nexa.db.session() as session:
        made = await MassEmailService(session, actor).create(campaign_id, data)
        await audit(
            session,
            actor,
            action="api:campaigns.email",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[made.id],
        )
        return _email_out(made)


async def _owned_email(service: MassEmailService, campaign_id: uuid.UUID, email_id: uuid.UUID) -> Any:
    email = await service.get(email_id)
    if email.campaign_id != campaign_id:
        raise NotFound("email_id", f"campaign {campaign_id} has no email {email_id}")
    return email


@get("/campaigns/{campaign_id:uuid}/emails/{email_id:uuid}", tags=["campaigns"])
async def get_email(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], email_id: FromPath[uuid.UUID]
) -> MassEmailDetail:
    """The email with its progress (recipients by send status, opens, clicks)."""
    async with nexa.db.session() as session:
        service = MassEmailService(session, actor)
        return MassEmailDetail(
            **_email(await _owned_email(service, campaign_id, email_id)), progress=await service.progress(email_id)
        )


@patch("/campaigns/{campaign_id:uuid}/emails/{email_id:uuid}", tags=["campaigns"])
async def update_email(
    nexa: Nexa,
    actor: Caller,
    campaign_id: FromPath[uuid.UUID],
    email_id: FromPath[uuid.UUID],
    data: JSONBody[MassEmailUpdate],
) -> MassEmailOut:
    async with nexa.db.session() as session:
        service = MassEmailService(session, actor)
        await _owned_email(service, campaign_id, email_id)
        return _email_out(await service.update(email_id, data))


@get("/campaigns/{campaign_id:uuid}/steps", tags=["campaigns"])
async def drip_steps(nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID]) -> MassEmails:
    """A nurture campaign's drip steps, in order (each a campaign email: see its progress under /emails/{id})."""
    async with nexa.db.session() as session:
        return MassEmails(items=[_email_out(e) for e in await DripService(session, actor).steps(campaign_id)])


@post("/campaigns/{campaign_id:uuid}/steps", status_code=201, tags=["campaigns"])
async def add_drip_step(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], data: JSONBody[DripStepCreate]
) -> MassEmailOut:
    """Append a drip step to a nurture campaign: sent `delay_hours` after enrolment (step 1) or after the previous step."""
    async with nexa.db.session() as session:
        made = await DripService(session, actor).add_step(campaign_id, data, nexa.settings)
        await audit(
            session,
            actor,
            action="api:campaigns.step",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[made.id],
        )
        return _email_out(made)


class PreviewFor(BaseModel):
    contact_id: uuid.UUID | None = None


class TestSend(BaseModel):
    to: str = Field(min_length=3, max_length=320)
    contact_id: uuid.UUID | None = None


class SendAt(BaseModel):
    at: AwareDatetime | None = None


@post("/campaigns/{campaign_id:uuid}/emails/{email_id:uuid}/preview", status_code=200, tags=["campaigns"])
async def preview_email(
    nexa: Nexa,
    actor: Caller,
    campaign_id: FromPath[uuid.UUID],
    email_id: FromPath[uuid.UUID],
    data: JSONBody[PreviewFor],
) -> MassEmailPreview:
    """The email rendered for a recipient (the given contact, else the first one); an unknown merge field is a 400 naming it."""
    async with nexa.db.session() as session:
        service = MassEmailService(session, actor)
        await _owned_email(service, campaign_id, email_id)
        shown = await service.preview(email_id, nexa.settings, contact_id=data.contact_id)
        audience = await service.audience(email_id)
        return MassEmailPreview(
            **shown, audience=Audience(recipients=audience.recipients, suppressed=audience.suppressed)
        )


@post("/campaigns/{campaign_id:uuid}/emails/{email_id:uuid}/test", status_code=200, tags=["campaigns"])
async def test_email(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], email_id: FromPath[uuid.UUID], data: JSONBody[TestSend]
) -> TestSent:
    """Send one [TEST] copy to an address now (nothing tracked)."""
    async with nexa.db.session() as session:
        service = MassEmailService(session, actor)
        await _owned_email(service, campaign_id, email_id)
        mime = await service.test_send(email_id, nexa.settings, to=data.to, contact_id=data.contact_id)
        return TestSent(sent_to=data.to, subject=str(mime["Subject"]))


@post("/campaigns/{campaign_id:uuid}/emails/{email_id:uuid}/send", status_code=202, tags=["campaigns"])
async def send_email(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], email_id: FromPath[uuid.UUID], data: JSONBody[SendAt]
) -> MassEmailSent:
    """Send now (or at `at`) to the list's sendable recipients, in the background; a second send is a 409."""
    async with nexa.db.session() as session:
        service = MassEmailService(session, actor)
        await _owned_email(service, campaign_id, email_id)
        audience = await service.send(email_id, nexa.settings, at=data.at)
        await audit(
            session,
            actor,
            action="api:campaigns.send",
            arguments=data.model_dump(mode="json"),
            status="ok",
            record_ids=[email_id],
        )
        email = await service.get(email_id)
        return MassEmailSent(**_email(email), recipients=audience.recipients, suppressed=audience.suppressed)


@post("/campaigns/{campaign_id:uuid}/emails/{email_id:uuid}/pause", status_code=200, tags=["campaigns"])
async def pause_email(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], email_id: FromPath[uuid.UUID]
) -> MassEmailOut:
    async with nexa.db.session() as session:
        service = MassEmailService(session, actor)
        await _owned_email(service, campaign_id, email_id)
        return _email_out(await service.pause(email_id))


@post("/campaigns/{campaign_id:uuid}/emails/{email_id:uuid}/resume", status_code=200, tags=["campaigns"])
async def resume_email(
    nexa: Nexa, actor: Caller, campaign_id: FromPath[uuid.UUID], email_id: FromPath[uuid.UUID]
) -> MassEmailOut:
    async with nexa.db.session() as session:
        service = MassEmailService(session, actor)
        await _owned_email(service, campaign_id, email_id)
        return _email_out(await service.resume(email_id))


@post("/forms", status_code=201, tags=["campaigns"])
async def create_form(nexa: Nexa, actor: Caller, data: JSONBody[FormCreate]) -> WebFormOut:
    """A web-to-lead form at POST /forms/{slug} (welcome templates use the campaign email merge fields)."""
    async with nexa.db.session() as session:
        return WebFormOut(**to_dict(await FormService(session, actor).create(data)))


def marketing_routes() -> list[Any]:
    return [
        create_form,
        list_lists,
        list_fields,
        preview_list,
        create_list,
        get_list,
        update_list,
        list_members,
        add_list_members,
        remove_list_members,
        list_campaigns,
        create_campaign,
        get_campaign,
        update_campaign,
        campaign_members,
        add_campaign_members,
        campaign_emails,
        create_email,
        get_email,
        update_email,
        preview_email,
        test_email,
        send_email,
        pause_email,
        resume_email,
        drip_steps,
        add_drip_step,
    ]


# -- public links ------------------------------------------------------------------------------------------------

_PAGE = (
    "<!doctype html><meta charset=utf-8><title>Unsubscribe</title><body style='font-family:sans-serif;max-width:30em;margin:3em auto'>"
    "{body}</body>"
)


@get("/u/{token:str}", include_in_schema=False, media_type=MediaType.HTML)
async def unsubscribe_page(nexa: Nexa, token: FromPath[str]) -> str:
    """The unsubscribe link's page: one button (a GET never unsubscribes: mail scanners follow links)."""
    verify(nexa.settings.signing_key(), "u", token)
    return _PAGE.format(
        body="<p>Stop receiving campaign emails from us?</p><form method=post><button>Unsubscribe</button></form>"
    )


@post("/u/{token:str}", include_in_schema=False, status_code=200, media_type=MediaType.HTML)
async def unsubscribe(nexa: Nexa, token: FromPath[str]) -> str:
    """RFC 8058 one-click unsubscribe (`List-Unsubscribe=One-Click` body) and the page's button: idempotent."""
    send_id, _ = verify(nexa.settings.signing_key(), "u", token)
    async with nexa.db.session() as session:
        address = await mass_events.unsubscribed(session, send_id)
    return _PAGE.format(
        body=f"<p>{address.split('@')[0][:2]}…@{address.split('@')[-1]} will receive no more campaign emails.</p>"
    )


@get("/t/o/{token:str}", include_in_schema=False)
async def open_pixel(nexa: Nexa, token: FromPath[str]) -> Response[bytes]:
    """The 1x1 open pixel (recorded once per recipient); an invalid token still gets the image, and nothing is recorded."""
    try:
        send_id, _ = verify(nexa.settings.signing_key(), "o", token.removesuffix(".gif"))
        async with nexa.db.session() as session:
            await mass_events.opened(session, send_id)
    except NotFound:
        pass
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@get("/t/c/{token:str}", include_in_schema=False, status_code=302)
async def click(nexa: Nexa, token: FromPath[str]) -> Redirect:
    """A tracked click: recorded, then redirected to that link of the email's template (404 for any other token)."""
    send_id, index = verify(nexa.settings.signing_key(), "c", token)
    if not index.isdigit():
        raise NotFound("token", "this link is not valid")
    async with nexa.db.session() as session:
        url = await mass_events.clicked(session, send_id, int(index))
    return Redirect(url, status_code=302)


@post("/forms/{slug:str}", include_in_schema=False, status_code=201)
async def submit_form(request: Request, nexa: Nexa, slug: FromPath[str]) -> dict[str, Any]:
    """A web-to-lead form (form-encoded or JSON): creates the lead; rate-limited per address (NEXA_FORMS_PER_IP a minute)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.json()
        if not isinstance(body, dict):
            raise InvalidInput("body", "a JSON object of the form's fields is expected")
    else:
        body = dict(await request.form())
    if isinstance(body.get("consent"), str):
        body["consent"] = body["consent"].lower() in ("1", "true", "on", "yes")
    async with nexa.db.session() as session:
        lead = await FormService(session, Actor.system()).submit(
            slug, body, ip=request.client.host if request.client else None
        )
        return {"status": "received", "lead_id": str(lead.id) if lead else None}


def public_routes() -> list[Any]:
    return [unsubscribe_page, unsubscribe, open_pixel, click, submit_form]
