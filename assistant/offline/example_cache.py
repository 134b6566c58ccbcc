"""The offline model's example vectors, kept on disk between starts.

Embedding the ~1,100 example texts takes seconds on a CPU; a start that finds them already embedded by the same
model loads one .npy file instead. The file name carries a hash of the embedder's name and of every text, so a
changed example or another model (or runtime) misses and rebuilds. A file that cannot be read or has the wrong
shape is rebuilt silently; a new file appears by an atomic rename, so concurrent starts never read half of one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from store.embeddings import Embedder
from store.settings import get_settings

FORMAT = 1  # bump when the file's layout changes: older files are then ignored


def cache_dir() -> Path:
    """NEXA_HOME/cache/offline."""
    return get_settings().home / "cache" / "offline"


def cache_path(embedder: Embedder, texts: Sequence[str], directory: Path) -> Path:
    """The file holding the vectors of `texts` by `embedder`."""
    digest = hashlib.sha256(f"{FORMAT}\0{embedder.name}".encode())
    for text in texts:
        digest.update(b"\0" + text.encode())
    return directory / f"examples-{digest.hexdigest()[:32]}.npy"


def example_matrix(embedder: Embedder, texts: Sequence[str], directory: Path | None = None) -> np.ndarray:
    """The vectors of `texts` (one row each): from the cache when present and sound, else embedded and stored."""
    path = cache_path(embedder, texts, directory or cache_dir())
    try:
        cached: np.ndarray = np.load(path, allow_pickle=False)
        if cached.dtype == np.float32 and cached.ndim == 2 and len(cached) == len(texts):
            return cached
    except (OSError, ValueError, EOFError):
        pass
    vectors = np.ascontiguousarray(embedder.embed(texts), dtype=np.float32)
    _store(path, vectors)
    return vectors


def _store(path: Path, vectors: np.ndarray) -> None:
    """Write `vectors` to `path` atomically; a cache that cannot be written only costs the next start time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                np.save(out, vectors, allow_pickle=False)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass
