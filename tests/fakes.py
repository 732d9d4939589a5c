"""Test doubles that stand in for the heavy parts without pretending to be them.

`FakeEmbedder` replaces `index.embedder.Embedder` (the e5-small model, ~10 s to load, ~30
passages/s to embed) in the tests of the library, the API, the pages and the CLI that do not
measure retrieval quality. It has the same face as the parts of the code that use an embedder
see it (`name`, `dim`, `path`, `threads`, `batch_size`, `precision`, `embed_passages`,
`embed_queries`, `embed_query`, `count_tokens`) and real, deterministic behaviour: a text becomes
the L2-normalized sum of its feature-hashed syllables, syllable bigrams and character trigrams
(accents folded), so texts sharing words get close vectors and unrelated ones do not. It knows no
synonyms or paraphrases: a test that asserts what a natural-language query finds by meaning needs
the real model (the `embedder` fixture) and is marked slow.

Its `name` is recorded as the library's model in every generation's manifest, so a library it
built is never mistaken for one the real model embedded: the next ingest with the real model sees
another model's name and re-embeds every chunk (index/store.py, `reembed_all`).
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from itertools import pairwise
from pathlib import Path

import numpy as np

FAKE_MODEL_NAME = "test-fake-hashing-384"
DIM = 384

_SYLLABLE = re.compile(r"\w+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _features(text: str) -> list[tuple[str, float]]:
    words = _SYLLABLE.findall(unicodedata.normalize("NFC", text).lower())
    features = [("w:" + w, 1.0) for w in words]
    features += [("b:" + a + " " + b, 1.0) for a, b in pairwise(words)]
    for word in words:
        padded = f" {_fold(word)} "
        features += [("c:" + padded[i:i + 3], 0.3) for i in range(len(padded) - 2)]
    return features


class FakeEmbedder:
    """Deterministic hashing embedder with the interface of `index.embedder.Embedder`; no model."""

    def __init__(self, name: str = FAKE_MODEL_NAME, dim: int = DIM, seed: int = 0,
                 threads: int = 1, batch_size: int = 32, precision: str = "float32"):
        # A path that names no model folder: code that would load weights from it fails loudly.
        self.path = Path("/nonexistent/sotay-test-models") / name
        self.threads = threads
        self.batch_size = batch_size
        # Recorded in the manifest as the real embedder's is; "bfloat16" rounds every vector to
        # bfloat16's 8-bit mantissa, so the two paths give close vectors that are not the same.
        self.precision = precision
        self._dim = dim
        self._seed = seed
        self.calls = {"passages": 0, "queries": 0}  # texts embedded, for tests that count work

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def dim(self) -> int:
        return self._dim

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self._dim, np.float32)
        for feature, weight in _features(text):
            h = zlib.crc32(feature.encode("utf-8"), self._seed)
            vector[h % self._dim] += weight if (h >> 16) & 1 else -weight
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:  # no words at all: a fixed unit vector, as a model gives some vector
            vector[0], norm = 1.0, 1.0
        vector /= norm
        if self.precision == "bfloat16":
            vector = (vector.view(np.uint32) + 0x8000 & 0xFFFF0000).view(np.float32)
            vector /= np.linalg.norm(vector)
        return vector

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self._dim), np.float32)
        return np.ascontiguousarray(np.stack([self._vector(t) for t in texts]), dtype=np.float32)

    def embed_passages(self, texts: list[str], progress=None) -> np.ndarray:
        self.calls["passages"] += len(texts)
        vectors = self._encode(list(texts))
        if progress and len(texts):
            progress(len(texts), len(texts))
        return vectors

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.calls["queries"] += len(texts)
        return self._encode(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def count_tokens(self, text: str) -> int:
        # The chunker's own estimate, which stays above XLM-R's real count (ingest/chunking.py).
        from ingest.chunking import estimate_tokens

        return estimate_tokens(text)
