"""One segment: an immutable folder of documents with their passages, vectors and term counts.

The library is a list of segments named by a manifest (index/manifest.py), as a Lucene index is:
a commit writes a segment of only the documents it adds or changes, never touching the others;
a replaced or deleted document stays in its old segment, marked deleted by the manifest, until a
merge (index/merge.py) copies the live rows of several segments into one.

A segment folder holds:

    documents.jsonl      its documents, in id order
    chunks.jsonl         their passages; row i is row i of the vectors and of the keyword counts
    vectors.npy          float32 matrix, one row a passage
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .keyword import KeywordIndex
from .records import Chunk, StoredDocument
from .vectors import VectorIndex

DOCS_FILE = "documents.jsonl"
CHUNKS_FILE = "chunks.jsonl"
SEGMENT_FILE = "segment.json"
# What a generation folder of the layout before segments held instead of SEGMENT_FILE.
GENERATION_MANIFEST = "manifest.json"
KEYWORD_DIR = "keyword"
# BM25 over whole documents, beside the one over passages (search fuses the two).
DOCUMENT_KEYWORD_DIR = "keyword-documents"
FORMAT_VERSION = 1


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


@dataclass
class Segment:
    name: str
    docs: dict[str, StoredDocument]
    chunks: list[Chunk]
    vectors: VectorIndex
    keyword: KeywordIndex
    # Rows in `doc_ids` order.
    doc_keyword: KeywordIndex
    doc_ids: list[str] = field(init=False)

    def __post_init__(self):
        self.doc_ids = sorted(self.docs)
        order = {doc_id: i for i, doc_id in enumerate(self.doc_ids)}
        # Row i -> its document's position in `doc_ids`.
        self.chunk_doc = np.array([order[c.doc_id] for c in self.chunks], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.chunks)

    @classmethod
    def build(cls, name: str, docs: dict[str, StoredDocument], chunks: list[Chunk], vectors: np.ndarray,
              keyword: KeywordIndex | None = None, doc_keyword: KeywordIndex | None = None) -> Segment:
        """A segment of `docs` and their `chunks` (with one vector each); the keyword counts are
        counted here unless given (a merge copies them)."""
        if keyword is None:
            keyword = KeywordIndex.build([chunk_index_text(docs[c.doc_id], c) for c in chunks])
        if doc_keyword is None:
            doc_keyword = KeywordIndex.build([document_index_text(docs[d]) for d in sorted(docs)])
        return cls(name, docs, chunks, VectorIndex.build(vectors), keyword, doc_keyword)

    def rows_of(self, keep: np.ndarray) -> np.ndarray:
        """Chunk rows of the documents `keep` (a mask over `doc_ids`) marks."""
        return np.flatnonzero(keep[self.chunk_doc]) if len(self.chunks) else np.zeros(0, np.int64)

    # -- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the whole segment into `directory` (new), flushed to disk before returning."""
        directory.mkdir(parents=True)
        with open(directory / DOCS_FILE, "w", encoding="utf-8") as out:
            for doc_id in self.doc_ids:
                out.write(json.dumps(self.docs[doc_id].to_json(), ensure_ascii=False) + "\n")
        with open(directory / CHUNKS_FILE, "w", encoding="utf-8") as out:
            for chunk in self.chunks:
                out.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
        self.vectors.save(directory)
        self.keyword.save(directory / KEYWORD_DIR)
        self.doc_keyword.save(directory / DOCUMENT_KEYWORD_DIR)
        (directory / SEGMENT_FILE).write_text(json.dumps(
            {"format": FORMAT_VERSION, "documents": len(self.docs), "chunks": len(self.chunks),
             "dim": self.vectors.dim}))
        fsync_tree(directory)

    @classmethod
    def load(cls, directory: Path, name: str | None = None) -> Segment:
        info = directory / SEGMENT_FILE
        if not info.exists():
            info = directory / GENERATION_MANIFEST
        meta = json.loads(info.read_text())
        if meta.get("format") != FORMAT_VERSION:
            raise RuntimeError(f"{directory} was written by another version of Sổ tay "
                               f"(format {meta.get('format')}); re-ingest into a new index folder")
        with open(directory / DOCS_FILE, encoding="utf-8") as lines:
            docs = {d["doc_id"]: StoredDocument.from_json(d) for d in map(json.loads, lines)}
        with open(directory / CHUNKS_FILE, encoding="utf-8") as lines:
            chunks = [Chunk(**c) for c in map(json.loads, lines)]
        vectors = VectorIndex.load(directory)
        keyword = KeywordIndex.load(directory / KEYWORD_DIR)
        # A generation written before the document index existed builds it here and answers as
        # before.
        doc_keyword = (KeywordIndex.load(directory / DOCUMENT_KEYWORD_DIR)
                       if (directory / DOCUMENT_KEYWORD_DIR).exists()
                       else KeywordIndex.build([document_index_text(docs[d]) for d in sorted(docs)]))
        return cls(name or directory.name, docs, chunks, vectors, keyword, doc_keyword)


def live_copies(segments: list[Segment], deleted: Mapping[str, Iterable[str]]) -> dict[str, Segment]:
    """Each live document's segment: its latest copy, unless the manifest marks that one deleted.
    A writer marks every older copy deleted when it commits a new one; taking the latest also
    guards a reader of an odd manifest from seeing a document twice or a deleted one again."""
    latest: dict[str, Segment] = {}
    for segment in segments:
        for doc_id in segment.doc_ids:
            latest[doc_id] = segment
    return {doc_id: segment for doc_id, segment in latest.items()
            if doc_id not in deleted.get(segment.name, ())}


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
