"""The offline model's example vectors are cached on disk: used on the next start, rebuilt when the examples change."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.offline.intents import IntentClassifier
from store.embeddings import Embedder, default_embedder
from store.settings import get_settings

EXAMPLES = [
    ("what's my pipeline?", "pipeline"),
    ("show me the pipeline by stage", "pipeline"),
    ("what tasks do I have today", "my_tasks"),
    ("list my open tickets", "list_tickets"),
    ("what is the capital of France", "unknown"),
]


class Recording:
    """The real embedder, remembering each batch it was asked to embed."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner, self.name, self.dimension = embedder, embedder.name, embedder.dimension
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner.embed(texts)

    def example_batches(self) -> int:
        """Batches that embedded example texts (more than one message's one or two queries)."""
        return sum(len(batch) > 2 for batch in self.batches)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("NEXA_HOME", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _start(examples: list[tuple[str, str]]) -> tuple[IntentClassifier, Recording]:
    """A fresh classifier, as a new process builds it, answering its first message."""
    embedder = Recording(default_embedder())
    classifier = IntentClassifier(embedder, examples=examples)
    classifier.classify("how is my pipeline looking")
    return classifier, embedder


def test_second_start_uses_the_cache(home: Path) -> None:
    first, first_embedder = _start(EXAMPLES)
    assert first_embedder.example_batches() == 1
    assert len(list((home / "cache" / "offline").glob("*.npy"))) == 1

    second, second_embedder = _start(EXAMPLES)
    assert second_embedder.example_batches() == 0
    assert all(np.array_equal(a, b) for a, b in zip(first._load()[:2], second._load()[:2], strict=True))
    assert second.classify("what's in my pipeline") == first.classify("what's in my pipeline")


def test_changed_examples_rebuild(home: Path) -> None:
    _start(EXAMPLES)
    changed = [*EXAMPLES[:-1], ("who won the world cup", "unknown")]
    classifier, embedder = _start(changed)
    assert embedder.example_batches() == 1
    assert "who won the world cup" in embedder.batches[0]
    assert len(list((home / "cache" / "offline").glob("*.npy"))) == 2
    assert classifier.classify("who won the world cup")[0] == "unknown"


def test_damaged_cache_is_rebuilt(home: Path) -> None:
    reference, _ = _start(EXAMPLES)
    (cached,) = (home / "cache" / "offline").glob("*.npy")
    cached.write_bytes(b"not a numpy file")
    classifier, embedder = _start(EXAMPLES)
    assert embedder.example_batches() == 1
    assert np.array_equal(classifier._load()[1], reference._load()[1])
    assert _start(EXAMPLES)[1].example_batches() == 0  # the rebuilt file serves the next start
