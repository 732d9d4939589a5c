"""The two indexes of a segment behind small protocols, chosen by name (txtai's `ann/` backends and
Haystack's DocumentStore protocol are the models).

A vector backend builds one segment's index from its vectors, loads it from the segment's
folder, and makes the view that searches the live rows of several segments as one; a keyword
backend does the same for term counts, and scores a query over the live rows with the library's
own statistics. Search, merges and the generation only speak these protocols: rows are the
generation's chunk numbers, never an engine's own ids. The backends a library was written with
are recorded in each segment (`segment.json`) and in the manifest; a new engine (a server-based
one, say) is one module registered here.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from . import keyword
from .keyword import KeywordIndex, KeywordView
from .vectors import VectorIndex, VectorView


class SegmentVectors(Protocol):
    """One segment's vectors and the index over them."""

    @property
    def vectors(self) -> np.ndarray: ...  # the rows a merge copies

    @property
    def dim(self) -> int: ...

    def __len__(self) -> int: ...

    def save(self, directory: Path) -> None: ...


class VectorSearch(Protocol):
    """The nearest live rows of a generation, numbered as the generation numbers them."""

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]: ...


class VectorBackend(Protocol):
    name: str

    def build(self, vectors: np.ndarray) -> SegmentVectors: ...

    def write(self, directory: Path, blocks: Iterable[np.ndarray], rows: int, dim: int) -> None:
        """Write the index of `rows` vectors given a block at a time into `directory`, holding none
        of them but a block (a merge): what `build(...).save(directory)` writes."""

    def load(self, directory: Path) -> SegmentVectors: ...

    def view(self, parts: list[tuple[SegmentVectors, np.ndarray | None]], dim: int) -> VectorSearch: ...


class SegmentKeywords(Protocol):
    """One segment's term counts, rows in the segment's order."""

    def __len__(self) -> int: ...

    def save(self, directory: Path) -> None: ...


class KeywordScoring(Protocol):
    """A query's scores over the live rows of a generation, with the statistics of those rows."""

    def __len__(self) -> int: ...

    def scores(self, term_weights: dict[str, float]) -> np.ndarray: ...

    def document_frequency(self, term: str) -> int: ...

    def accented_forms(self, folded_syllable: str) -> list[tuple[str, int]]: ...


class KeywordBackend(Protocol):
    name: str

    def build(self, texts: list[str]) -> SegmentKeywords: ...

    def write_merged(self, directory: Path, parts: Sequence[tuple[SegmentKeywords, np.ndarray]], rows: int) -> None:
        """Write into `directory` the counts of a merge, streaming them: `parts` are `(segment's
        counts, row_map)`, `row_map[i]` the merged row of the part's row i (-1: left behind)."""

    def load(self, directory: Path) -> SegmentKeywords: ...

    def view(self, parts: list[tuple[SegmentKeywords, np.ndarray | None]]) -> KeywordScoring: ...


class FaissVectors:
    """FAISS (index/vectors.py): exact below its IVF threshold, IVF above, filters before the cut."""

    name = "faiss"

    def build(self, vectors: np.ndarray) -> VectorIndex:
        return VectorIndex.build(vectors)

    def write(self, directory: Path, blocks, rows: int, dim: int) -> None:
        VectorIndex.write(directory, blocks, rows, dim)

    def load(self, directory: Path) -> VectorIndex:
        return VectorIndex.load(directory)

    def view(self, parts, dim: int) -> VectorView:
        return VectorView(parts, dim)


class Bm25Keywords:
    """BM25 over Vietnamese syllables and bigrams, accented and folded (index/keyword.py)."""

    name = "bm25"

    def build(self, texts: list[str]) -> KeywordIndex:
        return KeywordIndex.build(texts)

    def write_merged(self, directory: Path, parts, rows: int) -> None:
        keyword.write_merged(directory, parts, rows)

    def load(self, directory: Path) -> KeywordIndex:
        return KeywordIndex.load(directory)

    def view(self, parts) -> KeywordView:
        return KeywordView(parts)


VECTOR_BACKENDS: dict[str, VectorBackend] = {b.name: b for b in (FaissVectors(),)}
KEYWORD_BACKENDS: dict[str, KeywordBackend] = {b.name: b for b in (Bm25Keywords(),)}
# What a segment or manifest written before backends were named used.
DEFAULT_VECTOR_BACKEND = "faiss"
DEFAULT_KEYWORD_BACKEND = "bm25"


def vector_backend(name: str | None) -> VectorBackend:
    return _choose(VECTOR_BACKENDS, name or DEFAULT_VECTOR_BACKEND, "vector")


def keyword_backend(name: str | None) -> KeywordBackend:
    return _choose(KEYWORD_BACKENDS, name or DEFAULT_KEYWORD_BACKEND, "keyword")


def _choose(registry: dict, name: str, kind: str):
    try:
        return registry[name]
    except KeyError:
        raise ValueError(f"no {kind} backend {name!r}: this version of Sổ tay has {', '.join(sorted(registry))} "
                         f"(a library written with another needs the version that wrote it)") from None
