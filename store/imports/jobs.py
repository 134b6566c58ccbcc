"""Import jobs started over the API: queued, running with progress, then done with the report (or failed)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import update

from store.access import Actor
from store.db import Database
from store.errors import DomainError, InvalidInput, NotFound
from store.imports.importer import Importer, ImportOptions
from store.imports.mapping import RESOURCES
from store.imports.presets import COLUMNS
from store.models import ImportJob
from store.services.base import Service


class ImportJobService(Service):
    """A caller's import jobs; another caller's job does not exist for them (admins see all)."""

    async def create(self, resource: str, filename: str, options: ImportOptions) -> ImportJob:
        if resource not in RESOURCES:
            raise InvalidInput("resource", f"'{resource}' cannot be imported; one of {', '.join(RESOURCES)}")
        if options.preset is not None and options.preset not in COLUMNS:
            raise InvalidInput("preset", f"'{options.preset}' is not a preset; one of {', '.join(COLUMNS)}")
        job = ImportJob(user_id=self.actor.user_id, resource=resource, filename=filename[:300], options=asdict(options))
        self.session.add(job)
        await self.flush()
        return job

    async def get(self, job_id: uuid.UUID | str) -> ImportJob:
        job = await self.load(ImportJob, job_id, field="import_id")
        if job.user_id != self.actor.user_id and not self.actor.sees_everything:
            raise NotFound("import_id", f"no import with id {job_id}")
        return job


def describe(job: ImportJob) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "resource": job.resource,
        "filename": job.filename,
        "status": job.status,
        "rows_done": job.rows_done,
        "options": job.options,
        "report": job.report,
    }


async def run_job(db: Database, actor: Actor, job_id: uuid.UUID, path: Path) -> None:
    """Import the uploaded file of a job, recording progress and the report; the file is removed afterwards."""

    async def set_(**values: Any) -> None:
        async with db.session() as session:
            await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))

    async with db.session() as session:
        job = await ImportJobService(session, actor).get(job_id)
        resource, options = job.resource, ImportOptions(**job.options)
    await set_(status="running")
    try:
        with path.open("rb") as raw:
            report = await Importer(db, actor, resource, options).run(
                raw, filename=job.filename, size=path.stat().st_size, progress=lambda rows, _: set_(rows_done=rows)
            )
            await set_(status="done", rows_done=report.rows, report=report.to_dict())
    except DomainError as err:
        await set_(status="failed", report={"error": err.to_dict()})
    except Exception as err:  # noqa: BLE001 - a background job records why it stopped instead of dying silently
        await set_(
            status="failed",
            report={"error": {"code": "failed", "field": None, "reason": f"{type(err).__name__}: {err}"}},
        )
    finally:
        path.unlink(missing_ok=True)
