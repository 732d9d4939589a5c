"""The indexing pipeline, as Haystack components wired by name:

    metadata (type, number, date, issuer, title) -> chunker (Vietnamese, structure-aware)
    -> embedder (e5 passages)

Reading files happens before (ingest.sources: it must report failures per file, which a
pipeline of lists cannot), and the commit after (index.store: it must be atomic).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from haystack import Document, Pipeline, component

from ingest.components import MetadataExtractor, VietnameseChunker
from ingest.metadata import first_line_title

from .embedder import Embedder
from .generation import index_text
from .records import Chunk, StoredDocument


@component
class PassageEmbedder:
    """Embeds chunk Documents with the library's shared model (see embedder.py for why shared).

    All the passages of a run go to the embedder in one call, which sorts them by length before
    batching; batches of 64 in document order padded every passage to the longest of its batch.
    """

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.progress = None

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]):
        texts = [_chunk_text_of(doc) for doc in documents]
        progress = self.progress
        vectors = self.embedder.embed_passages(
            texts, progress=(lambda done, total: progress(done, total, "embedding")) if progress else None)
        embedded = [replace(doc, embedding=vector.tolist()) for doc, vector in zip(documents, vectors, strict=True)]
        return {"documents": embedded}


def _chunk_text_of(doc: Document) -> str:
    return index_text(doc.meta.get("title", ""), doc.meta.get("heading", ""), doc.content or "")


# Passages of about three sentences. e5-small matches a question to the one or two sentences that
# answer it far better when the passage is short than when they are lost in a 400-token chunk,
# and keyword scores over short passages, beside the whole-document score (index/fusion.py), gain
# too. Sentences are never split across passages, so no overlap is needed (docs/quality.md).
PASSAGE_TOKENS = 128
PASSAGE_OVERLAP = 0


class IndexingPipeline:
    def __init__(self, embedder: Embedder, max_tokens: int = PASSAGE_TOKENS,
                 overlap_tokens: int = PASSAGE_OVERLAP, max_passages: int | None = None):
        self.embedder_component = PassageEmbedder(embedder)
        # Documents the chunker refused in the last run (more than `max_passages`): id -> passages.
        self.refused: dict[str, int] = {}
        self.pipeline = Pipeline()
        self.pipeline.add_component("metadata", MetadataExtractor())
        self.pipeline.add_component("chunker", VietnameseChunker(
            max_tokens=max_tokens, overlap_tokens=overlap_tokens, count_tokens=embedder.count_tokens,
            max_passages=max_passages))
        self.pipeline.add_component("embedder", self.embedder_component)
        self.pipeline.connect("metadata.documents", "chunker.documents")
        self.pipeline.connect("chunker.documents", "embedder.documents")

    def run(self, docs: list[StoredDocument], progress=None):
        """Fill in the documents' metadata; return them with their chunks and chunk vectors, less
        those the chunker refused (listed in `self.refused`)."""
        self.embedder_component.progress = progress
        sources = [Document(content=d.text, meta=dict(d.meta, doc_id=d.doc_id)) for d in docs]
        result = self.pipeline.run({"metadata": {"documents": sources}}, include_outputs_from={"metadata"})
        by_id = {d.meta["doc_id"]: d for d in result["metadata"]["documents"]}
        self.refused = dict(result.get("chunker", {}).get("refused", {}))
        docs = [doc for doc in docs if doc.doc_id not in self.refused]
        for doc in docs:
            meta = {k: v for k, v in by_id[doc.doc_id].meta.items() if k != "doc_id" and v not in (None, "")}
            doc.meta = meta
            doc.title = meta.get("title") or first_line_title(doc.text) or doc.doc_id.rsplit("/", 1)[-1]
        chunk_docs = result["embedder"]["documents"]
        chunks = [Chunk(c.meta["doc_id"], c.content or "", c.meta.get("heading", "")) for c in chunk_docs]
        dim = self.embedder_component.embedder.dim
        vectors = (np.array([c.embedding for c in chunk_docs], dtype=np.float32)
                   if chunk_docs else np.zeros((0, dim), np.float32))
        return docs, chunks, vectors
