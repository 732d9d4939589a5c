"""Sentence embeddings for queries and passages, one model shared by ingest and search.

Haystack's sentence-transformers embedders each load their own model copy (~570 MB); the library
needs a query embedder and a document embedder at once, so both go through this one object.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from .model import load_model


class Embedder:
    def __init__(self, path: Path, threads: int = 1, batch_size: int = 32):
        self.path = Path(path)
        self.threads = threads
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

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
        return self.embed_queries([text])[0]

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
