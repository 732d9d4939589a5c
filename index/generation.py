"""One complete, immutable snapshot of the library on disk.

A generation is a folder holding everything a search needs — documents, chunks, the FAISS index
and the keyword index — written in full before it becomes visible. The library's `CURRENT` file
names the live generation and is switched with one atomic rename, so a reader (or an ingest killed
at any moment) only ever sees a whole generation, the old one or the new one.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .access import DocumentAccess, Scope
from .keyword import KeywordIndex
from .records import Chunk, StoredDocument
from .vectors import VectorIndex

DOCS_FILE = "documents.jsonl"
CHUNKS_FILE = "chunks.jsonl"
MANIFEST_FILE = "manifest.json"
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
class Generation:
    name: str
    docs: dict[str, StoredDocument]
    chunks: list[Chunk]
    vectors: VectorIndex
    keyword: KeywordIndex
    # Rows in `doc_id_list` order.
    doc_keyword: KeywordIndex
    manifest: dict = field(default_factory=dict)

    def __post_init__(self):
        doc_ids = sorted(self.docs)
        self.doc_order = {doc_id: i for i, doc_id in enumerate(doc_ids)}
        # Row i -> the document of chunk i, as an array so filters become vectorized masks.
        self.chunk_doc_ids = np.array([c.doc_id for c in self.chunks], dtype=object)
        self.chunk_doc_index = np.array([self.doc_order[c.doc_id] for c in self.chunks], dtype=np.int64)
        self.doc_id_list = doc_ids
        self.chunks_by_doc: dict[str, list[int]] = {}
        for i, chunk in enumerate(self.chunks):
            self.chunks_by_doc.setdefault(chunk.doc_id, []).append(i)

    @classmethod
    def empty(cls, dim: int = 384) -> Generation:
        return cls("empty", {}, [], VectorIndex.build(np.zeros((0, dim), np.float32)),
                   KeywordIndex.build([]), KeywordIndex.build([]), {"model": "", "dim": dim})

    @staticmethod
    def build_document_keyword(docs: dict[str, StoredDocument]) -> KeywordIndex:
        """The whole-document keyword index of `docs`, from scratch (rows in sorted id order)."""
        return KeywordIndex.build([document_index_text(docs[d]) for d in sorted(docs)])

    def doc_mask(self, keep_doc_ids: set[str]) -> np.ndarray:
        """Boolean mask over chunk ids of the chunks that belong to `keep_doc_ids`."""
        keep = np.zeros(len(self.doc_id_list), dtype=bool)
        for doc_id in keep_doc_ids:
            if doc_id in self.doc_order:
                keep[self.doc_order[doc_id]] = True
        return keep[self.chunk_doc_index] if len(self.chunks) else np.zeros(0, dtype=bool)

    @cached_property
    def access(self) -> DocumentAccess:
        """Each document's visibility as arrays, built on first use (a generation never changes)."""
        return DocumentAccess(self.doc_id_list, self.docs)

    def visible_docs(self, scope: Scope) -> np.ndarray | None:
        """Mask over documents (`doc_id_list` rows) `scope` may see; None: all of them."""
        return self.access.doc_mask(scope)

    def visible_chunks(self, scope: Scope) -> np.ndarray | None:
        """Mask over chunk ids of the documents `scope` may see; None: all of them."""
        docs = self.visible_docs(scope)
        return None if docs is None else docs[self.chunk_doc_index]

    # -- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        with open(directory / DOCS_FILE, "w", encoding="utf-8") as out:
            for doc_id in sorted(self.docs):
                out.write(json.dumps(self.docs[doc_id].to_json(), ensure_ascii=False) + "\n")
        with open(directory / CHUNKS_FILE, "w", encoding="utf-8") as out:
            for chunk in self.chunks:
                out.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
        self.vectors.save(directory)
        (directory / KEYWORD_DIR).mkdir()
        self.keyword.save(directory / KEYWORD_DIR)
        self.doc_keyword.save(directory / DOCUMENT_KEYWORD_DIR)
        manifest = dict(self.manifest, format=FORMAT_VERSION, documents=len(self.docs),
                        chunks=len(self.chunks))
        (directory / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        _fsync_tree(directory)

    @classmethod
    def load(cls, directory: Path) -> Generation:
        manifest = json.loads((directory / MANIFEST_FILE).read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise RuntimeError(f"{directory} was written by another version of Sổ tay "
                               f"(format {manifest.get('format')}); re-ingest into a new index folder")
        with open(directory / DOCS_FILE, encoding="utf-8") as lines:
            docs = {d["doc_id"]: StoredDocument.from_json(d) for d in map(json.loads, lines)}
        with open(directory / CHUNKS_FILE, encoding="utf-8") as lines:
            chunks = [Chunk(**c) for c in map(json.loads, lines)]
        vectors = VectorIndex.load(directory)
        keyword = KeywordIndex.load(directory / KEYWORD_DIR)
        # A generation written before the document index existed builds it here and answers as
        # before; its next ingest writes the index to disk.
        doc_keyword = (KeywordIndex.load(directory / DOCUMENT_KEYWORD_DIR)
                       if (directory / DOCUMENT_KEYWORD_DIR).exists() else cls.build_document_keyword(docs))
        return cls(directory.name, docs, chunks, vectors, keyword, doc_keyword, manifest)

    def derive_document_keyword(self, docs: dict[str, StoredDocument]) -> KeywordIndex:
        """The whole-document keyword index of the library `docs`, tokenizing only the documents
        that are new or changed since this generation (rows in sorted document-id order)."""
        order = sorted(docs)
        kept = [d for d in order if d in self.doc_order
                and self.docs[d].content_hash == docs[d].content_hash and self.docs[d].title == docs[d].title]
        kept_set = set(kept)
        fresh = [d for d in order if d not in kept_set]
        row = {d: i for i, d in enumerate(kept + fresh)}
        return KeywordIndex.derive(self.doc_keyword, [self.doc_order[d] for d in kept],
                                   [document_index_text(docs[d]) for d in fresh], [row[d] for d in order])


def _fsync_tree(directory: Path) -> None:
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
