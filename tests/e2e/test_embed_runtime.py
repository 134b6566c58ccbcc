"""The int8 ONNX Runtime embedder against the torch one: same vectors (nearly), same nearest passage, one export per
cache folder however many processes start at once, and the runtime recorded in the embedder's name."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from store.embed_onnx import OnnxEmbedder, cache_key
from store.embeddings import BUNDLED_NAME, SentenceTransformerEmbedder, bundled_model_path, embedder_from_settings
from store.knowledge import ingest, read_paths, reindex, search, stale_chunks
from store.models import KbChunk
from store.models.enums import Visibility
from store.settings import Settings
from tests.support.paths import ROOT

SENTENCES = [
    "How do I reset my password?",
    "Refunds above $500 need a team lead's approval in the Billing Console.",
    "The webhook is retried three times with exponential backoff before it is disabled.",
    "Schedule a demo with the sales team for next Tuesday afternoon.",
    "Exports time out when the report covers more than a year of invoices.",
]
PASSAGES = [
    "To reset your password, open Settings, choose Security and click 'Send reset link'. The link expires in an hour.",
    "Agents may refund up to $500 without approval. Larger refunds need a team lead in the Billing Console.",
    "Webhook deliveries that fail are retried three times with exponential backoff; after that the endpoint is paused.",
    "Invoices are issued on the first day of each month and can be downloaded as PDF from the Billing page.",
    "Large CSV exports may time out; narrow the date range or schedule the export to run overnight.",
    "Turn on two-factor authentication under Security; keep the recovery codes somewhere safe.",
    "Single sign-on with SAML needs the identity provider's metadata URL and a verified domain.",
    "The calendar integration syncs meetings from Google and Outlook every five minutes.",
]
QUESTIONS = [
    "I forgot my password, how do I get a new one?",
    "Can I refund $800 to a customer on my own?",
    "What happens when our webhook endpoint keeps failing?",
    "Where do I download last month's invoice?",
    "My export keeps timing out",
    "How do I turn on two-factor authentication?",
    "Configure SAML SSO",
    "Meetings from Outlook are not showing up",
]


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(threads=1)


@pytest.fixture(scope="module")
def onnx_embedder() -> OnnxEmbedder:
    """On the settings' cache folder, which every test process shares: the export is built once per machine."""
    embedder = embedder_from_settings(replace(Settings(), embed_runtime="onnx"))
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


def test_the_name_records_the_runtime(onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder) -> None:
    assert onnx_embedder.name == f"{BUNDLED_NAME}/onnx-int8"
    assert torch_embedder.name == BUNDLED_NAME
    assert onnx_embedder.dimension == torch_embedder.dimension == 384


def test_an_unknown_runtime_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="NEXA_EMBED_RUNTIME"):
        embedder_from_settings(replace(Settings(), embed_runtime="tensorflow"))


def test_onnx_vectors_are_close_to_torch_vectors(
    onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    onnx, torch = onnx_embedder.embed(SENTENCES), torch_embedder.embed(SENTENCES)
    assert onnx.shape == torch.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1, atol=1e-5)
    cosines = (onnx * torch).sum(axis=1)
    assert cosines.min() >= 0.98, cosines


def test_a_vector_does_not_depend_on_its_batch(onnx_embedder: OnnxEmbedder) -> None:
    """Ingestion embeds a passage among 255 others, a search embeds the same text alone: same vector."""
    together = onnx_embedder.embed(SENTENCES)
    alone = np.stack([onnx_embedder.embed([s])[0] for s in SENTENCES])
    assert np.allclose(together, alone, atol=1e-6)


def test_both_runtimes_find_the_same_passage(
    onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    def top1(embedder: OnnxEmbedder | SentenceTransformerEmbedder) -> list[int]:
        return list((embedder.embed(QUESTIONS) @ embedder.embed(PASSAGES).T).argmax(axis=1))

    assert top1(onnx_embedder) == top1(torch_embedder) == list(range(len(QUESTIONS)))


BUILD = textwrap.dedent("""
    import logging, sys
    from pathlib import Path
    from store.embed_onnx import exported_model
    from store.embeddings import bundled_model_path
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(exported_model(bundled_model_path(), "all-MiniLM-L6-v2", Path(sys.argv[1])))
""")


def test_two_processes_starting_at_once_build_the_export_once_and_later_loads_reuse_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, str(cache)],
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outcomes = [p.communicate(timeout=600) for p in starts]
    assert [p.returncode for p in starts] == [0, 0], outcomes
    paths = {out.strip() for out, _ in outcomes}
    folder = cache / cache_key(bundled_model_path(), BUNDLED_NAME)
    assert paths == {str(folder / "model.onnx")}
    assert sum(err.count("built the ONNX export") for _, err in outcomes) == 1  # the other process waited and reused it
    assert sorted(p.name for p in folder.iterdir()) == ["build.lock", "model.onnx"]  # no partial file left behind

    built = (folder / "model.onnx").stat().st_mtime_ns
    embedder = OnnxEmbedder(bundled_model_path(), cache, name=BUNDLED_NAME, threads=1)
    assert embedder.embed(["reused"]).shape == (1, 384)
    assert (folder / "model.onnx").stat().st_mtime_ns == built
    assert sorted(p.name for p in folder.iterdir()) == ["build.lock", "model.onnx"]


async def test_a_runtime_change_makes_the_index_stale_and_reindex_re_embeds_it_with_progress(
    db, onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    async with db.session() as s:
        report = await ingest(s, read_paths([ROOT / "tests" / "data" / "kb"]), torch_embedder)
    async with db.session() as s:
        assert await stale_chunks(s, torch_embedder.name) == 0
        assert await stale_chunks(s, onnx_embedder.name) == report.chunks
        done: list[int] = []
        assert await reindex(s, onnx_embedder, progress=done.append) == report.chunks == sum(done)
    async with db.session() as s:
        assert await stale_chunks(s, onnx_embedder.name) == 0
        models = set(await s.scalars(select(KbChunk.embedding_model)))
        hits = await search(
            s,
            onnx_embedder,
            "Can I refund $800 without approval?",
            visibilities=(Visibility.internal,),
            method="vector",
        )
    assert models == {onnx_embedder.name}
    assert hits and hits[0].title == "Internal: refund approval limits"
