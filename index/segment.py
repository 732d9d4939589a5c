"""One segment: an immutable folder of documents with their passages, vectors and term counts.

The library is a list of segments named by a manifest (index/manifest.py), as a Lucene index is:
a commit writes a segment of only the documents it adds or changes, never touching the others;
a replaced or deleted document stays in its old segment, marked deleted by the manifest, until a
merge (index/merge.py) copies the live rows of several segments into one.

A segment folder holds:

    documents.jsonl      its documents, in id order (+ .offsets.npy: where each row starts)
    heads.jsonl          the same without their texts: what a reader holds in memory
    chunks.jsonl         their passages; row i is row i of the vectors and of the keyword counts
    chunk-documents.npy  row i -> the position of its document in documents.jsonl
    vectors.npy          float16 matrix (float32 in older segments), one row a passage
    vectors.faiss        the FAISS index over it (index/vectors.py)
    keyword/             term counts of the passages (index/keyword.py)
    keyword-documents/   term counts of the whole documents, rows in `documents.jsonl` order
    segment.json         counts and format, written last

A folder is written under a temporary name and renamed into place whole, so a segment either
exists complete or not at all. A library from before segments kept one whole snapshot per
commit (`generations/gen-NNNNNN`, with `manifest.json` in place of `segment.json`); such a folder
reads as one segment, which is how it is migrated.
"""
from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from functools import cached_property
from pathlib import Path

import numpy as np

from ingest.doc_numbers import number_keys

from .access import DocumentAccess
from .backends import (
    KeywordBackend,
    SegmentKeywords,
    SegmentVectors,
    VectorBackend,
    keyword_backend,
    vector_backend,
)
from .records import Chunk, DocumentHead, StoredDocument
from .stored import StoredRows, json_line, write_rows

DOCS_FILE = "documents.jsonl"
HEADS_FILE = "heads.jsonl"
CHUNKS_FILE = "chunks.jsonl"
CHUNK_DOCS_FILE = "chunk-documents.npy"
SEGMENT_FILE = "segment.json"
# What a generation folder of the layout before segments held instead of SEGMENT_FILE.
GENERATION_MANIFEST = "manifest.json"
KEYWORD_DIR = "keyword"
# BM25 over whole documents, beside the one over passages (search fuses the two).
DOCUMENT_KEYWORD_DIR = "keyword-documents"
# 2: documents' heads and the passage -> document table written beside the rows, so opening a
# segment reads neither its texts nor its passages (1: both were parsed, and held, in full).
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)


def index_text(title: str, heading: str, text: str) -> str:
    """What the keyword index and the embedder see for a chunk: title, heading path, passage.

    The title is the one given or found in the document (`meta["title"]`), never the first line a
    document without one is shown under: that line is in the text already, and repeating it in
    every passage pulled the passages' vectors toward the document's opening (docs/quality.md).
    """
    return "\n".join(p for p in (title, heading, text) if p)


def chunk_index_text(doc: StoredDocument, chunk: Chunk) -> str:
    return index_text(doc.meta.get("title", ""), chunk.heading, chunk.text)


def document_index_text(doc: StoredDocument) -> str:
    """What the whole-document keyword index sees: the title and the full text."""
    return index_text(doc.meta.get("title", ""), "", doc.text)


class Segment:
    """One segment's documents (`docs`, read in full from disk when asked; `heads`, their fields
    but the text, in memory), passages (`chunks`, row i read when asked), vectors and term counts.

    A segment just built holds its documents and passages in memory until it is written; one
    loaded from its folder reads them through memory maps (index/stored.py).
    """

    def __init__(self, name: str, docs: Mapping[str, StoredDocument], heads: dict[str, DocumentHead],
                 chunks: Sequence[Chunk], chunk_doc: np.ndarray, vectors: SegmentVectors,
                 keyword: SegmentKeywords, doc_keyword: SegmentKeywords,
                 vector_backend: VectorBackend | None = None, keyword_backend: KeywordBackend | None = None):
        self.name = name
        self.docs = docs
        self.heads = heads
        self.doc_ids = sorted(heads)
        self.chunks = chunks
        # Row i -> its document's position in `doc_ids`.
        self.chunk_doc = np.asarray(chunk_doc, np.int64)
        self.vectors = vectors
        self.keyword = keyword
        # Rows in `doc_ids` order.
        self.doc_keyword = doc_keyword
        # What built the two indexes, recorded in `segment.json`.
        self.vector_backend = vector_backend or _default_vectors()
        self.keyword_backend = keyword_backend or _default_keywords()

    def __len__(self) -> int:
        return len(self.chunks)

    @cached_property
    def access(self) -> DocumentAccess:
        """Its documents' visibility arrays, rows in `doc_ids` order (index/access.py)."""
        return DocumentAccess(self.doc_ids, self.heads)

    @cached_property
    def position(self) -> Mapping[str, int]:
        """Each document's position in `doc_ids`."""
        if isinstance(self.docs, DocumentRows):
            return self.docs.position  # a loaded segment's rows are found by it already
        return {doc_id: i for i, doc_id in enumerate(self.doc_ids)}

    def shared_with(self, later: Segment) -> frozenset[str]:
        """The documents that have a copy in `later` too, whose copies shadow these. Computed once
        for each pair (segments never change), so a commit pays only for the pairs its new
        segment makes: a lookup of its few documents in each older segment."""
        shared = self._shared.get(later)
        if shared is None:
            # A view's & walks the smaller of the two and looks up in the larger, in C.
            shared = self._shared[later] = frozenset(self.heads.keys() & later.heads.keys())
        return shared

    @cached_property
    def _shared(self) -> weakref.WeakKeyDictionary[Segment, frozenset[str]]:
        # Weak: a segment merged away must not be kept alive, maps and all, by an older one.
        return weakref.WeakKeyDictionary()

    @cached_property
    def number_table(self) -> dict[str, np.ndarray]:
        """Its documents by the match keys of their numbers (`ingest.doc_numbers.number_keys`):
        key -> positions in `doc_ids`."""
        table: dict[str, list[int]] = {}
        for i, doc_id in enumerate(self.doc_ids):
            number = self.heads[doc_id].meta.get("number")
            if number:
                for key in number_keys(str(number)):
                    table.setdefault(key, []).append(i)
        return {key: np.asarray(positions, np.int64) for key, positions in table.items()}

    @classmethod
    def build(cls, name: str, docs: dict[str, StoredDocument], chunks: list[Chunk], vectors: np.ndarray,
              keyword: SegmentKeywords | None = None, doc_keyword: SegmentKeywords | None = None,
              vector_backend: VectorBackend | None = None, keyword_backend: KeywordBackend | None = None
              ) -> Segment:
        """A segment of `docs` and their `chunks` (with one vector each); the keyword counts are
        counted here unless given (a merge copies them)."""
        vectors_by = vector_backend or _default_vectors()
        keywords_by = keyword_backend or _default_keywords()
        if keyword is None:
            keyword = keywords_by.build([chunk_index_text(docs[c.doc_id], c) for c in chunks])
        if doc_keyword is None:
            doc_keyword = keywords_by.build([document_index_text(docs[d]) for d in sorted(docs)])
        order = {doc_id: i for i, doc_id in enumerate(sorted(docs))}
        chunk_doc = np.array([order[c.doc_id] for c in chunks], dtype=np.int64)
        heads = {doc_id: doc.head for doc_id, doc in docs.items()}
        return cls(name, docs, heads, chunks, chunk_doc, vectors_by.build(vectors), keyword, doc_keyword,
                   vectors_by, keywords_by)

    def rows_of(self, keep: np.ndarray) -> np.ndarray:
        """Chunk rows of the documents `keep` (a mask over `doc_ids`) marks."""
        return np.flatnonzero(keep[self.chunk_doc]) if len(self.chunks) else np.zeros(0, np.int64)

    # -- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the whole segment into `directory` (new), flushed to disk before returning."""
        directory.mkdir(parents=True)
        write_rows(directory / DOCS_FILE, (self.docs[doc_id].to_json() for doc_id in self.doc_ids))
        write_rows(directory / HEADS_FILE, (asdict(self.heads[doc_id]) for doc_id in self.doc_ids))
        write_rows(directory / CHUNKS_FILE, (chunk.to_json() for chunk in self.chunks))
        np.save(directory / CHUNK_DOCS_FILE, self.chunk_doc.astype(np.int32))
        self.vectors.save(directory)
        self.keyword.save(directory / KEYWORD_DIR)
        self.doc_keyword.save(directory / DOCUMENT_KEYWORD_DIR)
        finish(directory, len(self.doc_ids), len(self.chunks), self.vectors.dim, self.vector_backend,
               self.keyword_backend)

    def document_line(self, position: int) -> bytes:
        """The stored row of the document at `position` in `doc_ids`, as `documents.jsonl` holds it."""
        if isinstance(self.docs, DocumentRows):
            return self.docs.rows.line(position)
        return json_line(self.docs[self.doc_ids[position]].to_json())

    def chunk_line(self, row: int) -> bytes:
        """The stored row of passage `row`, as `chunks.jsonl` holds it."""
        if isinstance(self.chunks, StoredRows):
            return self.chunks.line(row)
        return json_line(self.chunks[row].to_json())

    @classmethod
    def load(cls, directory: Path, name: str | None = None) -> Segment:
        info = directory / SEGMENT_FILE
        if not info.exists():
            info = directory / GENERATION_MANIFEST
        meta = json.loads(info.read_text())
        if meta.get("format") not in READABLE_FORMATS:
            raise RuntimeError(f"{directory} was written by another version of Sổ tay "
                               f"(format {meta.get('format')}); re-ingest into a new index folder")
        chunks = StoredRows(directory / CHUNKS_FILE, _chunk)
        documents = StoredRows(directory / DOCS_FILE, StoredDocument.from_json)
        if meta["format"] >= 2:
            heads_rows = StoredRows(directory / HEADS_FILE, lambda row: DocumentHead(**row))
            heads = {head.doc_id: head for head in heads_rows}
            chunk_doc = np.load(directory / CHUNK_DOCS_FILE)
        else:
            # Format 1 kept no heads and no passage -> document table: read once from the rows
            # themselves (what every open cost before), until a merge writes the segment anew.
            heads = {}
            for i in range(len(documents)):
                row = documents.raw(i)
                row.pop("text", None)
                heads[row["doc_id"]] = DocumentHead(**row)
            order = {doc_id: i for i, doc_id in enumerate(sorted(heads))}
            chunk_doc = np.array([order[chunks.raw(i)["doc_id"]] for i in range(len(chunks))], np.int64)
        docs = DocumentRows(documents, sorted(heads))
        vectors_by = vector_backend(meta.get("vector_backend"))
        keywords_by = keyword_backend(meta.get("keyword_backend"))
        vectors = vectors_by.load(directory)
        keyword = keywords_by.load(directory / KEYWORD_DIR)
        # A generation written before the document index existed builds it here and answers as
        # before.
        doc_keyword = (keywords_by.load(directory / DOCUMENT_KEYWORD_DIR)
                       if (directory / DOCUMENT_KEYWORD_DIR).exists()
                       else keywords_by.build([document_index_text(docs[d]) for d in sorted(heads)]))
        return cls(name or directory.name, docs, heads, chunks, chunk_doc, vectors, keyword, doc_keyword,
                   vectors_by, keywords_by)


def finish(directory: Path, documents: int, chunks: int, dim: int, vectors_by: VectorBackend,
           keywords_by: KeywordBackend) -> None:
    """Write `segment.json` into a segment folder whose other files are written, then flush the
    folder to disk: the last step of writing a segment."""
    (directory / SEGMENT_FILE).write_text(json.dumps(
        {"format": FORMAT_VERSION, "documents": documents, "chunks": chunks, "dim": dim,
         "vector_backend": vectors_by.name, "keyword_backend": keywords_by.name}))
    fsync_tree(directory)


class DocumentRows(Mapping[str, StoredDocument]):
    """A loaded segment's documents by id, each read from disk when asked (rows in id order)."""

    def __init__(self, rows: StoredRows[StoredDocument], doc_ids: list[str]):
        self.rows = rows
        self.position = {doc_id: i for i, doc_id in enumerate(doc_ids)}

    def __getitem__(self, doc_id: str) -> StoredDocument:
        return self.rows[self.position[doc_id]]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.position

    def __iter__(self) -> Iterator[str]:
        return iter(self.position)

    def __len__(self) -> int:
        return len(self.position)


def _default_vectors() -> VectorBackend:
    return vector_backend(None)


def _default_keywords() -> KeywordBackend:
    return keyword_backend(None)


def _chunk(row: dict) -> Chunk:
    return Chunk(**row)


def live_copies(segments: list[Segment], deleted: Mapping[str, Iterable[str]]) -> dict[str, Segment]:
    """Each live document's segment: its latest copy, unless the manifest marks that one deleted.
    A writer marks every older copy deleted when it commits a new one; taking the latest also
    guards a reader of an odd manifest from seeing a document twice or a deleted one again."""
    latest: dict[str, Segment] = {}
    for segment in segments:
        latest.update(dict.fromkeys(segment.doc_ids, segment))  # a dict's own loop: 270k ids in ms
    for segment in segments:
        for doc_id in deleted.get(segment.name, ()):
            if latest.get(doc_id) is segment:
                del latest[doc_id]
    return latest


def fsync_tree(directory: Path) -> None:
    """Flush every file, then the folders, so a power cut cannot publish a half-written folder."""
    for root, _dirs, files in os.walk(directory):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
