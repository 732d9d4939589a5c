"""Retrieval quality on a BEIR-layout set, behind `sotay eval`.

Documents are the corpus entries (one `_id` each); a search result list is already one entry per
document, so the metrics are document-level, as the labels are.
"""
from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from ingest.sources import make_doc_id
from ingest.vntext import fold

CUTOFFS = (1, 5, 10, 100)


def load_queries(path: Path) -> dict[str, str]:
    queries = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                queries[str(row["_id"])] = row["text"]
    return queries


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id -> {document id: graded relevance > 0}; the header line is skipped.

    Corpus ids are mapped the way the library maps a JSONL `_id` to a document id, so that
    "Luật Đất đai@5" in the labels is the "Luật-Đất-đai-5" the search returns.
    """
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or not parts[2].strip().lstrip("-").isdigit():
                continue
            if int(parts[2]) > 0:
                qrels.setdefault(parts[0], {})[make_doc_id(parts[1])] = int(parts[2])
    return qrels


def reciprocal_rank(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    for rank, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains, as pytrec_eval (and so BEIR) computes it."""
    dcg = sum(relevant.get(doc_id, 0) / math.log2(rank + 1) for rank, doc_id in enumerate(ranked[:k], start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    return len(set(ranked[:k]) & relevant.keys()) / len(relevant) if relevant else 0.0


def score_run(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean metrics over the queries of `run` (query id -> ranked document ids)."""
    rows = [(ranked, qrels[qid]) for qid, ranked in run.items()]
    n = len(rows) or 1
    metrics = {
        "MRR@10": sum(reciprocal_rank(r, rel) for r, rel in rows) / n,
        "nDCG@10": sum(ndcg(r, rel) for r, rel in rows) / n,
    }
    for k in CUTOFFS:
        metrics[f"Recall@{k}"] = sum(recall(r, rel, k) for r, rel in rows) / n
    return {name: round(value, 4) for name, value in metrics.items()}


def evaluate(corpus_path: Path, queries_path: Path, qrels_path: Path, *, mode: str = "hybrid",
             top_k: int = 100, strip_diacritics: bool = False, index_dir: Path | None = None,
             settings=None, limit: int | None = None, embedder=None) -> dict:
    """Ingest the corpus into a library (temporary, or `index_dir` to reuse), run every labelled
    query through `search`, and return the metrics with per-query latency."""
    from settings import Settings

    from .search import search
    from .store import Library

    settings = settings or Settings()
    queries = load_queries(queries_path)
    qrels = load_qrels(qrels_path)
    ids = [qid for qid in queries if qid in qrels][:limit]

    with tempfile.TemporaryDirectory(prefix="sotay-eval-") as scratch:
        library = Library(settings.with_(index_dir=Path(index_dir or scratch)), embedder=embedder)
        report = library.ingest([Path(corpus_path)])
        if report.failed:
            raise RuntimeError(f"could not ingest {corpus_path}: {report.failed[0]}")
        generation = library.generation()
        model = library.embedder if mode != "keyword" else None
        if model is not None:
            model.embed_query("khởi động")  # load the model outside the timed queries
        run, latencies = {}, []
        for qid in ids:
            text = fold(queries[qid]) if strip_diacritics else queries[qid]
            started = time.perf_counter()
            response = search(generation, model, text, top_k=top_k, mode=mode)
            latencies.append((time.perf_counter() - started) * 1000)
            run[qid] = [hit.doc_id for hit in response.results]
        documents = len(generation.docs)
        chunks = len(generation.chunks)

    result = {"mode": mode, "strip_diacritics": strip_diacritics, "n_queries": len(ids),
              "documents": documents, "chunks": chunks}
    result.update(score_run(run, qrels))
    if latencies:
        result["latency_p50_ms"] = round(float(np.percentile(latencies, 50)), 1)
        result["latency_p95_ms"] = round(float(np.percentile(latencies, 95)), 1)
    return result
