"""Ingest throughput against the raw embedding rate, and peak memory of ingest and of a loaded index.

    .venv/bin/python bench/bench_ingest.py [--corpus ../shared/eval/vinewsqa_dev/corpus.jsonl] [--docs N]
    .venv/bin/python bench/bench_ingest.py --loaded-index DIR   # only the peak of a loaded index

The same chunks are embedded twice in one process: once by `Library.ingest` (reading, cleaning,
metadata, chunking, embedding, building FAISS + BM25, the atomic commit) and once by a bare
`model.encode` call. The ratio of the two rates is the pipeline's overhead. Peak memory (max RSS)
of the ingest is this process's own high-water mark right after the ingest (model included); that
of a loaded index is measured in a fresh child process that only opens the index and answers a
query.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEFAULT_CORPUS = REPO.parent / "shared" / "eval" / "vinewsqa_dev" / "corpus.jsonl"


def _max_rss_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork+exec, so a child
    # started by this 2 GB process would report at least 2 GB whatever it used itself.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loaded_index_peak(index: Path) -> float:
    """Max RSS of a fresh process that opens the index and answers one hybrid query."""
    out = subprocess.run([sys.executable, __file__, "--loaded-index", str(index)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1].split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--docs", type=int, default=0, help="only the first N documents")
    parser.add_argument("--loaded-index", type=Path, help="only open this index, answer a query, print the peak")
    args = parser.parse_args()
    if args.loaded_index:
        from index.store import Library
        from settings import Settings

        Library(Settings(index_dir=args.loaded_index)).search("chuyển đổi số trong công tác đảng", top_k=10)
        print(f"peak memory, loaded index + query (MB) {_max_rss_mb():.0f}")
        return

    from index.generation import chunk_index_text
    from index.store import Library
    from settings import Settings

    settings = Settings()
    work = Path(tempfile.mkdtemp(prefix="sotay-bench-"))
    corpus = work / "corpus.jsonl"
    lines = args.corpus.read_text(encoding="utf-8").splitlines()
    corpus.write_text("\n".join(lines[: args.docs] if args.docs else lines) + "\n", encoding="utf-8")

    library = Library(settings.with_(index_dir=work / "index"))
    embedder = library.embedder
    embedder.embed_passages(["khởi động mô hình"] * 8)  # load and warm up before timing anything

    started = time.perf_counter()
    report = library.ingest([corpus])
    ingest_s = time.perf_counter() - started
    ingest_peak = _max_rss_mb()
    generation = library.generation()
    texts = [chunk_index_text(generation.docs[c.doc_id], c) for c in generation.chunks]

    started = time.perf_counter()
    with embedder.arithmetic():  # the library's own path (SOTAY_EMBED_PRECISION), bfloat16 weights and all
        embedder.model.encode(texts, prompt_name="passage", batch_size=64, normalize_embeddings=True,
                              show_progress_bar=False)
    encode_s = time.perf_counter() - started

    pipeline_rate = len(texts) / ingest_s
    raw_rate = len(texts) / encode_s
    index_peak = loaded_index_peak(work / "index")
    print(f"corpus: {args.corpus} ({len(report.added)} documents, {len(texts)} chunks), "
          f"threads={settings.threads}")
    print(f"{'measure':44} {'value':>12}")
    print(f"{'ingest pipeline (chunks/s)':44} {pipeline_rate:12.1f}")
    print(f"{'raw model.encode, same chunks (chunks/s)':44} {raw_rate:12.1f}")
    print(f"{'ratio pipeline / raw (target >= 0.85)':44} {pipeline_rate / raw_rate:12.3f}")
    print(f"{'peak memory, ingest process (MB)':44} {ingest_peak:12.0f}")
    print(f"{'peak memory, loaded index + query (MB)':44} {index_peak:12.0f}")


if __name__ == "__main__":
    main()
