"""The library as one reader sees it: the live rows of the segments one manifest names.

A `Generation` is immutable, as the segments it is made of are: a search that holds one sees the
library of one manifest from its first step to its last, whatever a writer commits meanwhile.
Its rows are numbered as if the live documents and passages of its segments were one index:
documents are `doc_id_list` (each segment's live documents in id order, segment after segment),
chunk `i` is `chunks[i]`, row `i` of `vectors` and of `keyword`; row `j` of `doc_keyword` is
document `doc_id_list[j]`. A document deleted or replaced since its segment was written has no
row at all. Building one costs a pass over its segments, the documents its manifest marks
deleted and arrays over the passages: ids, fields, texts, vectors and term counts stay in the
segments (in memory or on disk), looked up there when asked, never copied into the generation.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property

import numpy as np

from .access import DocumentAccess, Scope
from .backends import keyword_backend, vector_backend
from .records import Chunk, DocumentHead, StoredDocument
from .segment import (  # noqa: F401  (re-exported: the texts indexed are part of this face)
    Segment,
    chunk_index_text,
    document_index_text,
    index_text,
)
from .stored import Rows


class Generation:
    def __init__(self, name: str, segments: Iterable[Segment], deleted: Mapping[str, Iterable[str]] | None = None,
                 manifest: dict | None = None, dim: int = 384):
        self.name = name
        self.segments = list(segments)
        self.deleted = {seg: frozenset(ids) for seg, ids in (deleted or {}).items() if ids}
        self.manifest = dict(manifest or {})
        # Built from what each segment computes once, so a commit costs a pass over the segments
        # and the documents it marked, not over every document (docs/benchmarks.md, add one).
        self._part = {segment.name: k for k, segment in enumerate(self.segments)}
        chunk_parts: list[tuple[Sequence[Chunk], np.ndarray | None]] = []
        chunk_doc_index: list[np.ndarray] = []
        keyword_parts, doc_keyword_parts, vector_parts = [], [], []
        # Each segment, its kept document rows (None: all of them) and where they start among the
        # generation's documents: what tables each segment builds once are joined by.
        live_docs_of: list[tuple[Segment, np.ndarray | None, int]] = []
        start = 0
        for k, segment in enumerate(self.segments):
            gone = self._gone(k)
            if not gone:
                live_docs = rows = None
                chunk_doc_index.append(segment.chunk_doc + start)
                count = len(segment.doc_ids)
            else:
                keep = np.ones(len(segment.doc_ids), dtype=bool)
                keep[[segment.position[d] for d in gone]] = False
                live_docs = np.flatnonzero(keep)
                local_to_view = np.full(len(segment.doc_ids), -1, np.int64)
                local_to_view[live_docs] = np.arange(len(live_docs)) + start
                rows = segment.rows_of(keep)
                chunk_doc_index.append(local_to_view[segment.chunk_doc[rows]])
                count = len(live_docs)
            chunk_parts.append((segment.chunks, rows))
            live_docs_of.append((segment, live_docs, start))
            start += count
            keyword_parts.append((segment.keyword, rows))
            doc_keyword_parts.append((segment.doc_keyword, live_docs))
            vector_parts.append((segment.vectors, rows))
        self._live_docs = live_docs_of
        # The live documents' ids, row j the document of `doc_keyword`'s row j, and their fields
        # but the text (`heads`) and whole (`docs`, read from the segment when asked).
        self.doc_id_list = LiveIds(live_docs_of, start)
        self.heads = LiveHeads(self)
        self.docs = LiveDocuments(self)
        self.chunks = LiveChunks(chunk_parts)
        # Row i -> the document of chunk i, as an array so filters become vectorized masks.
        self.chunk_doc_index = (np.concatenate(chunk_doc_index) if chunk_doc_index
                                else np.zeros(0, np.int64))
        # One library, one pair of backends (the manifest names them): its views score all parts.
        keywords_by = self.segments[0].keyword_backend if self.segments else keyword_backend(None)
        vectors_by = self.segments[0].vector_backend if self.segments else vector_backend(None)
        self.keyword = keywords_by.view(keyword_parts)
        self.doc_keyword = keywords_by.view(doc_keyword_parts)
        dim = int(self.manifest.get("dim") or (self.segments[0].vectors.dim if self.segments else dim))
        self.vectors = vectors_by.view(vector_parts, dim)

    def _gone(self, k: int) -> set[str]:
        """Segment k's documents that are not live: those the manifest marks deleted there, and
        those with a copy in a later segment. A writer marks every older copy deleted when it
        commits a new one; taking the latest copy also guards a reader of an odd manifest from
        seeing a document twice or a deleted one again."""
        segment = self.segments[k]
        gone = {d for d in self.deleted.get(segment.name, ()) if d in segment.heads}
        for later in self.segments[k + 1:]:
            gone |= segment.shared_with(later)
        return gone

    @classmethod
    def empty(cls, dim: int = 384) -> Generation:
        return cls("empty", [], {}, {"model": "", "dim": dim}, dim)

    def locate(self, doc_id: str) -> Segment | None:
        """The segment holding the live copy of `doc_id`: the latest segment with a copy, unless
        the manifest marks that copy deleted."""
        for segment in reversed(self.segments):
            if doc_id in segment.heads:
                return None if doc_id in self.deleted.get(segment.name, ()) else segment
        return None

    def row_of(self, doc_id: str) -> int | None:
        """The row of a live document (its place in `doc_id_list`), None for any other id."""
        segment = self.locate(doc_id)
        if segment is None:
            return None
        _, rows, start = self._live_docs[self._part[segment.name]]
        local = segment.position[doc_id]
        return start + (local if rows is None else int(np.searchsorted(rows, local)))

    def doc_mask_where(self, keep: Callable[[DocumentHead], bool]) -> np.ndarray:
        """Boolean mask over chunk ids of the chunks whose document's fields `keep` accepts."""
        docs = np.fromiter((keep(head) for head in self.heads.values()), bool, count=len(self.doc_id_list))
        return docs[self.chunk_doc_index] if len(self.chunks) else np.zeros(0, dtype=bool)

    @cached_property
    def chunk_runs(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(first row of each run, the run of each row) when every document's passages are one
        run of consecutive rows (commits and merges write them so; None otherwise): search then
        finds each document's best passage with one reduction over the runs."""
        doc_of = self.chunk_doc_index
        if not len(doc_of):
            return None
        starts = np.concatenate([[0], np.flatnonzero(np.diff(doc_of)) + 1])
        if np.count_nonzero(np.bincount(doc_of)) != len(starts):
            return None  # some document's passages are apart: more runs than documents
        lengths = np.diff(np.append(starts, len(doc_of)))
        return starts, np.repeat(np.arange(len(starts), dtype=np.int32), lengths)

    @cached_property
    def access(self) -> DocumentAccess:
        """Each document's visibility as arrays, built on first use (a generation never changes)
        from its segments' own, which each builds once."""
        return DocumentAccess.combine([(segment.access, rows) for segment, rows, _ in self._live_docs])

    def docs_numbered(self, keys: Iterable[str]) -> np.ndarray:
        """Mask over documents (`doc_id_list` rows) whose number has one of the match `keys`."""
        mask = np.zeros(len(self.doc_id_list), dtype=bool)
        for segment, rows, start in self._live_docs:
            for key in keys:
                local = segment.number_table.get(key)
                if local is None:
                    continue
                if rows is None:
                    mask[start + local] = True
                else:  # the kept ones, at their place among the segment's kept rows
                    at = np.searchsorted(rows, local)
                    kept = at < len(rows)
                    kept[kept] = rows[at[kept]] == local[kept]
                    mask[start + at[kept]] = True
        return mask

    def visible_docs(self, scope: Scope) -> np.ndarray | None:
        """Mask over documents (`doc_id_list` rows) `scope` may see; None: all of them."""
        return self.access.doc_mask(scope)

    def visible_chunks(self, scope: Scope) -> np.ndarray | None:
        """Mask over chunk ids of the documents `scope` may see; None: all of them."""
        docs = self.visible_docs(scope)
        return None if docs is None else docs[self.chunk_doc_index]


class LiveIds(Sequence[str]):
    """The live documents' ids in the generation's order: each segment's live documents in id
    order, segment after segment. Read from the segments' own id lists, never copied."""

    def __init__(self, parts: list[tuple[Segment, np.ndarray | None, int]], count: int):
        self._parts = parts
        self._starts = np.asarray([start for _, _, start in parts], np.int64)
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i):  # an int (NumPy's too) or a slice, as a list takes
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._count))]
        i = int(i)
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError(i)
        segment, rows, start = self._parts[int(np.searchsorted(self._starts, i, side="right")) - 1]
        local = i - start
        return segment.doc_ids[local if rows is None else int(rows[local])]

    def __iter__(self) -> Iterator[str]:
        for _, ids in self.by_segment():
            yield from ids

    def by_segment(self) -> Iterator[tuple[Segment, Iterable[str]]]:
        """Each segment and its live documents' ids, in order."""
        for segment, rows, _ in self._parts:
            ids = segment.doc_ids
            yield segment, ids if rows is None else [ids[row] for row in rows.tolist()]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # compared by value, as a list is


class _LiveById(Mapping):
    """The live documents' records by id, in `doc_id_list` order, each looked up in the segment
    that holds the document's live copy (`_table` says which of its tables)."""

    def __init__(self, generation: Generation):
        self._generation = generation

    @staticmethod
    def _table(segment: Segment) -> Mapping:
        raise NotImplementedError

    def __getitem__(self, doc_id: str):
        segment = self._generation.locate(doc_id)
        if segment is None:
            raise KeyError(doc_id)
        return self._table(segment)[doc_id]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._generation.locate(doc_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._generation.doc_id_list)

    def __len__(self) -> int:
        return len(self._generation.doc_id_list)


class LiveHeads(_LiveById):
    """Every live document's fields but its text."""

    @staticmethod
    def _table(segment: Segment) -> Mapping[str, DocumentHead]:
        return segment.heads

    def values(self) -> Iterator[DocumentHead]:  # type: ignore[override]
        # Each segment's heads in row order: no lookup of an id in every segment.
        for segment, ids in self._generation.doc_id_list.by_segment():
            heads = segment.heads
            yield from (heads[d] for d in ids)

    def items(self) -> Iterator[tuple[str, DocumentHead]]:  # type: ignore[override]
        for head in self.values():
            yield head.doc_id, head


class LiveDocuments(_LiveById):
    """The live documents whole, each read from its segment when asked (its text included): a
    page reads one, a search its ten results."""

    @staticmethod
    def _table(segment: Segment) -> Mapping[str, StoredDocument]:
        return segment.docs


class LiveChunks(Rows[Chunk]):
    """The live passages, numbered as the generation's rows, each read from its segment when asked.

    `parts` are `(a segment's chunks, its live rows or None for all)`, in the generation's order.
    """

    def __init__(self, parts: list[tuple[Sequence[Chunk], np.ndarray | None]]):
        self._parts = parts
        sizes = [len(chunks) if rows is None else len(rows) for chunks, rows in parts]
        self._starts = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)

    def __len__(self) -> int:
        return int(self._starts[-1])

    def row(self, i: int) -> Chunk:
        part = int(np.searchsorted(self._starts, i, side="right")) - 1
        chunks, rows = self._parts[part]
        local = i - int(self._starts[part])
        return chunks[local if rows is None else int(rows[local])]

    def __iter__(self) -> Iterator[Chunk]:
        for chunks, rows in self._parts:
            if rows is None:
                yield from chunks
            else:
                for row in rows:
                    yield chunks[int(row)]
