"""The console's pages: sign-in and sign-out, the pipeline board, the task board, the dashboards.

Every page and every move runs as the signed-in user through the same services as the API, so the rights, the
rules (closed_lost needs a reason, who may move whose task) and the audit trail are the API's.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from bots.http.state import AppState, Caller, Nexa
from bots.web.render import is_htmx, page
from bots.web.session import (
    PATH,
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    client_ip,
    cookie,
    expired,
    presession,
    session_cookie,
)
from store.access import Actor, CallerRole, allowed
from store.errors import InvalidInput
from store.models.enums import DealStage, TaskStatus
from store.services import PipelineService, TaskService
from store.services.audit import audit
from store.services.deals import DealService
from store.signin import sign_in, sign_out

STAGE_LABELS = {
    "prospecting": "Prospecting",
    "qualification": "Qualification",
    "proposal": "Proposal",
    "negotiation": "Negotiation",
    "closed_won": "Closed won",
    "closed_lost": "Closed lost",
}
TASK_LABELS = {"todo": "To do", "in_progress": "In progress", "done": "Done"}


def _next(target: str | None) -> str:
    """Where to go after sign-in: a console path only (never another site)."""
    if target and target.startswith(f"{PATH}/") and "\\" not in target:
        return target
    return f"{PATH}/"  # home: the first page the user's role may open


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


# ------------------------------------------------------------------ signing in and out


@get("/signin", name="console_signin_form")
async def signin_form(
    request: Request, next_: Annotated[str | None, QueryParameter(name="next", max_length=300)] = None
) -> Template:
    """The sign-in form (a pre-session cookie carries its CSRF token)."""
    value, new = presession(request)
    request.scope["nexa.presession"] = value  # type: ignore[typeddict-unknown-key]
    response = page(request, "signin.html", next=_next(next_), email="", error=None)
    if new:
        response.set_cookie(cookie(PRESESSION_COOKIE, value))
    return response


@post("/signin", name="console_signin", status_code=303)
async def signin(request: Request, nexa: Nexa) -> Response:
    """Check the email and password; a new server-side session on success."""
    form = await _form(request)
    email, password = form.get("email", "").strip(), form.get("password", "")
    if not email or not password:
        return page(
            request,
            "signin.html",
            status=400,
            next=_next(form.get("next")),
            email=email,
            error="Enter your email and your password.",
        )
    async with nexa.db.session() as session:
        signed = await sign_in(
            session, email, password, client_ip=client_ip(request), user_agent=request.headers.get("user-agent", "")
        )
    if signed is None:  # the failure was committed above, for the rate limit
        return page(
            request,
            "signin.html",
            status=401,
            next=_next(form.get("next")),
            email=email,
            error="The email or the password is wrong.",
        )
    response = Redirect(_next(form.get("next")), status_code=303)
    response.set_cookie(session_cookie(signed.token))
    response.set_cookie(expired(PRESESSION_COOKIE))
    return response


@post("/signout", name="console_signout", status_code=303)
async def signout(request: Request, nexa: Nexa) -> Response:
    """End this browser's session."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        async with nexa.db.session() as session:
            await sign_out(session, token)
    response = Redirect(f"{PATH}/signin", status_code=303)
    response.set_cookie(expired(SESSION_COOKIE))
    return response


@get("/", name="console_home")
async def home(user: Caller) -> Redirect:
    first = next((area for area in ("pipeline", "inbox") if allowed(user, area, "read")), "tasks")
    return Redirect(f"{PATH}/{first}", status_code=303)


# ------------------------------------------------------------------ pipeline board


async def _board(
    request: Request, nexa: AppState, user: Actor, *, template: str, status: int = 200, **extra: Any
) -> Template:
    async with nexa.db.session() as session:
        columns = await PipelineService(session, user).board()
    return page(
        request, template, status=status, columns=columns, labels=STAGE_LABELS, stages=list(STAGE_LABELS), **extra
    )


@get("/pipeline", name="console_pipeline")
async def pipeline(request: Request, nexa: Nexa, user: Caller) -> Template:
    """The kanban of the deals the user may see, by stage."""
    return await _board(request, nexa, user, template="pipeline.html")


@post("/deals/{deal_id:uuid}/stage", name="console_deal_stage")
async def move_deal(request: Request, nexa: Nexa, user: Caller, deal_id: FromPath[uuid.UUID]) -> Response:
    """Move a card: the API's stage change (DealService.move_stage), same rules, same audit."""
    form = await _form(request)
    stage, reason = form.get("stage", ""), (form.get("reason") or "").strip() or None
    if stage not in STAGE_LABELS:
        raise InvalidInput("stage", f"'{stage}' is not one of {', '.join(STAGE_LABELS)}")
    async with nexa.db.session() as session:
        deal = await DealService(session, user).move_stage(deal_id, DealStage(stage), reason=reason)
        await audit(
            session,
            user,
            action="console:deals.stage",
            arguments={"stage": stage, "reason": reason},
            status="ok",
            record_ids=[deal_id],
        )
        moved = f"{deal.deal_name} moved to {STAGE_LABELS[stage]}."
    if not is_htmx(request):
        return Redirect(f"{PATH}/pipeline", status_code=303)
    return await _board(request, nexa, user, template="_board.html", flash=moved)


# ------------------------------------------------------------------ task board

Scope = Literal["mine", "team"]


async def _tasks(
    request: Request, nexa: AppState, user: Actor, scope: Scope, *, template: str, **extra: Any
) -> Template:
    async with nexa.db.session() as session:
        columns = await TaskService(session, user).board(team=scope == "team")
    return page(
        request,
        template,
        columns=columns,
        labels=TASK_LABELS,
        statuses=list(TASK_LABELS),
        whose=scope,
        can_team=user.sees_everything or user.role is CallerRole.manager,
        **extra,
    )


@get("/tasks", name="console_tasks")
async def tasks(
    request: Request, nexa: Nexa, user: Caller, whose: Annotated[Scope, QueryParameter(name="scope")] = "mine"
) -> Template:
    """To do / in progress / done over the user's tasks (`scope=team`: a manager's team's). (`scope` is Litestar's name
    for the ASGI scope, hence `whose`.)"""
    return await _tasks(request, nexa, user, whose, template="tasks.html")


@post("/tasks/{task_id:uuid}/status", name="console_task_status")
async def move_task(request: Request, nexa: Nexa, user: Caller, task_id: FromPath[uuid.UUID]) -> Response:
    """Move a task card: its status through TaskService.update (the API's PATCH)."""
    form = await _form(request)
    status, scope = form.get("status", ""), form.get("scope", "mine")
    if status not in TASK_LABELS:
        raise InvalidInput("status", f"'{status}' is not one of {', '.join(TASK_LABELS)}")
    if scope not in ("mine", "team"):
        raise InvalidInput("scope", "is mine or team")
    async with nexa.db.session() as session:
        task = await TaskService(session, user).update(task_id, {"status": TaskStatus(status)})
        await audit(
            session,
            user,
            action="console:tasks.update",
            arguments={"status": status},
            status="ok",
            record_ids=[task_id],
        )
        moved = f"{task.title}: {TASK_LABELS[status]}."
    if not is_htmx(request):
        return Redirect(f"{PATH}/tasks?scope={scope}", status_code=303)
    return await _tasks(request, nexa, user, scope, template="_tasks.html", flash=moved)  # type: ignore[arg-type]


# ------------------------------------------------------------------ dashboards


@get("/dashboards", name="console_dashboards")
async def dashboards(request: Request, user: Caller) -> Template:
    """Charts drawn in the browser from the JSON of `bots.web.data` (only those the user's role may read)."""
    return page(
        request,
        "dashboards.html",
        sales=allowed(user, "pipeline", "read"),
        support=allowed(user, "tickets", "read"),
        marketing=allowed(user, "campaigns", "read"),
    )


PAGES = [signin_form, signin, signout, home, pipeline, move_deal, tasks, move_task, dashboards]
