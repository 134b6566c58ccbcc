"""The knowledge base on real PostgreSQL + pgvector: ingestion, hybrid search, visibility, citations, memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from assistant.agent import Agent
from assistant.offline_model import OfflineModel
from store.access import Actor
from store.auth import actor_for
from store.embeddings import default_embedder
from store.knowledge import delete_article, ingest, read_paths, reindex, search, stale_chunks
from store.knowledge.chunking import OVERLAP_CHARS, TARGET_CHARS, chunk
from store.knowledge.citations import cite
from store.knowledge.documents import Document
from store.models import KbArticle, KbChunk
from store.models.enums import Role, Visibility
from store.services import TicketService
from store.settings import Settings
from tests.support import factories
from tests.support.factories import SYSTEM
from tests.support.paths import DATA
from tools import TOOLSET, ToolContext

CORPUS = DATA / "kb"
BOTH = (Visibility.public, Visibility.internal)


@pytest.fixture(scope="module")
def embedder():
    return default_embedder()


@pytest.fixture
async def kb(db, embedder):
    async with db.session() as s:
        report = await ingest(s, read_paths([CORPUS]), embedder)
    assert not report.skipped
    return db


async def _count(db, model) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_ingestion_is_idempotent(kb, embedder):
    chunks = await _count(kb, KbChunk)
    async with kb.session() as s:
        again = await ingest(s, read_paths([CORPUS]), embedder)
    assert (again.added, again.updated, again.chunks) == ([], [], 0) and len(again.unchanged) == await _count(
        kb, KbArticle
    )
    assert await _count(kb, KbChunk) == chunks


async def test_a_changed_file_replaces_its_chunks_and_a_removed_one_can_be_deleted(db, embedder, tmp_path):
    article = tmp_path / "plans.md"
    article.write_text("# Plans\n\nThe Starter plan costs $15 per user per month.\n")
    async with db.session() as s:
        await ingest(s, read_paths([tmp_path]), embedder)
        old = set(await s.scalars(select(KbChunk.id)))
    article.write_text("# Plans\n\nThe Starter plan costs $19 per user per month since March.\n")
    async with db.session() as s:
        report = await ingest(s, read_paths([tmp_path]), embedder)
        new = set(await s.scalars(select(KbChunk.id)))
        hits = await search(s, embedder, "how much is the starter plan")
    assert report.updated == [str(article)] and not old & new
    assert "$19" in hits[0].content
    async with db.session() as s:
        await delete_article(s, str(article))
    assert await _count(db, KbArticle) == 0 and await _count(db, KbChunk) == 0


async def test_an_article_split_by_older_rules_is_indexed_again(db, embedder, tmp_path):
    """The text is the same, but the index holds it as an older Nexa left it (other section labels, another kind, a
    hash of the text alone): the next ingestion re-indexes that article and leaves the current one alone."""
    (tmp_path / "sync.md").write_text("# SYNC-502\n\n## Fix\n\nReconnect the calendar under Integrations.\n")
    (tmp_path / "plans.md").write_text("# Plans\n\nThe Starter plan costs $15 per user per month.\n")
    sync = next(d for d in read_paths([tmp_path / "sync.md"]) if isinstance(d, Document))
    async with db.session() as s:
        await ingest(s, read_paths([tmp_path]), embedder)
        await s.execute(update(KbChunk).values(section="overview"))
        await s.execute(
            update(KbArticle)
            .where(KbArticle.title == "SYNC-502")
            .values(kind="reference", content_hash=sync.content_hash)
        )
    async with db.session() as s:
        again = await ingest(s, read_paths([tmp_path]), embedder)
        article = await s.scalar(select(KbArticle).where(KbArticle.title == "SYNC-502"))
        sections = set(await s.scalars(select(KbChunk.section).where(KbChunk.article_id == article.id)))
    assert again.updated == [str(tmp_path / "sync.md")] and again.unchanged == [str(tmp_path / "plans.md")]
    assert article.kind == "troubleshooting" and sections == {"fix"}


async def test_bad_files_are_reported_by_name_and_the_rest_ingests(db, embedder, tmp_path):
    (tmp_path / "good.md").write_text("# Good\n\nA fine article about invoices.\n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.md").write_text("   \n")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "partial.json").write_text(
        json.dumps([{"id": "a1", "title": "No content"}, {"id": "a2", "title": "Fine", "content": "Body."}])
    )
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "manual.pdf").write_bytes(b"%PDF-1.4")
    items = list(read_paths([tmp_path, tmp_path / "missing.md"]))
    async with db.session() as s:
        report = await ingest(s, items, embedder)
    reasons = {Path(k.path.split("#")[0]).name: k.reason for k in report.skipped}
    assert reasons == {
        "binary.txt": "binary file",
        "broken.json": reasons["broken.json"],
        "empty.md": "empty file",
        "latin1.txt": "not UTF-8 text",
        "manual.pdf": reasons["manual.pdf"],
        "missing.md": "no such file or folder",
        "partial.json": reasons["partial.json"],
    }
    assert (
        reasons["broken.json"].startswith("invalid JSON")
        and "unsupported" in reasons["manual.pdf"]
        and '"content"' in reasons["partial.json"]
    )
    assert sorted(report.added) == sorted(["a2", str(tmp_path / "good.md")])


def test_an_oversized_article_is_chunked_without_losing_text():
    paragraphs = [
        f"Paragraph {i} explains step {i} of the migration in some detail, with numbers {i * 7}." for i in range(400)
    ]
    body = "# Big guide\n\n" + "\n\n".join(paragraphs[:200]) + "\n\n## Part two\n\n" + " ".join(paragraphs[200:])
    pieces = chunk(body)
    joined = "\n".join(p.content for p in pieces)
    assert len(pieces) > 20 and all(p in joined for p in paragraphs)
    assert max(len(p.content) for p in pieces) <= TARGET_CHARS + OVERLAP_CHARS + 2
    assert {p.heading for p in pieces} == {"Big guide", "Part two"}


@pytest.mark.parametrize(
    ("query", "expected", "alone_fails"),
    [
        ("EXP-501", "Export refused: missing permission", "vector"),  # an exact code among look-alike articles
        ("where do I find the PDF of last month's charge", "Download invoices and receipts", "text"),  # a paraphrase
    ],
)
async def test_hybrid_ranks_exact_terms_and_paraphrases_where_one_side_fails(
    kb, embedder, query, expected, alone_fails
):
    async with kb.session() as s:
        hybrid = await search(s, embedder, query, limit=3)
        alone = await search(s, embedder, query, limit=3, method=alone_fails)
    assert hybrid[0].title == expected
    alone_wins = bool(alone) and alone[0].title == expected and (len(alone) == 1 or alone[1].score < alone[0].score)
    assert not alone_wins  # the other side alone misses it, or only ties it with another article


async def test_internal_articles_never_reach_a_customer(kb, embedder):
    tool = TOOLSET.get("kb_search")
    async with kb.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
        for who, sees in ((Actor.customer("visitor-1"), False), (sam, True)):
            result = await tool.run(
                ToolContext(session=s, actor=who, settings=Settings(), embedder=embedder),
                {"query": "refund over 500 dollars"},
            )
            titles = [p["title"] for p in result.data["passages"]]
            assert ("Internal: refund approval limits" in titles) is sees
        public = await search(s, embedder, "refund approval limits internal", limit=10)
        assert all("Internal" not in h.title for h in public)


async def test_a_customer_gets_a_cited_answer_pointing_at_real_articles(kb, embedder):
    agent = Agent(kb, OfflineModel(embedder))
    result = await agent.run(Actor.customer("visitor-2"), "How do I get my invoices as PDF?")
    assert "[1]" in result.answer and result.citations
    async with kb.session() as s:
        for citation in result.citations:
            article = await s.get(KbArticle, citation["article_id"])
            assert (
                article is not None
                and article.title == citation["title"]
                and citation["url"].endswith(citation["article_id"])
            )
    assert result.citations[0]["title"] == "Download invoices and receipts"


async def test_below_the_threshold_the_answer_is_not_found(kb, embedder):
    agent = Agent(kb, OfflineModel(embedder))
    result = await agent.run(Actor.customer("visitor-3"), "What is the capital of France?")
    assert (
        result.answer.startswith("I couldn't find an answer") and "person" in result.answer and result.citations == []
    )
    async with kb.session() as s:
        assert await search(s, embedder, "the and of it") == [] and await search(s, embedder, "?!...") == []


def test_citations_keep_only_markers_backed_by_passages_and_no_urls():
    passages = [{"id": "a1", "name": "Reset your password"}, {"id": "a2", "name": "Two-factor"}]
    text, used = cite("Use the link [1], see https://evil.example/x and [7]. Also [2].", passages)
    assert text == "Use the link [1], see and. Also [2]." and [c.article_id for c in used] == ["a1", "a2"]


async def test_memory_finds_a_past_ticket_within_the_callers_rights(db, embedder):
    async with db.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
        await TicketService(s, SYSTEM).create(
            {"subject": "Calendar stops syncing"}, first_message="Every night the Outlook sync dies with SYNC-502."
        )
        await TicketService(s, SYSTEM).create(
            {"subject": "Invoice wrong"}, first_message="The proration on my invoice looks off."
        )
    tool = TOOLSET.get("search_conversations")
    async with db.session() as s:
        found = await tool.run(
            ToolContext(session=s, actor=sam, settings=Settings(), embedder=embedder),
            {"query": "outlook calendar keeps failing"},
        )
        assert found.data[0]["label"] == "#1001 Calendar stops syncing"
    with pytest.raises(Exception) as err:
        async with db.session() as s:
            await tool.run(
                ToolContext(session=s, actor=Actor.customer("v"), settings=Settings(), embedder=embedder),
                {"query": "calendar"},
            )
    assert getattr(err.value, "code", None) == "forbidden"


async def test_memory_shows_a_rep_only_their_own_conversations(db, embedder):
    from tests.support.scripted_models import ScriptedModel, say

    async with db.session() as s:
        john = actor_for(await factories.user(s, name="John"))
        mike = actor_for(await factories.user(s, name="Mike"))
    await Agent(db, ScriptedModel(say("Noted."))).run(john, "Acme is worried about the SSO outage last week")
    tool = TOOLSET.get("search_conversations")
    async with db.session() as s:
        for who, sees in ((john, True), (mike, False)):
            result = await tool.run(
                ToolContext(session=s, actor=who, settings=Settings(), embedder=embedder),
                {"query": "SSO outage at Acme"},
            )
            assert any(m["kind"] == "conversation" for m in result.data) is sees


async def test_a_model_change_is_detected_and_reindex_re_embeds(kb, embedder):
    async with kb.session() as s:
        await s.execute(update(KbChunk).values(embedding_model="old-model"))
    async with kb.session() as s:
        assert await stale_chunks(s, embedder.name) == await _count(kb, KbChunk)
        assert await reindex(s, embedder) > 0
    async with kb.session() as s:
        assert await stale_chunks(s, embedder.name) == 0


async def test_have_we_seen_this_before_finds_the_ticket_offline(db, embedder):
    async with db.session() as s:
        sam = actor_for(await factories.user(s, role=Role.support, team="Support"))
        await TicketService(s, SYSTEM).create(
            {"subject": "Calendar stops syncing"}, first_message="Every night the Outlook sync dies with SYNC-502."
        )
    result = await Agent(db, OfflineModel(embedder)).run(sam, "have we seen SYNC-502 outlook sync failures before?")
    assert [c["name"] for c in result.tool_calls] == [
        "search_conversations"
    ] and "#1001 Calendar stops syncing" in result.answer
