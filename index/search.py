"""Search: dense and keyword retrieval over chunks, fused, returned as documents.

First version (reciprocal-rank fusion); query understanding and tuned fusion come next.
"""
from __future__ import annotations

import time


from ingest.vntext import normalize_text

from .records import SearchFilters, SearchHit, SearchResponse

RRF_K = 60
CANDIDATES = 200


def _filter_mask(generation, filters: SearchFilters | None):
    if filters is None or filters.is_empty():
        return None
    keep = set()
    for doc_id, doc in generation.docs.items():
        meta = doc.meta
        if filters.type and meta.get("type") != filters.type:
            continue
        year = int(meta["date"][:4]) if meta.get("date", "")[:4].isdigit() else None
        if filters.year_from and (year is None or year < filters.year_from):
            continue
        if filters.year_to and (year is None or year > filters.year_to):
            continue
        if filters.issuer and filters.issuer.lower() not in meta.get("issuer", "").lower():
            continue
        keep.add(doc_id)
    return generation.doc_mask(keep)


def search(generation, embedder, query: str, top_k: int = 10, mode: str = "hybrid",
           filters: SearchFilters | None = None, page: int = 1) -> SearchResponse:
    started = time.perf_counter()
    text = normalize_text(query)
    allowed = _filter_mask(generation, filters)
    scores: dict[int, float] = {}
    if mode in ("hybrid", "keyword"):
        ids, _ = generation.keyword.search(text, CANDIDATES, allowed)
        for rank, cid in enumerate(ids):
            scores[int(cid)] = scores.get(int(cid), 0.0) + 1.0 / (RRF_K + rank + 1)
    if mode in ("hybrid", "dense") and len(generation.chunks):
        ids, _ = generation.vectors.search(embedder.embed_query(text), CANDIDATES, allowed)
        for rank, cid in enumerate(ids):
            scores[int(cid)] = scores.get(int(cid), 0.0) + 1.0 / (RRF_K + rank + 1)
    best: dict[str, tuple[float, int]] = {}
    for cid, score in scores.items():
        doc_id = generation.chunks[cid].doc_id
        if doc_id not in best or score > best[doc_id][0]:
            best[doc_id] = (score, cid)
    ranked = sorted(best.items(), key=lambda item: -item[1][0])
    start = (page - 1) * top_k
    hits = []
    for doc_id, (score, cid) in ranked[start:start + top_k]:
        doc = generation.docs[doc_id]
        hits.append(SearchHit(doc_id, doc.title, float(score), generation.chunks[cid].text[:300],
                              {k: v for k, v in doc.meta.items()}))
    took = (time.perf_counter() - started) * 1000
    return SearchResponse(query, took, hits, total=len(ranked), page=page)
