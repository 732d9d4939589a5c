"""The library at scale: open time, serving memory, hybrid latency, the cost of adding ONE document
and of a merge, and disk, at several library sizes; the layout before segments (whole-library
generations, the code of commit 38707c4) as the baseline for adding a document, in the same run.

    .venv/bin/python bench/bench_scale.py [--sizes 10000,100000] [--queries 100] [--json OUT] [--plot PNG]
        [--baseline-tree /tmp/sotay-baseline]   # a checkout of the commit before segments

Passages are real Vietnamese text: the articles of ../shared/eval/vinewsqa_dev (read, never
copied into the repository) cut into ~120-syllable passages, their term counts counted once and
then copied as many times as the size needs, each copy a document of its own id (the keyword side
costs what real text costs; tokenizing a million passages would take a quarter of an hour). Vectors
are random unit vectors: an exact search costs the same whatever they hold. The library is written
as a grown one would be after merges: segments of at most `SEGMENT_PASSAGES` passages.

Each measurement runs in a fresh process, so its memory is its own:
- open: `Library.generation()`; RSS after it, the model not loaded;
- serve: the model loaded, hybrid searches (half the queries typed without diacritics), p50/p95,
  the p50s of embedding the query alone and of each side alone (dense includes embedding),
  RSS after, and again once the passage model an upload needs is loaded too; then a forced
  merge of every segment in a thread, with searches running beside it (p99 while merging, and
  the merge's seconds), and the searches again over the merged segment;
- add: `Library.ingest` of one 3-line text file, then of five more one by one, merges off (the
  commit alone; the fake embedder of tests/fakes.py embeds it, so the time is what the library
  costs beyond embedding; the median of the five is the figure, the first also builds the
  pipeline), and the process's peak RSS (VmHWM) over opening and adding;
- the same add with the baseline code on the same library in its old layout.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
EVAL = REPO.parent / "shared" / "eval" / "vinewsqa_dev"
SEGMENT_PASSAGES = 50_000
PASSAGE_WORDS = 120
# Documents added one by one after the first add of a process; `add one` is their median.
ADDS = 5
ONE_DOCUMENT = ("Hội nghị Ban Chấp hành Đảng bộ phường Phúc Xá lần thứ 15.\n"
                "Ngày 2/12/2026, Đảng ủy phường họp bàn kế hoạch chuyển đổi số năm 2027.\n"
                "Các chi bộ báo cáo kết quả học tập Nghị quyết Đại hội XIII.\n")


def status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status: VmRSS now, VmHWM its peak (not
    getrusage's ru_maxrss, which Linux carries across fork+exec: bench/bench_ingest.py)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if field == "VmHWM" else 0.0


def rss_mb() -> float:
    return status_mb("VmRSS")


def peak_mb() -> float:
    return status_mb("VmHWM")


# -- building a library of a given size --------------------------------------------------------

def base_rows():
    """(docs, chunks) of the eval corpus, cut into passages."""
    from index.records import Chunk, StoredDocument

    docs, chunks = {}, []
    for line in open(EVAL / "corpus.jsonl", encoding="utf-8"):
        row = json.loads(line)
        doc_id = row["_id"]
        docs[doc_id] = StoredDocument(doc_id, row.get("title", ""), row["text"],
                                      {"type": "news", "title": row.get("title", ""), "visibility": "public"},
                                      content_hash=f"h-{doc_id}")
        words = row["text"].split()
        for start in range(0, len(words), PASSAGE_WORDS):
            chunks.append(Chunk(doc_id, " ".join(words[start:start + PASSAGE_WORDS])))
    return docs, chunks


def build(root: Path, size: int, dim: int = 384) -> dict:
    """Write a library of about `size` passages at `root` in the segment layout."""
    from dataclasses import replace

    from index.generation import chunk_index_text, document_index_text
    from index.keyword import KeywordIndex
    from index.manifest import Manifest, SegmentEntry, switch_current, write_manifest
    from index.records import Chunk
    from index.segment import Segment

    docs, chunks = base_rows()
    doc_ids = sorted(docs)
    by_doc: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        by_doc.setdefault(chunk.doc_id, []).append(i)
    keyword = KeywordIndex.build([chunk_index_text(docs[c.doc_id], c) for c in chunks])
    doc_keyword = KeywordIndex.build([document_index_text(docs[d]) for d in doc_ids])
    rng = np.random.default_rng(size)
    started = time.perf_counter()
    entries, total, copy, number = [], 0, 0, 1
    while total < size:
        seg_docs, seg_chunks, rows, doc_rows = {}, [], [], []
        while len(seg_chunks) < SEGMENT_PASSAGES and total + len(seg_chunks) < size:
            for d_index, doc_id in enumerate(doc_ids):
                new_id = f"{doc_id}~{copy:04d}"
                seg_docs[new_id] = replace(docs[doc_id], doc_id=new_id, content_hash=f"h-{new_id}")
                for i in by_doc.get(doc_id, []):
                    seg_chunks.append(Chunk(new_id, chunks[i].text, chunks[i].heading))
                    rows.append(i)
                doc_rows.append(d_index)
                if len(seg_chunks) >= SEGMENT_PASSAGES or total + len(seg_chunks) >= size:
                    break
            copy += 1
        vectors = rng.standard_normal((len(seg_chunks), dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        # Document rows in the segment's id order (copies sort after their originals' ids).
        ids_in_order = list(seg_docs)
        position = {d: i for i, d in enumerate(ids_in_order)}
        order = [position[d] for d in sorted(ids_in_order)]
        segment = Segment.build(f"seg-{number:06d}", seg_docs, seg_chunks, vectors,
                                KeywordIndex.concatenate([(keyword, rows)]),
                                KeywordIndex.concatenate([(doc_keyword, doc_rows)], order=order))
        segment.save(root / "segments" / segment.name)
        entries.append(SegmentEntry(segment.name))
        total += len(seg_chunks)
        number += 1
    manifest = Manifest("m-000001", tuple(entries), {"model": "test-fake-hashing-384", "precision": "float32",
                                                     "dim": dim, "next_segment": number})
    write_manifest(root, manifest)
    switch_current(root, manifest.name)
    return {"passages": total, "segments": len(entries), "build_s": round(time.perf_counter() - started, 1)}


def to_generation_layout(root: Path, target: Path) -> None:
    """The same library as the code before segments stored it: one generation folder."""
    sys.argv = sys.argv[:1]
    from index.segment import SEGMENT_FILE
    from index.store import Library
    from settings import Settings
    from tests.fakes import FakeEmbedder

    shutil.copytree(root, target)
    library = Library(Settings(index_dir=target, threads=2), embedder=FakeEmbedder(), merges="off")
    library.merge(force=True)
    generation = library.generation()
    (segment,) = generation.segments
    old = target / "generations" / "gen-000001"
    shutil.move(target / "segments" / segment.name, old)
    info = json.loads((old / SEGMENT_FILE).read_text())
    (old / SEGMENT_FILE).unlink()
    (old / "manifest.json").write_text(json.dumps(dict(info, **{
        k: generation.manifest[k] for k in ("model", "precision", "dim")})))
    shutil.rmtree(target / "segments")
    shutil.rmtree(target / "manifests")
    (target / "CURRENT").write_text("gen-000001\n")


# -- measurements, each in its own process ------------------------------------------------------

def measure_open(root: Path) -> dict:
    from index.store import Library
    from settings import Settings

    started = time.perf_counter()
    generation = Library(Settings(index_dir=root)).generation()
    return {"open_s": time.perf_counter() - started, "rss_open_mb": rss_mb(), "documents": len(generation.docs)}


def measure_serve(root: Path, n_queries: int, merge: bool = True) -> dict:
    import threading

    from index.store import Library
    from ingest.vntext import fold
    from settings import Settings

    library = Library(Settings(index_dir=root), merges="off")
    questions = [json.loads(line)["text"] for line in open(EVAL / "queries.jsonl", encoding="utf-8")][:n_queries]
    queries = [fold(q) if i % 2 else q for i, q in enumerate(questions)]
    library.search(queries[0])  # loads the model and the lazy tables
    times = []
    for query in queries:
        started = time.perf_counter()
        library.search(query, top_k=10)
        times.append((time.perf_counter() - started) * 1000)
    # RssAnon: the process's own memory; the rest of RSS is pages of the segments' files that
    # searches read, which the kernel may drop and read again.
    out = {"hybrid_p50_ms": float(np.percentile(times, 50)), "hybrid_p95_ms": float(np.percentile(times, 95)),
           "rss_serving_mb": rss_mb(), "rss_anon_serving_mb": status_mb("RssAnon"),
           "segments_serving": len(library.generation().segments)}
    # The parts of a hybrid search, on the same queries: embedding the query (the same at every
    # size: the machine's own speed that day), and each side searched alone.
    for name, run in (("embed", lambda q: library.embedder.embed_query(q)),
                      ("keyword", lambda q: library.search(q, top_k=10, mode="keyword")),
                      ("dense", lambda q: library.search(q, top_k=10, mode="dense"))):
        part = []
        for query in queries:
            started = time.perf_counter()
            run(query)
            part.append((time.perf_counter() - started) * 1000)
        out[f"{name}_p50_ms"] = float(np.percentile(part, 50))
    # A server also embeds uploads: the passage model (torch) loaded beside the query engines.
    library.embedder.embed_passages(["Đảng ủy phường họp bàn kế hoạch chuyển đổi số năm 2027."])
    out["rss_serving_with_passage_model_mb"] = rss_mb()
    out["rss_anon_serving_with_passage_model_mb"] = status_mb("RssAnon")
    if out["segments_serving"] > 1 and merge:
        merged = {}

        def run_merge():
            started = time.perf_counter()
            library.merge(force=True)
            merged["s"] = time.perf_counter() - started

        thread = threading.Thread(target=run_merge)
        thread.start()
        during = []
        while thread.is_alive():
            for query in queries:
                started = time.perf_counter()
                library.search(query, top_k=10)
                during.append((time.perf_counter() - started) * 1000)
                if not thread.is_alive():
                    break
        thread.join()
        out.update(merge_s=merged.get("s"), searches_during_merge=len(during),
                   p50_during_merge_ms=float(np.percentile(during, 50)) if during else None,
                   p99_during_merge_ms=float(np.percentile(during, 99)) if during else None,
                   rss_after_merge_mb=rss_mb())
        # The same searches over the one merged segment (FAISS's IVF shape above 100,000 rows).
        after = []
        for query in queries:
            started = time.perf_counter()
            library.search(query, top_k=10)
            after.append((time.perf_counter() - started) * 1000)
        out.update(hybrid_p50_after_merge_ms=float(np.percentile(after, 50)),
                   hybrid_p95_after_merge_ms=float(np.percentile(after, 95)),
                   rss_anon_after_merge_mb=status_mb("RssAnon"))
    return out


def measure_add(root: Path, folder: Path) -> dict:
    from index.store import Library
    from settings import Settings
    from tests.fakes import FakeEmbedder

    kwargs = {"merges": "off"} if "merges" in Library.__init__.__code__.co_varnames else {}
    library = Library(Settings(index_dir=root, threads=2), embedder=FakeEmbedder(), **kwargs)
    library.generation()
    rss_open = rss_mb()
    seconds = []
    for i in range(1 + ADDS):
        name = f"van-ban-{i}"
        (folder / f"{name}.txt").write_text(ONE_DOCUMENT.replace("lần thứ 15", f"lần thứ {15 + i}"), encoding="utf-8")
        started = time.perf_counter()
        report = library.ingest([folder / f"{name}.txt"])
        seconds.append(time.perf_counter() - started)
        assert report.added == [name], report.to_json()
    # The first add of a process also imports and builds the indexing pipeline (Haystack, the
    # chunker): what one `sotay ingest` pays; a server pays it once. The rest are each one
    # commit of a server: their median, since one commit's time varies by tens of ms.
    return {"add_one_s": statistics.median(seconds[1:]), "add_first_in_process_s": seconds[0],
            "peak_rss_adding_mb": peak_mb(), "rss_before_add_mb": rss_open}


def child(kind: str, args: list[str], tree: Path = REPO, env: dict | None = None) -> dict:
    """Run one measurement in a fresh interpreter with `tree` first on its path."""
    code = (f"import sys, json; sys.path.insert(0, {str(tree)!r}); sys.path.insert(1, {str(REPO / 'bench')!r}); "
            f"import bench_scale as b; "
            f"print('RESULT', json.dumps(b.measure_{kind}(*b.paths(json.loads({json.dumps(args)!r})))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tree,
                            env=dict(os.environ, **(env or {})))
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"{kind} failed:\n{result.stderr[-3000:]}")


def paths(args: list) -> list:
    return [Path(a) if isinstance(a, str) and a.startswith("/") else a for a in args]


def disk_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20


def plot(rows: list[dict], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["passages"] for r in rows]
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    axes[0].plot(sizes, [r["add_one_s"] for r in rows], "o-", label="segments")
    if all("baseline_add_one_s" in r for r in rows):
        axes[0].plot(sizes, [r["baseline_add_one_s"] for r in rows], "s--", label="whole-library generations")
    axes[0].set(title="add one document (s)", xscale="log", yscale="log")
    axes[1].plot(sizes, [r["peak_rss_adding_mb"] for r in rows], "o-", label="peak while adding")
    if all("baseline_peak_rss_adding_mb" in r for r in rows):
        axes[1].plot(sizes, [r["baseline_peak_rss_adding_mb"] for r in rows], "s--", label="same, generations")
    if all("rss_anon_serving_with_passage_model_mb" in r for r in rows):
        axes[1].plot(sizes, [r["rss_serving_with_passage_model_mb"] for r in rows], "^-",
                     label="serving, models loaded: RSS")
        axes[1].plot(sizes, [r["rss_anon_serving_with_passage_model_mb"] for r in rows], "^:",
                     label="same, its own (RssAnon)")
    axes[1].set(title="memory (MB)", xscale="log", yscale="log")
    axes[2].plot(sizes, [r["hybrid_p50_ms"] for r in rows], "o-", label="hybrid p50")
    axes[2].plot(sizes, [r["hybrid_p95_ms"] for r in rows], "o--", label="hybrid p95")
    if all("embed_p50_ms" in r for r in rows):
        axes[2].plot(sizes, [r["keyword_p50_ms"] for r in rows], "s:", label="keyword alone p50")
        axes[2].plot(sizes, [r["embed_p50_ms"] for r in rows], "v:", label="embedding the query p50")
    axes[2].set(title="search (ms)", xscale="log")
    for axis in axes:
        axis.set_xlabel("passages in the library")
        axis.legend()
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(target, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--baseline-tree", type=Path, help="a checkout of the code before segments")
    # A forced merge of everything holds the merged segment in memory: at 1M passages more than
    # this machine's 24 GB (the kernel killed it at 22.5 GB), so larger libraries skip it.
    parser.add_argument("--merge-max", type=int, default=500_000,
                        help="skip the forced merge for libraries above this many passages")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sotay-bench-scale-"))
    upload = work / "upload"
    upload.mkdir()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        root = work / f"lib-{size}"
        built = build(root, size)
        row = {"size": size, **built}
        row["disk_mb"] = disk_mb(root)
        if args.baseline_tree:
            old_root = work / f"old-{size}"
            to_generation_layout(root, old_root)
            added = child("add", [str(old_root), str(upload)], tree=args.baseline_tree)
            row.update({f"baseline_{k}": v for k, v in added.items()})
            row["baseline_disk_after_add_mb"] = disk_mb(old_root)
            shutil.rmtree(old_root)
        row.update(child("open", [str(root)]))
        row.update(child("add", [str(root), str(upload)]))
        row["disk_after_add_mb"] = disk_mb(root)
        row.update(child("serve", [str(root), args.queries, size <= args.merge_max]))
        row["disk_after_merge_mb"] = disk_mb(root)
        rows.append(row)
        print(json.dumps(row), flush=True)
        shutil.rmtree(root)
    print(f"\n{'passages':>9} {'segs':>4} {'open s':>7} {'RSS open':>9} {'RSS serve':>9} {'+passage model':>14} "
          f"{'p50':>6} {'p95':>6} {'embed':>6} {'kw':>6} {'dense':>6} "
          f"{'add s':>6} {'peak add':>9} {'base add s':>10} {'base peak':>9} {'merge s':>8} {'p99 merging':>11} "
          f"{'disk':>7}")
    nan = float("nan")
    for r in rows:
        print(f"{r['passages']:9} {r['segments']:4} {r['open_s']:7.2f} {r['rss_open_mb']:9.0f} "
              f"{r['rss_serving_mb']:9.0f} {r.get('rss_serving_with_passage_model_mb', nan):14.0f} "
              f"{r['hybrid_p50_ms']:6.1f} {r['hybrid_p95_ms']:6.1f} {r.get('embed_p50_ms', nan):6.1f} "
              f"{r.get('keyword_p50_ms', nan):6.1f} {r.get('dense_p50_ms', nan):6.1f} {r['add_one_s']:6.2f} "
              f"{r['peak_rss_adding_mb']:9.0f} {r.get('baseline_add_one_s', nan):10.2f} "
              f"{r.get('baseline_peak_rss_adding_mb', nan):9.0f} {r.get('merge_s') or nan:8.1f} "
              f"{r.get('p99_during_merge_ms') or nan:11.1f} {r['disk_after_add_mb']:7.0f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
