"""Search: keyword and dense retrieval over chunks, fused, returned as documents.

A query is first understood (index/query.py): diacritics restored from the corpus when typed
without them, abbreviations and numerals normalized, document numbers recognized. The keyword
side scores every chunk and every whole document (cheap: a few sparse columns); the dense side
fetches the nearest chunks. Each document takes its best chunk on each side (the keyword side
mixed with the whole document's score), the two are fused (index/fusion.py), and a document whose
number the query names is put first.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ingest.vntext import fold

from . import fusion
from .access import ANONYMOUS, Scope
from .highlight import matcher, snippet
from .query import AnalyzedQuery, analyze
from .records import SearchFilters, SearchHit, SearchResponse

MODES = ("hybrid", "dense", "keyword")
# Dense chunk candidates per query; documents ranked below the first few dozen rarely surface
# after fusion, and an exact search over 10,000 chunks costs the same for 50 or 500.
DENSE_CANDIDATES = 300
# Added to the fused score (at most 1) of documents whose number the query names: a query that is
# only a number puts its document first; in a longer query the number is strong evidence.
NUMBER_FIRST = 10.0
NUMBER_BONUS = 0.5


@dataclass
class Evidence:
    """Per document (index = position in `generation.doc_id_list`): the score on each side and
    the chunk that earned it; NaN / -1 where that side did not retrieve the document. The keyword
    score mixes the best chunk's BM25 with the whole document's (fusion.keyword_evidence)."""

    keyword: np.ndarray
    keyword_chunk: np.ndarray
    dense: np.ndarray
    dense_chunk: np.ndarray


def gather(generation, embedder, analyzed: AnalyzedQuery, mode: str, allowed: np.ndarray | None,
           dense_candidates: int = DENSE_CANDIDATES) -> Evidence:
    n_docs = len(generation.doc_id_list)
    doc_of = generation.chunk_doc_index
    evidence = Evidence(np.full(n_docs, np.nan, np.float32), np.full(n_docs, -1, np.int64),
                        np.full(n_docs, np.nan, np.float32), np.full(n_docs, -1, np.int64))
    if mode != "dense":
        weights = analyzed.term_weights()
        scores = generation.keyword.scores(weights)
        if allowed is not None:
            scores = np.where(allowed, scores, 0)
        passage = np.full(n_docs, np.nan, np.float32)
        runs = generation.chunk_runs
        if runs is not None:
            _best_per_run(scores, runs, doc_of, passage, evidence.keyword_chunk)
        else:
            _best_per_doc(np.flatnonzero(scores > 0), scores, doc_of, passage, evidence.keyword_chunk)
        whole = generation.doc_keyword.scores(weights)
        if allowed is not None:
            whole = np.where(_doc_allowed(generation, allowed), whole, 0)
        evidence.keyword = fusion.keyword_evidence(passage, np.where(whole > 0, whole, np.nan))
    if mode != "keyword":
        ids, scores = generation.vectors.search(embedder.embed_query(analyzed.dense_text), dense_candidates, allowed)
        full = np.zeros(len(generation.chunks), np.float32)
        full[ids] = scores
        _best_per_doc(np.asarray(ids, np.int64), full, doc_of, evidence.dense, evidence.dense_chunk)
    return evidence


def combine(evidence: Evidence, analyzed: AnalyzedQuery, mode: str,
            params: fusion.FusionParams = fusion.PARAMS) -> np.ndarray:
    """One score per document (NaN: not a result) from the evidence of the query's mode."""
    if mode == "keyword":
        return evidence.keyword.copy()
    if mode == "dense":
        return evidence.dense.copy()
    weight = params.keyword_weight if analyzed.accented else params.keyword_weight_unaccented
    return fusion.fuse(evidence.keyword, evidence.dense, weight)


def search(generation, embedder, query: str, top_k: int = 10, mode: str = "hybrid",
           filters: SearchFilters | None = None, page: int = 1, scope: Scope = ANONYMOUS) -> SearchResponse:
    """One page of documents `scope` may see, best first. What it may not see is masked out before
    any side ranks or cuts, so it fills no result slot, no total and no snippet."""
    started = time.perf_counter()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    top_k, page = max(1, int(top_k)), max(1, int(page))
    analyzed = analyze(query, generation.keyword)
    if not len(generation.chunks) or not analyzed.syllables:
        return SearchResponse(query, _ms(started), [], total=0, page=page)
    allowed = _both(filter_mask(generation, filters), generation.visible_chunks(scope))
    evidence = gather(generation, embedder, analyzed, mode, allowed,
                      max(DENSE_CANDIDATES, 3 * page * top_k))
    fused = combine(evidence, analyzed, mode)

    if analyzed.numbers:
        named = generation.docs_numbered(analyzed.numbers)
        if allowed is not None:
            named &= _doc_allowed(generation, allowed)
        bonus = NUMBER_FIRST if analyzed.number_only else NUMBER_BONUS
        fused[named] = np.nan_to_num(fused[named], nan=0.0) + bonus

    candidates = np.flatnonzero(~np.isnan(fused))
    order = candidates[np.argsort(-fused[candidates], kind="stable")]
    start = (page - 1) * top_k
    pattern = matcher(analyzed.highlight_terms())
    hits = []
    for d in order[start:start + top_k]:
        doc_id = generation.doc_id_list[d]
        doc = generation.heads[doc_id]
        # The keyword side's best chunk holds the words to mark; the dense side's is the fallback.
        chunk_id = evidence.keyword_chunk[d] if evidence.keyword_chunk[d] >= 0 else evidence.dense_chunk[d]
        passage = generation.chunks[chunk_id].text if chunk_id >= 0 else generation.docs[doc_id].text
        text, spans = snippet(passage, pattern)
        hits.append(SearchHit(doc_id, doc.title, round(float(fused[d]), 6), text, dict(doc.meta), spans))
    return SearchResponse(query, _ms(started), hits, total=len(order), page=page)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _best_per_doc(chunk_ids: np.ndarray, scores: np.ndarray, doc_of: np.ndarray,
                  doc_scores: np.ndarray, doc_chunk: np.ndarray) -> None:
    """For each document with a candidate chunk: its best chunk's score and id (of equal scores,
    the lowest id), in place.

    In one pass, no sort: a frequent word puts most of a large library's chunks among the
    candidates, and sorting 300,000 of them cost 46 ms a search (docs/benchmarks.md).
    """
    if not len(chunk_ids):
        return
    chunk_ids = np.asarray(chunk_ids, np.int64)
    docs = doc_of[chunk_ids]
    values = scores[chunk_ids].astype(np.float32)
    best = np.full(len(doc_scores), -np.inf, np.float32)
    np.maximum.at(best, docs, values)
    winners = values == best[docs]
    none = np.iinfo(np.int64).max
    first = np.full(len(doc_scores), none, np.int64)
    np.minimum.at(first, docs[winners], chunk_ids[winners])
    found = first != none
    doc_scores[found] = best[found]
    doc_chunk[found] = first[found]


def _best_per_run(scores: np.ndarray, runs: tuple[np.ndarray, np.ndarray], doc_of: np.ndarray,
                  doc_scores: np.ndarray, doc_chunk: np.ndarray) -> None:
    """`_best_per_doc` of every chunk scoring above 0, when each document's chunks are one run of
    rows (`Generation.chunk_runs`): a maximum over each run, then each run's first row holding it.
    At a million passages, most of which hold some word of a query, it costs less than the
    scattered maximum (docs/benchmarks.md)."""
    starts, run_of = runs
    best = np.maximum.reduceat(scores, starts)
    winners = np.flatnonzero((scores == best[run_of]) & (scores > 0))
    if not len(winners):
        return
    run = run_of[winners]
    first = np.concatenate([[True], run[1:] != run[:-1]])
    winners, run = winners[first], run[first]
    docs = doc_of[starts[run]]
    doc_scores[docs] = best[run]
    doc_chunk[docs] = winners


def filter_mask(generation, filters: SearchFilters | None) -> np.ndarray | None:
    """Boolean mask over chunk ids of the documents the filters keep (None: no filter)."""
    if filters is None or filters.is_empty():
        return None
    wanted_type = fold(filters.type).lower() if filters.type else None
    issuer = fold(filters.issuer).lower().strip() if filters.issuer else None

    def keep(doc) -> bool:
        meta = doc.meta
        if wanted_type and fold(str(meta.get("type", ""))).lower() != wanted_type:
            return False
        date = str(meta.get("date", ""))
        year = int(date[:4]) if date[:4].isdigit() else None
        if filters.year_from is not None and (year is None or year < filters.year_from):
            return False
        if filters.year_to is not None and (year is None or year > filters.year_to):
            return False
        return not (issuer and issuer not in fold(str(meta.get("issuer", ""))).lower())

    return generation.doc_mask_where(keep)


def _both(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None or b is None:
        return b if a is None else a
    return a & b


def _doc_allowed(generation, allowed: np.ndarray) -> np.ndarray:
    out = np.zeros(len(generation.doc_id_list), dtype=bool)
    out[generation.chunk_doc_index[allowed]] = True
    return out
