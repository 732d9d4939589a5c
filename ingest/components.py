"""Haystack components of the ingest stage that wrap plain functions of this package."""
from __future__ import annotations

from collections.abc import Callable

from haystack import Document, component

from .chunking import chunk_text
from .metadata import extract_metadata, normalize_type


@component
class MetadataExtractor:
    """Fills type, number, date, issuer and title from the text where the editor gave none.

    What the editor wrote (JSONL fields, a sidecar file, --type) always wins: extraction only
    fills the gaps. A document whose title is neither given nor found keeps none here: it is shown
    under its first line (`first_line_title`), but that line is not indexed again as a title.
    """

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]):
        out = []
        for doc in documents:
            found = extract_metadata(doc.content or "", doc.meta.get("filename"))
            meta = {k: v for k, v in found.items() if v not in (None, "")}
            meta.update({k: v for k, v in doc.meta.items() if v not in (None, "")})
            if meta.get("type"):
                meta["type"] = normalize_type(meta["type"])
            out.append(Document(id=doc.id, content=doc.content, meta=meta))
        return {"documents": out}


@component
class VietnameseChunker:
    """Turns each source Document (the full text, meta with `doc_id`) into passage Documents with
    meta `doc_id`, `heading` and `chunk_index`, plus the source's other metadata."""

    def __init__(self, max_tokens: int = 400, overlap_tokens: int = 60,
                 count_tokens: Callable[[str], int] | None = None, max_passages: int | None = None):
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.count_tokens = count_tokens
        # A document cut into more passages than this gives none; `refused` says how many it made.
        self.max_passages = max_passages

    @component.output_types(documents=list[Document], refused=dict[str, int])
    def run(self, documents: list[Document]):
        out = []
        refused: dict[str, int] = {}
        for doc in documents:
            doc_id = doc.meta.get("doc_id", doc.id)
            passages = chunk_text(doc.content or "", self.max_tokens, self.overlap_tokens, self.count_tokens)
            if self.max_passages is not None and len(passages) > self.max_passages:
                refused[doc_id] = len(passages)
                continue
            for index, passage in enumerate(passages):
                meta = dict(doc.meta, doc_id=doc_id, heading=passage.heading, chunk_index=index)
                out.append(Document(content=passage.text, meta=meta))
        return {"documents": out, "refused": refused}
