"""Demo data: the spec's story (through the services) and a generated, scalable CRM around it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from store.db import Database
from store.embeddings import Embedder
from store.knowledge import IngestReport, ingest, read_paths
from store.models.enums import Role
from store.seed.generated import Counts, generate
from store.seed.story import load_story, story_loaded
from store.signin import DEMO_PASSWORD, hash_password

__all__ = ["Counts", "is_seeded", "load_help_center", "seed"]


async def is_seeded(db: Database) -> bool:
    async with db.session() as session:
        return await story_loaded(session)


HELP_CENTER = Path(__file__).parent / "helpcenter"


async def load_help_center(db: Database, embedder: Embedder) -> IngestReport:
    """Ingest the demo help center (store/seed/helpcenter) into the knowledge base."""
    async with db.session() as session:
        return await ingest(session, read_paths([HELP_CENTER]), embedder)


async def seed(
    db: Database,
    *,
    scale: int = 1,
    random_seed: int = 7,
    progress: Callable[[str, int], None] | None = None,
    embedder: Embedder | None = None,
) -> Counts:
    """Load the story (its users sign in to the console with `DEMO_PASSWORD`), then the generated CRM at `scale`,
    into an empty database.

    With an embedder, the demo help center is ingested too.
    """
    async with db.session() as session:
        users = await load_story(session)
        for user in users.values():  # the web console's demo sign-in (README, "Web console")
            user.password_hash = hash_password(DEMO_PASSWORD)
    reps = [u.id for u in users.values() if u.role is Role.rep]
    support = [u.id for u in users.values() if u.role is Role.support]
    url = db.url.replace("postgresql+psycopg://", "postgresql://")
    counts = generate(url, reps=reps, support=support, scale=scale, seed=random_seed, progress=progress)
    if embedder is not None:
        await load_help_center(db, embedder)
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))
    return counts
