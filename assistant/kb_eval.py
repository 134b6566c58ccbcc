"""Answer quality over the knowledge base: does the answer resolve the question, and cite the right article?

A case is one JSON line: `{"id", "corpus": "helpcenter"|"banking", "audience": "customer"|"internal" (or "staff"),
"kind", "question", "article": file stem or banking id (null when unanswerable), "must_contain": [...],
"must_contain_any": [...]}`. Each question goes through the real answer path: the agent with the
offline model (or the configured endpoint), as a widget customer or as a support user, against a knowledge
base holding only that case's corpus (two help centers are two deployments). An answer with no citation
counts as "not found".

Measures: resolution (answer holds every `must_contain` phrase and one of `must_contain_any`, or for an
unanswerable question, says not found), citation accuracy (first citation is the expected article, over
answered answerable questions), false not-found (answerable, answered not found), wrong answers
(answered but unresolved, or an unanswerable question answered), and the time to the first event.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from assistant.agent import Agent
from assistant.events import Final
from assistant.runtime import build_agent
from store.access import Actor
from store.auth import actor_for_email
from store.db import Database
from store.embeddings import Embedder, default_embedder
from store.knowledge import find_article, ingest, read_paths
from store.seed import HELP_CENTER
from store.seed.story import load_story, story_loaded
from store.settings import Settings

CORPUS = Path("shared") / "data" / "tau2-banking-knowledge" / "documents"
SUPPORT_EMAIL = "sam@nexa.test"


@dataclass(frozen=True)
class Case:
    id: str
    corpus: str
    audience: str
    kind: str
    question: str
    article: str | None
    must_contain: tuple[str, ...] = ()
    must_contain_any: tuple[str, ...] = ()


@dataclass
class Outcome:
    case: Case
    answer: str
    cited: list[str]
    not_found: bool
    resolved: bool
    citation_ok: bool | None  # None when the question is unanswerable or nothing was cited
    first_event_ms: float

    @property
    def wrong(self) -> bool:
        return not self.not_found and not self.resolved


def load_cases(path: str | Path) -> list[Case]:
    """The cases of a JSONL file (blank lines skipped)."""
    cases = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(
                Case(
                    id=str(raw["id"]),
                    corpus=raw["corpus"],
                    audience=_audience(raw.get("audience"), raw["id"]),
                    kind=raw.get("kind", ""),
                    question=raw["question"],
                    article=raw.get("article"),
                    must_contain=tuple(raw.get("must_contain") or ()),
                    must_contain_any=tuple(raw.get("must_contain_any") or ()),
                )
            )
    return cases


AUDIENCES = {
    "customer": "customer",
    "internal": "internal",
    "staff": "internal",
    "support": "internal",
    "agent": "internal",
}


def _audience(value: str | None, case_id: object) -> str:
    """Who asks: a widget customer (the default) or staff, under any of the names the set may use for them."""
    if value is None:
        return "customer"
    if value.lower() not in AUDIENCES:
        raise ValueError(f"case {case_id}: audience must be one of {', '.join(AUDIENCES)}, not {value!r}")
    return AUDIENCES[value.lower()]


def is_kb_set(path: str | Path) -> bool:
    """Whether a file is a set of knowledge-base questions: JSON lines whose first case names a `corpus` and a `question`."""
    path = Path(path)
    if path.suffix != ".jsonl":
        return False
    first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), "")
    try:
        raw = json.loads(first)
    except ValueError:
        return False
    return isinstance(raw, dict) and "corpus" in raw and "question" in raw


def banking_corpus() -> Path | None:
    """The banking documents in `../shared/data` of the checkout (or of a folder above it, for worktrees)."""
    here = Path(__file__).resolve().parent.parent
    return next((p / CORPUS for p in here.parents if (p / CORPUS).is_dir()), None)


def corpus_paths(corpus: str) -> list[Path]:
    """What a corpus is: the demo help center, or the banking documents."""
    if corpus == "helpcenter":
        return [HELP_CENTER]
    banking = banking_corpus()
    if corpus != "banking" or banking is None:
        raise FileNotFoundError(
            f"no corpus '{corpus}' (banking is looked up as {CORPUS} in a folder above the checkout)"
        )
    return [banking]


async def prepare(db: Database, embedder: Embedder, corpus: str) -> None:
    """One corpus (each help center is its own knowledge base) and the demo users, through the real ingestion."""
    async with db.session() as session:
        await ingest(session, read_paths(corpus_paths(corpus)), embedder)
        if not await story_loaded(session):
            await load_story(session)


def resolves(answer: str, case: Case) -> bool:
    """Every required phrase, and one of the alternatives when there are any (case-insensitive)."""
    text = answer.lower()
    return all(p.lower() in text for p in case.must_contain) and (
        not case.must_contain_any or any(p.lower() in text for p in case.must_contain_any)
    )


def article_key(source: str) -> str:
    """How a case names an article: a help-center file's stem, or the banking document's id."""
    name = source.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if name.endswith((".md", ".markdown", ".html", ".htm", ".txt")) else name


async def ask(agent: Agent, db: Database, case: Case) -> Outcome:
    """One question through the agent, as a widget customer or as a support user."""
    if case.audience == "internal":
        async with db.session() as session:
            actor = await actor_for_email(session, SUPPORT_EMAIL)
    else:
        actor = Actor.customer(secrets.token_hex(16))
    start, first, result = time.perf_counter(), None, None
    async for event in agent.stream(actor, case.question):
        first = first if first is not None else time.perf_counter()
        if isinstance(event, Final):
            result = event.result
    assert result is not None
    cited = []
    async with db.session() as session:
        for citation in result.citations:
            cited.append(article_key((await find_article(session, citation["article_id"])).source))
    not_found = not cited
    if case.article is None:
        resolved, citation_ok = not_found, None
    else:
        resolved = not not_found and resolves(result.answer, case)
        citation_ok = None if not_found else cited[0] == case.article
    return Outcome(case, result.answer, cited, not_found, resolved, citation_ok, ((first or start) - start) * 1000)


async def evaluate(agent: Agent, db: Database, cases: Iterable[Case]) -> list[Outcome]:
    return [await ask(agent, db, case) for case in cases]


async def run_set(
    path: str | Path, *, model: str = "offline", home: Path | None = None, embedder: Embedder | None = None
) -> list[Outcome]:
    """Every case of a set through the agent (the offline model, or with "openai" the configured endpoint), one
    knowledge base (and embedded server) per corpus under `home` (a throwaway folder by default; a kept one lets
    re-runs skip unchanged articles), whatever `DATABASE_URL` says."""
    cases = load_cases(path)
    base = home or Path(tempfile.mkdtemp(prefix="nexa-kbanswers-"))
    embedder = embedder or default_embedder()
    outcomes: list[Outcome] = []
    for corpus in sorted({c.corpus for c in cases}):
        settings = replace(Settings(), home=base / corpus, database_url=None, database_replica_url=None)
        if model == "offline":
            settings = replace(settings, llm_base_url=None, llm_api_key=None)
        db = Database.open(settings)
        try:
            await prepare(db, embedder, corpus)
            outcomes += await evaluate(
                build_agent(db, settings, embedder), db, [c for c in cases if c.corpus == corpus]
            )
        finally:
            await db.close()
    return outcomes


def report(outcomes: list[Outcome], *, rows: bool = False) -> dict[str, Any]:
    """What `--json` prints: the summary, the failures and (with `rows`) every answer."""
    return {"summary": summarize(outcomes), "failures": failures(outcomes)} | (
        {"rows": as_rows(outcomes)} if rows else {}
    )


def _rates(outcomes: list[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.case.article is not None]
    cited = [o for o in answerable if o.citation_ok is not None]
    times = sorted(o.first_event_ms for o in outcomes)

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 3) if whole else None

    return {
        "n": len(outcomes),
        "resolution": share(sum(o.resolved for o in outcomes), len(outcomes)),
        "citation_accuracy": share(sum(bool(o.citation_ok) for o in cited), len(cited)),
        "false_not_found": share(sum(o.not_found for o in answerable), len(answerable)),
        "wrong_answers": share(sum(o.wrong for o in outcomes), len(outcomes)),
        "first_event_p50_ms": round(times[len(times) // 2], 1) if times else None,
    }


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    """Overall rates, and the same per corpus, per kind and per audience."""
    groups: dict[str, dict[str, list[Outcome]]] = {
        "corpus": defaultdict(list),
        "kind": defaultdict(list),
        "audience": defaultdict(list),
    }
    for o in outcomes:
        for field in groups:
            groups[field][getattr(o.case, field)].append(o)
    return {"overall": _rates(outcomes)} | {
        f"by_{field}": {k: _rates(v) for k, v in sorted(g.items())} for field, g in groups.items()
    }


def failures(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """The cases that were not resolved or cited the wrong article, with what was answered."""
    return [
        {
            "id": o.case.id,
            "question": o.case.question,
            "expected": o.case.article,
            "cited": o.cited,
            "not_found": o.not_found,
            "resolved": o.resolved,
            "answer": o.answer,
        }
        for o in outcomes
        if not o.resolved or o.citation_ok is False
    ]


def as_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    return [
        asdict(o.case)
        | {
            "answer": o.answer,
            "cited": o.cited,
            "not_found": o.not_found,
            "resolved": o.resolved,
            "citation_ok": o.citation_ok,
            "first_event_ms": round(o.first_event_ms, 1),
        }
        for o in outcomes
    ]
