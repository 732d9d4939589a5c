"""The dense index alone: memory after load and after searches, single-query latency on one thread,
and recall@10 against exact float32 search, for the old float32 flat index read into the heap and
for what index/vectors.py builds now (float16 codes, memory-mapped), flat and IVF.

    flock -x /tmp/sotay-cpu.lock .venv/bin/python bench/bench_vectors.py [--sizes 100000,1000000]
        [--dim 384] [--queries 100] [--nprobe 250,500,1000] [--vectors P.npy --query-vectors Q.npy]
        [--work /tmp/sotay-bench-vectors] [--json OUT]

Vectors are random unit vectors unless `--vectors` names a float matrix (e.g. e5 passage vectors
embedded from ../shared/eval, kept outside the repository) with `--query-vectors` its queries.
Random vectors cost the same to search as real ones but are the worst case for IVF recall: they
have no clusters, so IVF finds about the fraction of true neighbours that its probed cells hold.

Each measurement loads the index in a fresh process, so the RSS figures are its own: VmRSS, and
its RssAnon (heap) and RssFile (mapped file pages, which the kernel may drop) parts, right after
load and after the searches; `base` is the same process before loading.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def status_mb() -> dict[str, float]:
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = round(int(value.split()[0]) / 1024, 1)
    return fields


def child(directory: Path, queries_file: Path, truth_file: Path, old_way: bool, nprobes: list[int]) -> None:
    import faiss

    from index.vectors import INDEX_FILE, MATRIX_FILE, VectorIndex

    queries = np.load(queries_file)
    truth = np.load(truth_file)  # exact float32 top-10 ids then their scores
    truth_ids, truth_scores = truth[:, :10].astype(np.int64), truth[:, 10:]
    base = status_mb()
    start = time.perf_counter()
    if old_way:  # what VectorIndex.load did before: the whole index read into the heap
        index = VectorIndex(np.load(directory / MATRIX_FILE, mmap_mode="r"),
                            faiss.read_index(str(directory / INDEX_FILE)))
    else:
        index = VectorIndex.load(directory)
    load_s = time.perf_counter() - start
    loaded = status_mb()
    runs = []
    for nprobe in nprobes or [0]:
        if nprobe and isinstance(index.index, faiss.IndexIVF):
            index.index.nprobe = nprobe
        times, recalls, errors = [], [], []
        for query, ids_true, scores_true in zip(queries, truth_ids, truth_scores, strict=True):
            start = time.perf_counter()
            ids, scores = index.search(query, 10)
            times.append(time.perf_counter() - start)
            recalls.append(len(set(ids.tolist()) & set(ids_true.tolist())) / 10)
            errors.append(float(np.abs(scores[:1] - scores_true[:1]).max()))
        runs.append({"nprobe": int(getattr(index.index, "nprobe", 0)),
                     "p50_ms": round(1000 * float(np.median(times[10:] or times)), 2),
                     "p95_ms": round(1000 * float(np.percentile(times[10:] or times, 95)), 2),
                     "recall_at_10": round(float(np.mean(recalls)), 3),
                     "top1_score_error_max": round(max(errors), 5),
                     "rss_after_searches": status_mb()})
    print(json.dumps({"index": type(index.index).__name__, "load_s": round(load_s, 3), "base": base,
                      "after_load": loaded, "runs": runs}))


def unit_rows(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, 100_000):
        block = rng.standard_normal((min(100_000, n - start), dim), dtype=np.float32)
        out[start:start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def exact_top10(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    scores = queries @ vectors.T
    ids = np.argsort(-scores, axis=1)[:, :10]
    return np.hstack([ids.astype(np.float32), np.take_along_axis(scores, ids, axis=1)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--nprobe", default="", help="IVF probes to measure besides the built default")
    parser.add_argument("--vectors", type=Path)
    parser.add_argument("--query-vectors", type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sotay-bench-vectors"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--old-way", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    nprobes = [int(p) for p in args.nprobe.split(",") if p]
    if args.child:
        child(*args.child, args.old_way, nprobes)
        return

    import faiss

    from index.vectors import INDEX_FILE, MATRIX_FILE, VectorIndex

    faiss.omp_set_num_threads(2)  # building only; every search runs in a child on one thread
    if args.vectors:
        real = np.load(args.vectors).astype(np.float32)
        real_queries = np.load(args.query_vectors).astype(np.float32)[:args.queries]
        sizes = [len(real)]
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    for n in sizes:
        if args.vectors:
            vectors, queries = real, real_queries
        else:
            vectors, queries = unit_rows(n, args.dim, seed=0), unit_rows(args.queries, args.dim, seed=1)
        work = args.work / str(n)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        np.save(work / "queries.npy", queries)
        np.save(work / "truth.npy", exact_top10(vectors, queries))
        variants = {}
        old = work / "float32-flat"
        old.mkdir()
        flat32 = faiss.IndexFlatIP(vectors.shape[1])
        flat32.add(vectors)
        np.save(old / MATRIX_FILE, vectors)
        faiss.write_index(flat32, str(old / INDEX_FILE))
        del flat32
        variants["float32 IndexFlatIP, read into the heap (before)"] = (old, True, [])
        variants["float32 IndexFlatIP, old file mapped by the new load"] = (old, False, [])
        for shape, threshold in (("flat", n + 1), ("ivf", 1)):
            folder = work / f"float16-{shape}"
            folder.mkdir()
            start = time.perf_counter()
            VectorIndex.build(vectors, ivf_threshold=threshold).save(folder)
            build_s = round(time.perf_counter() - start, 1)
            variants[f"float16 {shape} (new), built in {build_s} s"] = (
                folder, False, ([0] + nprobes) if shape == "ivf" else [])
        for name, (folder, old_way, probes) in variants.items():
            command = [sys.executable, __file__, "--child", str(folder), str(work / "queries.npy"),
                       str(work / "truth.npy")]
            if old_way:
                command.append("--old-way")
            if probes:
                command += ["--nprobe", ",".join(str(p) for p in probes)]
            env = dict(os.environ, OMP_NUM_THREADS="1")
            report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True,
                                               env=env).stdout.splitlines()[-1])
            disk = sum(f.stat().st_size for f in folder.iterdir())
            report.update(rows=n, variant=name, disk_mb=round(disk / 2**20, 1))
            print(json.dumps(report, ensure_ascii=False), flush=True)
            results.append(report)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
