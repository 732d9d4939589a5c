"""The library as one reader sees it: the live rows of the segments one manifest names.

A `Generation` is immutable, as the segments it is made of are: a search that holds one sees the
library of one manifest from its first step to its last, whatever a writer commits meanwhile.
Its rows are numbered as if the live documents and passages of its segments were one index:
documents are `doc_id_list` (each segment's live documents in id order, segment after segment),
chunk `i` is `chunks[i]`, row `i` of `vectors` and of `keyword`; row `j` of `doc_keyword` is
document `doc_id_list[j]`. A document deleted or replaced since its segment was written has no
row at all. Building one costs a pass over the documents' heads and arrays over the passages,
not a copy of texts, vectors or term counts: those stay in their segments, on disk.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    live_copies,
)
from .stored import Rows


class Generation:
    def __init__(self, name: str, segments: Iterable[Segment], deleted: Mapping[str, Iterable[str]] | None = None,
                 manifest: dict | None = None, dim: int = 384):
        self.name = name
        self.segments = list(segments)
        self.deleted = {seg: frozenset(ids) for seg, ids in (deleted or {}).items() if ids}
        self.manifest = dict(manifest or {})
        owners = self._owners = live_copies(self.segments, self.deleted)
        # When no document has a copy in two segments (what writers keep so), a segment's live
        # documents are its own minus those the manifest marks deleted: no lookup a document.
        copies = sum(len(segment.doc_ids) for segment in self.segments)
        marked = sum(sum(d in s.heads for d in self.deleted.get(s.name, ())) for s in self.segments)
        distinct = copies == len(owners) + marked
        heads: dict[str, DocumentHead] = {}
        doc_id_list: list[str] = []
        chunk_parts: list[tuple[Sequence[Chunk], np.ndarray | None]] = []
        chunk_doc_index: list[np.ndarray] = []
        keyword_parts, doc_keyword_parts, vector_parts = [], [], []
        # Each segment, its kept document rows (None: all of them) and where they start in
        # `doc_id_list`: what tables each segment builds once are joined by.
        live_docs_of: list[tuple[Segment, np.ndarray | None, int]] = []
        for segment in self.segments:
            gone = self.deleted.get(segment.name)
            if distinct:
                live_ids = segment.doc_ids if not gone else [d for d in segment.doc_ids if d not in gone]
            else:
                live_ids = [d for d in segment.doc_ids if owners.get(d) is segment]
            all_live = len(live_ids) == len(segment.doc_ids)
            if all_live:
                heads.update(segment.heads)
                rows = None
                live_docs = None
                local_to_view = np.arange(len(segment.doc_ids), dtype=np.int64) + len(doc_id_list)
                chunk_doc_index.append(local_to_view[segment.chunk_doc])
            else:
                keep = np.zeros(len(segment.doc_ids), dtype=bool)
                position = {d: i for i, d in enumerate(segment.doc_ids)}
                live_docs = np.asarray([position[d] for d in live_ids], np.int64)
                keep[live_docs] = True
                local_to_view = np.full(len(segment.doc_ids), -1, np.int64)
                local_to_view[live_docs] = np.arange(len(live_docs)) + len(doc_id_list)
                rows = segment.rows_of(keep)
                for d in live_ids:
                    heads[d] = segment.heads[d]
                chunk_doc_index.append(local_to_view[segment.chunk_doc[rows]])
            chunk_parts.append((segment.chunks, rows))
            live_docs_of.append((segment, live_docs, len(doc_id_list)))
            doc_id_list.extend(live_ids)
            keyword_parts.append((segment.keyword, rows))
            doc_keyword_parts.append((segment.doc_keyword, live_docs))
            vector_parts.append((segment.vectors, rows))
        # Every live document's fields but its text; `docs` reads a whole one from its segment.
        self.heads = heads
        self._live_docs = live_docs_of
        self.docs = LiveDocuments(owners, doc_id_list)
        self.doc_id_list = doc_id_list
        self.doc_order = dict(zip(doc_id_list, range(len(doc_id_list)), strict=True))
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

    @classmethod
    def empty(cls, dim: int = 384) -> Generation:
        return cls("empty", [], {}, {"model": "", "dim": dim}, dim)

    def locate(self, doc_id: str) -> Segment | None:
        """The segment holding the live copy of `doc_id`."""
        return self._owners.get(doc_id)

    def doc_mask(self, keep_doc_ids: set[str]) -> np.ndarray:
        """Boolean mask over chunk ids of the chunks that belong to `keep_doc_ids`."""
        keep = np.zeros(len(self.doc_id_list), dtype=bool)
        for doc_id in keep_doc_ids:
            if doc_id in self.doc_order:
                keep[self.doc_order[doc_id]] = True
        return keep[self.chunk_doc_index] if len(self.chunks) else np.zeros(0, dtype=bool)

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


class LiveDocuments(Mapping[str, StoredDocument]):
    """The live documents by id, in `doc_id_list` order, each read whole from its segment when
    asked (its text included): a page reads one, a search its ten results."""

    def __init__(self, owners: dict[str, Segment], doc_id_list: list[str]):
        self._owners = owners
        self._ids = doc_id_list

    def __getitem__(self, doc_id: str) -> StoredDocument:
        return self._owners[doc_id].docs[doc_id]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._owners

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


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
