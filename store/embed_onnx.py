"""A sentence-transformers model run by ONNX Runtime: exported once from the local folder, int8-quantized per channel,
kept in a cache folder and shared by every process that uses the same model and library versions."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

RUNTIME = "onnx-int8"
RECIPE = 2  # bump when the export or quantization steps change: older cached files are then ignored
_LIBRARIES = ("torch", "transformers", "onnx", "onnxruntime")
log = logging.getLogger(__name__)


def cache_key(model: Path, name: str) -> str:
    """Folder name of a model's exported files: the model, the recipe and the versions of the libraries that built them."""
    weights = sorted((p.name, p.stat().st_size) for p in model.glob("*.safetensors")) or sorted(
        (p.name, p.stat().st_size) for p in model.glob("*.bin")
    )
    facts = {"model": name, "weights": weights, "recipe": RECIPE, **{lib: metadata.version(lib) for lib in _LIBRARIES}}
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]
    return f"{name}-{RUNTIME}-{digest}"


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the export's notes (the tracer's and exporter's warnings, the quantizer's root-logger hint, the weights'
    progress bar): they speak to the model's authors, not to someone starting Nexa for the first time."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)
        hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def _export(model: Path, target: Path) -> None:
    """Export the transformer (token embeddings out) to ONNX, quantize its weights to int8, one scale per channel, and
    save the graph as ONNX Runtime optimizes it, so that a process loading it has little left to do (0.2 -> 0.08 s).
    The portable optimizations only: the layout ones above ORT_ENABLE_EXTENDED may be specific to this CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(model), attn_implementation="eager", local_files_only=True).eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            out: torch.Tensor = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )[0]
            return out

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]}
    fp32 = target.with_name(target.name + ".fp32.onnx")
    int8 = target.with_name(target.name + ".int8.onnx")
    try:
        with torch.no_grad():
            torch.onnx.export(
                TokenEmbeddings(),
                sample,
                str(fp32),
                input_names=names,
                output_names=["token_embeddings"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        quantize_dynamic(fp32, int8, per_channel=True, weight_type=QuantType.QInt8)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(target)
        onnxruntime.InferenceSession(str(int8), options, providers=["CPUExecutionProvider"])
    finally:
        fp32.unlink(missing_ok=True)
        int8.unlink(missing_ok=True)


def exported_model(model: Path, name: str, cache: Path) -> Path:
    """The int8 ONNX file of `model` under `cache`, built on first use. Concurrent first uses build it once: the others
    wait on a lock file, and the file appears by an atomic rename, so no process ever reads half of it."""
    folder = cache / cache_key(model, name)
    final = folder / "model.onnx"
    if final.exists():
        return final
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not final.exists():
            handle, temp = tempfile.mkstemp(dir=folder, prefix="model.", suffix=".partial")
            os.close(handle)
            try:
                start = time.perf_counter()
                with _quiet():
                    _export(model, Path(temp))
                os.replace(temp, final)
                log.info("built the ONNX export of %s in %.1f s: %s", name, time.perf_counter() - start, final)
            finally:
                Path(temp).unlink(missing_ok=True)
    return final


class OnnxEmbedder:
    """Mean-pooled, L2-normalised sentence vectors from the int8 ONNX export of a local sentence-transformers model
    (the same pipeline as its modules.json: transformer, mean pooling, normalize)."""

    def __init__(self, path: Path, cache: Path, *, name: str, threads: int | None = None) -> None:
        self.path, self.cache, self.threads, self.model_name = path, cache, threads, name
        self.name = f"{name}/{RUNTIME}"
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(k)
            for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
        ):
            raise ValueError(f"{path}: the ONNX runtime supports mean pooling only")
        self.dimension = int(pooling["word_embedding_dimension"])
        self.max_tokens = int(json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"])
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[onnxruntime.InferenceSession, Tokenizer]:
        with self._lock:
            if self._session is None or self._tokenizer is None:
                import onnxruntime
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=self.max_tokens)
                tokenizer.no_padding()
                options = onnxruntime.SessionOptions()
                if self.threads:  # one per worker by default: concurrent workers would fight for the cores
                    options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                self._session = onnxruntime.InferenceSession(
                    str(exported_model(self.path, self.model_name, self.cache)),
                    options,
                    providers=["CPUExecutionProvider"],
                )
                self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One text per run: no padding to compute, and a text's vector does not depend on its batch (int8 activations
        are scaled per run, so a batch would shift each member's vector a little). Also the fastest on one thread."""
        session, tokenizer = self._load()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, encoding in enumerate(tokenizer.encode_batch(list(texts))):
            ids = np.array([encoding.ids], dtype=np.int64)
            feed = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
            }
            pooled = session.run(["token_embeddings"], feed)[0][0].mean(
                axis=0
            )  # mean over the tokens, as 1_Pooling says
            out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out
