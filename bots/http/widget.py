"""The help-center widget: its script, styles and demo page, its customer API, and public article pages.

Every `/api/v1/widget/*` call names its anonymous session with the `X-Nexa-Session` header; the
customer caller reaches only knowledge-base search (through the agent's toolset, filtered by role)
and the handoff, never CRM records.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated, Any

from litestar import MediaType, Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import File
from pydantic import BaseModel

from assistant.input_limits import accepted
from bots.http.responses import Handoff, Ok, WidgetHistory, WidgetSession
from bots.http.state import Nexa
from bots.http.streaming import stream, wants_stream
from store.knowledge.articles import public_article
from store.services.widget import (
    CsatRequest,
    HandoffRequest,
    WidgetService,
    customer_actor,
    mail_verification,
    new_session_token,
    verify_requester,
)

STATIC = Path(__file__).with_name("static")
SESSION_HEADER = "x-nexa-session"


class WidgetMessage(BaseModel):
    message: str


class Feedback(BaseModel):
    helpful: bool


def _customer(request: Request):
    return customer_actor(request.headers.get(SESSION_HEADER, ""))


def _customer_reply(result) -> dict[str, Any]:
    """What a customer sees of a turn: the answer, its citations and whether to offer a person."""
    return {"answer": result.answer, "citations": result.citations, "handoff_suggested": not result.citations}


@post("/session", status_code=201)
async def open_session() -> WidgetSession:
    """A new anonymous session token; the widget keeps it in localStorage."""
    return WidgetSession(session=new_session_token())


@get("/history")
async def history(request: Request, nexa: Nexa) -> WidgetHistory:
    """This session's visible conversation (customer messages and cited answers)."""
    async with nexa.db.session() as session:
        service = WidgetService(session, _customer(request))
        return WidgetHistory(messages=await service.history(), ticket_number=await service.ticket_number())


@post(
    "/messages", status_code=200, media_type="text/event-stream"
)  # Litestar lets a handler's media type win over a stream's
async def ask(request: Request, nexa: Nexa, data: JSONBody[WidgetMessage]) -> Any:
    """Ask the help center; `Accept: text/event-stream` streams the answer."""
    actor = _customer(request)
    text = accepted(data.message, nexa.agent.settings)  # before a conversation is opened or a stream started
    async with nexa.db.session() as session:
        conversation = await WidgetService(session, actor).conversation()
        conversation_id = str(conversation.id)
    if wants_stream(request):
        return stream(nexa.agent, actor, text, conversation_id, shape=_customer_reply)
    return Response(_customer_reply(await nexa.agent.run(actor, text, conversation_id)), media_type=MediaType.JSON)


@post("/feedback", status_code=200)
async def feedback(request: Request, nexa: Nexa, data: JSONBody[Feedback]) -> Ok:
    """ "That helped" (or not)."""
    async with nexa.db.session() as session:
        await WidgetService(session, _customer(request)).feedback(data.helpful)
    return Ok(ok=True)


@post("/handoff", status_code=201)
async def handoff(request: Request, nexa: Nexa, data: JSONBody[HandoffRequest]) -> Handoff:
    """Hand the conversation to a person: a ticket with the transcript; says its number. The email stays unverified
    (the ticket unlinked) until its owner follows the link mailed to it."""
    async with nexa.db.session() as session:
        ticket = await WidgetService(session, _customer(request)).handoff(data)
    mailed = await mail_verification(nexa.settings, ticket, str(request.base_url))
    confirm = " We sent you an email: follow its link so that we can find your account." if mailed else ""
    return Handoff(
        ticket_number=ticket.number,
        message=f"Thanks! A person from our team will answer by email. Your ticket number is #{ticket.number}.{confirm}",
    )


@get("/verify", media_type="text/html")
async def verify(nexa: Nexa, token: Annotated[str, Parameter(max_length=2000)]) -> Response[str]:
    """The link mailed to a handoff's email: proves the address and links the ticket to its contact."""
    async with nexa.db.session() as session:
        ticket = await verify_requester(session, nexa.settings.signing_key(), token)
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>Email confirmed</title><body><main>"
        f"<h1>Thank you</h1><p>Your email is confirmed for ticket #{ticket.number}.</p></main></body></html>"
    )
    return Response(page, media_type="text/html")


@post("/csat", status_code=200)
async def csat(request: Request, nexa: Nexa, data: JSONBody[CsatRequest]) -> Ok:
    """A 1-5 rating of the conversation, with an optional comment."""
    async with nexa.db.session() as session:
        await WidgetService(session, _customer(request)).csat(data)
    return Ok(ok=True)


@get("/widget/nexa.js", media_type="application/javascript")
async def script() -> File:
    return File(STATIC / "nexa.js", content_disposition_type="inline", media_type="application/javascript")


@get("/widget/nexa.css", media_type="text/css")
async def styles() -> File:
    return File(STATIC / "nexa.css", content_disposition_type="inline", media_type="text/css")


@get("/widget/demo", media_type="text/html")
async def demo() -> File:
    return File(STATIC / "demo.html", content_disposition_type="inline", media_type="text/html")


@get("/kb/articles/{article_id:uuid}", media_type="text/html")
async def article_page(article_id: FromPath[Any], nexa: Nexa) -> Response[str]:
    """A public help-center article (the target of the widget's citation links)."""
    async with nexa.db.session() as session:
        article = await public_article(session, article_id)
    if article is None:
        raise NotFoundException(f"article_id: no public article {article_id}")
    paragraphs = "".join(f"<p>{html.escape(p.strip())}</p>" for p in article.content.split("\n\n") if p.strip())
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(article.title)}</title>"
        f"<body><main><h1>{html.escape(article.title)}</h1>{paragraphs}</main></body></html>"
    )
    return Response(page, media_type="text/html")


widget_api = Router(
    path="/api/v1/widget", route_handlers=[open_session, history, ask, feedback, handoff, verify, csat], tags=["widget"]
)
widget_pages = [script, styles, demo, article_page]
