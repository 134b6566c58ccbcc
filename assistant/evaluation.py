"""`nexa eval`: run a YAML set of conversations through the real Agent and score the outcomes.

Each case (format: the README, "Evaluating the assistant") runs k times, each
time in a fresh copy of the demo CRM seeded at the file's `now`, with the clock pinned there. A case
passes when all its checks hold; pass^k counts the cases that pass in all k runs (as in tau-bench).
A write applied to (or left pending on) a record the case does not name is counted apart, as a
wrong-record write.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.agent import Agent
from assistant.model import ChatModel
from assistant.offline import english
from assistant.offline_model import OfflineModel
from assistant.writer import writer_for
from store.auth import actor_for_email
from store.clock import pinned
from store.db import Database, DbSession, resolve_url
from store.embeddings import Embedder, default_embedder
from store.evaluation import (
    CREATES,
    Changes,
    EvalDatabases,
    Names,
    Snapshot,
    Write,
    check_record,
    conversation_messages,
    diff,
    sandbox,
    snapshot,
    writes,
)
from store.settings import Settings, get_settings

CHECKS = {"answer_has", "answer_has_any", "answer_lacks", "no_write", "pending", "asks", "records", "tool"}
HELPERS = {"search_crm"}  # tools that resolve a name on the way to the real one
_ASKS = re.compile(r"\?|\b(?:which one|i need|please (?:tell|specify|confirm|say))\b", re.IGNORECASE)
BUCKETS = (0.0, 0.5, 0.7, 0.85, 0.95, 1.01)
# search_crm's 0-100 score of the record a write names (its latest search in the conversation), and its lead over the
# runner-up of that search
SCORE_BUCKETS = (0, 70, 80, 90, 100, 101)
MARGIN_BUCKETS = (-100, 0, 1, 5, 10, 20, 101)  # under 0: another hit of that search scored higher
CASE_DB = f"nexa_eval_case_{os.getpid()}"  # per process: two evals on one machine never share a copy


@dataclass
class Run:
    """One run of one case."""

    case: str
    category: str
    passed: bool
    failures: list[str]
    wrong_records: int
    expected_tool: str | None
    taken: str
    intent: str | None
    confidence: float | None
    answer: str
    seconds: float
    transcript: list[str] = field(default_factory=list)  # each turn's answer, for reading a failure
    links: list[Link] = field(default_factory=list)  # how each write's record was found, and whether it was right


@dataclass
class Link:
    """A record a write names, with the search score that found it (None: not found by a search of this case)."""

    tool: str
    right: bool
    score: int | None
    margin: int | None
    exact: bool


@dataclass
class Report:
    """All runs of a file and the figures drawn from them."""

    file: str
    model: str
    k: int
    runs: list[Run] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        by_case: dict[str, list[Run]] = defaultdict(list)
        for run in self.runs:
            by_case[run.case].append(run)
        first = [runs[0] for runs in by_case.values()]
        return {
            "file": self.file,
            "model": self.model,
            "k": self.k,
            "cases": len(by_case),
            "runs": len(self.runs),
            "pass_rate": _rate(r.passed for r in self.runs),
            "pass_k": _rate(all(r.passed for r in runs) for runs in by_case.values()),
            "wrong_record_writes": sum(r.wrong_records for r in self.runs),
            "crashes": sum(any(f.startswith("crashed: ") for f in r.failures) for r in self.runs),
            "per_category": _grouped(self.runs, lambda r: r.category),
            "per_intent": _grouped([r for r in self.runs if r.expected_tool], lambda r: r.expected_tool),
            "confusions": [
                {"expected": e, "taken": t, "count": n}
                for (e, t), n in Counter(
                    (r.expected_tool, r.taken) for r in self.runs if r.expected_tool and r.expected_tool != r.taken
                ).most_common(12)
            ],
            "calibration": _calibration(first),
            "link_calibration": _link_calibration([link for r in first for link in r.links]),
            "seconds": round(self.seconds, 1),
            "failed": [
                {"case": r.case, "failures": r.failures, "taken": r.taken, "answer": r.answer[:300]}
                for r in self.runs
                if not r.passed
            ],
        }


def _rate(values: Any) -> float:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else 0.0


def _grouped(runs: list[Run], key: Any) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for run in runs:
        groups[key(run)].append(run.passed)
    return {name: {"n": len(v), "accuracy": _rate(v)} for name, v in sorted(groups.items())}


def _calibration(runs: list[Run]) -> list[dict[str, Any]]:
    """Intent confidence buckets of the first request of each case against the share of cases passed."""
    rows = []
    for low, high in itertools.pairwise(BUCKETS):
        inside = [r.passed for r in runs if r.confidence is not None and low <= r.confidence < high]
        if inside:
            rows.append({"confidence": f"{low:.2f}-{min(high, 1.0):.2f}", "n": len(inside), "accuracy": _rate(inside)})
    return rows


def _link_calibration(links: list[Link]) -> list[dict[str, Any]]:
    """The writes' records by how they were found (no search: the focus, a number, a lookup; else the search score and
    its lead over the runner-up) against the share that were the record the case names."""
    rows = []

    def row(how: str, inside: list[Link]) -> None:
        if inside:
            rows.append({"how": how, "n": len(inside), "right": _rate(link.right for link in inside)})

    row("no search", [link for link in links if link.score is None])
    row("exact name", [link for link in links if link.exact])
    fuzzy = [link for link in links if link.score is not None and not link.exact]
    for low, high in itertools.pairwise(SCORE_BUCKETS):
        row(f"score {low}-{min(high, 100)}", [link for link in fuzzy if low <= (link.score or 0) < high])
    for low, high in itertools.pairwise(MARGIN_BUCKETS):
        row(f"lead {low}-{min(high, 100)}", [link for link in fuzzy if low <= (link.margin or 0) < high])
    return rows


def load_cases(path: Path) -> tuple[datetime, list[dict[str, Any]]]:
    """The pinned `now` and the cases of a YAML file (or JSON lines: one case per line, `now` on each or the first)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        cases = [yaml.safe_load(line) for line in raw.splitlines() if line.strip()]
        data = {"now": cases[0].get("now") if cases else None, "cases": cases}
    else:
        data = yaml.safe_load(raw)
    now = datetime.fromisoformat(str(data["now"]))
    cases = data.get("cases") or []
    seen: set[str] = set()
    for case in cases:
        if case.get("id") in seen:
            raise ValueError(f"duplicate case id {case.get('id')!r}")
        seen.add(case.get("id"))
        unknown = set(case.get("expect") or {}) - CHECKS
        if unknown:
            raise ValueError(f"case {case.get('id')}: unknown checks {sorted(unknown)}")
    return now, cases


class Evaluator:
    """Runs cases against one chat model on copies of the seeded template."""

    def __init__(
        self,
        model: ChatModel,
        fallback: ChatModel | None,
        embedder: Embedder,
        settings: Settings,
        databases: EvalDatabases,
        classifier_model: OfflineModel | None,
    ) -> None:
        self.model, self.fallback, self.embedder, self.settings = model, fallback, embedder, settings
        self.databases, self.offline = databases, classifier_model
        self.db: Database | None = None
        self.baseline: Snapshot = {}

    async def open(self) -> None:
        """One copy of the template for the whole run; each case runs in a sandbox of it."""
        self.db = self.databases.copy(CASE_DB)
        async with self.db.session() as session:
            self.baseline = await snapshot(session)

    async def close(self) -> None:
        if self.db is not None:
            await self.db.close()
        self.databases.drop(CASE_DB)

    async def run_case(self, case: dict[str, Any]) -> Run:
        started = time.perf_counter()
        assert self.db is not None, "open() first"
        async with sandbox(self.db) as db:
            async with db.session() as session:
                actor = await actor_for_email(session, case["as"])
            agent = Agent(
                db,
                self.model,
                settings=self.settings,
                embedder=self.embedder,
                fallback=self.fallback,
                writer=writer_for(self.model) if self.fallback else None,
            )
            conversation, results = None, []
            with _Crashes() as crashes:
                try:
                    for turn in case.get("turns") or []:
                        result = await agent.run(actor, str(turn), conversation)
                        conversation = result.conversation_id
                        results.append(result)
                except Exception as err:  # one case's crash is its failure; the others still run
                    crashes.seen.append(f"{type(err).__name__}: {err}")
            async with db.session() as session:
                changes = diff(self.baseline, await snapshot(session))
                done = await writes(session, sorted({r.conversation_id for r in results}))
                expect = case.get("expect") or {}
                failures, wrong, judged = await _check(session, expect, results, changes, done)
                found = await _search_hits(session, sorted({r.conversation_id for r in results}))
            failures += [f"crashed: {crash}" for crash in crashes.seen]
        intent, confidence = self._intent(case)
        last = results[-1] if results else None
        return Run(
            case=str(case["id"]),
            category=str(case.get("category", "-")),
            passed=not failures,
            failures=failures,
            wrong_records=wrong,
            expected_tool=(case.get("expect") or {}).get("tool"),
            taken=_taken(results),
            intent=intent,
            confidence=confidence,
            answer=last.answer if last else "",
            seconds=time.perf_counter() - started,
            transcript=[r.answer for r in results],
            links=_links(judged, found),
        )

    def _intent(self, case: dict[str, Any]) -> tuple[str | None, float | None]:
        turns = case.get("turns") or []
        if self.offline is None or not turns:
            return None, None
        intent, confidence = self.offline.classifier.classify(str(turns[0]))
        return intent, round(float(confidence), 3)


class _Crashes(logging.Handler):
    """The crashes of one case: errors the assistant logged and went on from (the offline model answers "I got stuck"
    and logs why), and one that ended the case."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.seen.append(f"{type(error).__name__}: {error}" if error else record.getMessage())

    def __enter__(self) -> _Crashes:
        logging.getLogger("assistant").addHandler(self)
        return self

    def __exit__(self, *_: object) -> None:
        logging.getLogger("assistant").removeHandler(self)


def _taken(results: list[Any]) -> str:
    """The path the conversation took: its first proposed write, else the last turn's main read, else ask/none."""
    for result in results:
        if result.pending:
            return str(result.pending[0].tool)
    if not results:
        return "(none)"
    reads = [c["name"] for c in results[-1].tool_calls if c["name"] not in HELPERS]
    if reads:
        return str(reads[-1])
    applied = [
        c["name"]
        for r in results
        for c in r.tool_calls
        if c["name"] in CREATES or c["name"].startswith(("update", "move"))
    ]
    if applied:
        return str(applied[0])
    return "(asks)" if _ASKS.search(results[-1].answer or "") else "(answer)"


async def _check(
    session: DbSession, expect: dict[str, Any], results: list[Any], changes: Changes, done: list[Write]
) -> tuple[list[str], int, list[tuple[Write, bool]]]:
    """The failed checks of a case, its wrong-record write count, and the writes judged right or wrong (applied ones,
    and pending ones when the case names records)."""
    failures: list[str] = []
    answer = (results[-1].answer if results else "") or ""
    lowered = answer.lower()
    missing = [s for s in expect.get("answer_has") or [] if str(s).lower() not in lowered]
    if missing:
        failures.append(f"answer lacks {missing}")
    anyof = expect.get("answer_has_any") or []
    if anyof and not any(str(s).lower() in lowered for s in anyof):
        failures.append(f"answer has none of {anyof}")
    present = [s for s in expect.get("answer_lacks") or [] if str(s).lower() in lowered]
    if present:
        failures.append(f"answer has {present}")
    pending = [w for w in done if w.status == "pending"]
    applied = [w for w in done if w.status == "applied"]
    if expect.get("no_write") and (changes.any or pending or applied):
        failures.append(f"wrote: {[w.tool + ':' + w.status for w in done] or 'records changed'}")
    if expect.get("pending") and not (results and results[-1].pending):
        failures.append("nothing pending after the last turn")
    if expect.get("asks") and (not _ASKS.search(answer) or (results and results[-1].pending) or applied):
        failures.append("did not ask")
    names = await Names().load(session)
    entries = expect.get("records") or []
    named: dict[str, set[str]] = defaultdict(set)
    wrong = 0
    for entry in entries:
        outcome = await check_record(session, entry, changes, names)
        if not outcome.ok:
            failures.append(outcome.reason)
        named[outcome.kind].update(outcome.matched)
        if entry.get("new") is not True and not outcome.ok:  # the named record got a value the case did not expect
            wrong += sum(
                1 for i in outcome.matched if any(changes.field_changed(outcome.kind, i, k) for k in outcome.failing)
            )
    judged = []
    for write in done:
        astray = _unnamed(write, changes, named, bool(entries))
        wrong += astray
        if write.status == "applied" or entries:
            judged.append((write, not astray))
    if wrong:
        failures.append(f"{wrong} wrong-record write(s)")
    return failures, wrong, judged


async def _search_hits(session: DbSession, conversation_ids: list[str]) -> dict[str, tuple[int, int, bool]]:
    """Each record the conversations' searches found: its score, its lead over the search's best other hit, exact."""
    found: dict[str, tuple[int, int, bool]] = {}
    names: dict[str, str] = {}
    for message in await conversation_messages(session, conversation_ids):
        for call in message.tool_calls or []:
            names[str(call.get("id"))] = str(call.get("name"))
        if message.role != "tool" or names.get(str(message.tool_call_id)) != "search_crm":
            continue
        try:
            hits = [h for h in json.loads(message.content or "{}").get("data") or [] if isinstance(h, dict)]
        except (ValueError, AttributeError):
            continue
        for hit in hits:
            others = [int(h.get("score") or 0) for h in hits if h.get("id") != hit.get("id")]
            score = int(hit.get("score") or 0)
            found[str(hit.get("id"))] = (score, score - max(others, default=0), bool(hit.get("exact")))
    return found


def _links(judged: list[tuple[Write, bool]], found: dict[str, tuple[int, int, bool]]) -> list[Link]:
    """The records of the judged writes with the search that found them."""
    links = []
    for write, right in judged:
        records = [write.target] if write.target is not None else write.references
        for _kind, record in records:
            score, margin, exact = found.get(record, (None, None, False))
            links.append(Link(write.tool, right, score, margin, exact))
    return links


def _unnamed(write: Write, changes: Changes, named: dict[str, set[str]], has_entries: bool) -> bool:
    """Whether a write touched a record no `records` entry names. Pending writes count only when the case names records."""
    if write.status == "pending" and not has_entries:
        return False
    if write.target is not None:
        kind, record = write.target
        if record in named.get(kind, set()):
            return False
        return not (write.tool == "convert_lead" and any(named.get(k) for k in ("deal", "contact", "account")))
    created = CREATES.get(write.tool)
    if write.status == "applied" and created:
        return bool(changes.created.get(created, set()) - named.get(created, set()))
    if write.status == "pending" and write.references:
        return not any(record in named.get(k, set()) for k, record in write.references)
    return False


async def evaluate(
    path: Path,
    *,
    k: int = 1,
    model: str = "offline",
    only: list[str] | None = None,
    settings: Settings | None = None,
    progress: Any = None,
) -> Report:
    """Run every case of `path` (or those in `only`) k times and return the report."""
    settings = settings or get_settings()
    now, cases = load_cases(path)
    if only:
        cases = [c for c in cases if c["id"] in set(only)]
    embedder = default_embedder()
    offline = OfflineModel(embedder)
    chat: ChatModel = offline
    fallback: ChatModel | None = None
    if model == "openai":
        from assistant.runtime import build_model

        if not settings.llm_configured:
            raise ValueError("--model openai needs NEXA_LLM_BASE_URL, OPENAI_BASE_URL or OPENAI_API_KEY")
        chat, fallback = build_model(settings, embedder)
    databases = EvalDatabases(resolve_url(settings), now, settings)
    await databases.prepare(embedder)
    offline.warm_up()
    english.warm_up()  # so that no case pays for loading spaCy
    evaluator = Evaluator(chat, fallback, embedder, settings, databases, offline)
    report = Report(file=str(path), model=model, k=k)
    started = time.perf_counter()
    await evaluator.open()
    try:
        with pinned(now):
            for case in cases:
                for _ in range(k):
                    run = await evaluator.run_case(case)
                    report.runs.append(run)
                    if progress:
                        progress(run)
    finally:
        await evaluator.close()
    report.seconds = time.perf_counter() - started
    return report


def as_json(report: Report) -> dict[str, Any]:
    return report.summary() | {"results": [asdict(r) for r in report.runs]}
