"""`/api/v1/imports`: upload a CSV file (multipart) to import in the background, then poll its progress and report."""

import asyncio
import os
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

import anyio
from litestar import Request, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from pydantic import BaseModel, Field

from bots.http.api import current_actor
from bots.http.guards import MAX_UPLOAD
from bots.http.responses import ImportStatus
from bots.http.state import Caller, Nexa
from store.imports import ImportOptions
from store.imports.jobs import ImportJobService, describe, run_job
from store.imports.mapping import parse_map, parse_values
from store.services.audit import audit

_RUNNING: set[asyncio.Task] = set()  # keeps the background imports referenced until they finish


class ImportForm(BaseModel):
    """The multipart form: the file plus the CLI's options (`map` and `values` may repeat)."""

    model_config = {"arbitrary_types_allowed": True}

    file: UploadFile
    resource: str
    preset: str | None = None
    map: list[str] | str = Field(default_factory=list)
    values: list[str] | str = Field(default_factory=list)
    owner: str | None = None
    dry_run: bool = False
    update_existing: bool = False
    create_accounts: bool = False
    date_format: str | None = None


def _listed(value: list[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@post("/", status_code=202, request_max_body_size=MAX_UPLOAD)
async def start_import(
    request: Request,
    nexa: Nexa,
    actor: Caller,
    data: Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> ImportStatus:
    """Start importing a CSV file (same options as `nexa import`); poll `GET /api/v1/imports/{id}` for the report."""
    options = ImportOptions(
        preset=data.preset,
        columns=parse_map(_listed(data.map)),
        values=parse_values(_listed(data.values)),
        owner=data.owner,
        dry_run=data.dry_run,
        update_existing=data.update_existing,
        date_format=data.date_format,
        create_accounts=data.create_accounts,
    )
    async with nexa.db.session() as session:
        job = await ImportJobService(session, actor).create(data.resource, data.file.filename or "upload.csv", options)
        await audit(
            session,
            actor,
            action="api:imports.create",
            arguments={"resource": data.resource, "filename": job.filename},
            status="ok",
            record_ids=[job.id],
        )
        answer = ImportStatus(**describe(job))
    handle, name = tempfile.mkstemp(prefix="nexa-import-", suffix=".csv")
    path = Path(name)
    os.close(handle)
    async with await anyio.open_file(path, "wb") as out:
        while chunk := await data.file.read(1 << 20):
            await out.write(chunk)
    task = asyncio.get_running_loop().create_task(run_job(nexa.db, actor, job.id, path))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return answer


@get("/{import_id:uuid}")
async def import_status(nexa: Nexa, actor: Caller, import_id: FromPath[uuid.UUID]) -> ImportStatus:
    """An import's status (queued, running, done, failed), rows done so far, and its report once done."""
    async with nexa.db.session() as session:
        return ImportStatus(**describe(await ImportJobService(session, actor).get(import_id)))


imports_router = Router(
    path="/api/v1/imports",
    route_handlers=[start_import, import_status],
    tags=["imports"],
    dependencies={"actor": Provide(current_actor)},
)
