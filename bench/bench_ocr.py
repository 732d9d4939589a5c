"""OCR of scans and phone photos of the sample library's party documents, against their text.

    .venv/bin/python bench/bench_ocr.py [--work /tmp/sotay-bench-ocr] [--docs N] [--no-mrr]
        [--no-photos] [--json out.json]

Every party document of corpus/library/van-ban is typeset on A4 at 200 dpi (tests/scans.py)
and becomes (1) a scan: a PDF of grey page images, skewed ±1.5°, blurred, speckled; and (2)
phone photos: one JPEG a page, with uneven light, tilt, perspective and a paper tint. The text the
pages show is the truth. Both go through the library's real ingest path (`Library.ingest`:
reader worker, OCRmyPDF + Tesseract `vie`, the repairs of ingest/ocr_text.py, running lines
dropped); the bench records what Tesseract returned on the way (a wrapper around
`ingest.sources.recognise`) so that each repair's gain is measured on the same recognition.

Reported, for scans and photos separately: character error rate of the stored text (median,
p90), document numbers read exactly (the number extracted from the OCR'd text against the one
extracted from the clean text), seconds per page (OCR wall time / pages, 2 cores), each repair's
cumulative CER, and MRR@10 of the member queries (corpus/queries.jsonl) over the library with the
party documents as scans against the clean library, in the same run. The library vocabulary the
mark repair uses is the clean library's, less the document being measured (leave-one-out): a
library that already holds the *other* documents, as an editor's library does.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("SOTAY_THREADS", "2")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def clean_documents(library_dir: Path, limit: int | None) -> dict[str, str]:
    """doc_id -> text of the sample library's party documents, as the clean library reads them."""
    from ingest.sources import read_sources

    docs = {}
    for item in read_sources([library_dir]):
        if getattr(item, "doc_id", "").startswith("van-ban/"):
            docs[item.doc_id] = item.text
    ids = sorted(docs)[:limit]
    return {doc_id: docs[doc_id] for doc_id in ids}


class Recorder:
    """Wraps `ingest.sources.recognise` and keeps what Tesseract returned for each file."""

    def __init__(self):
        import ingest.sources as sources

        self.sources = sources
        self.inner = sources.recognise
        self.seen: dict[str, dict] = {}
        self.current = ""
        sources.recognise = self

    def __call__(self, pdf, layers, limits, progress=None):
        started = time.perf_counter()
        result = self.inner(pdf, layers, limits, progress)
        self.seen[self.current] = {"pages": result.pages, "recognised": result.recognised,
                                   "seconds": time.perf_counter() - started}
        return result

    def close(self):
        self.sources.recognise = self.inner


def leave_one_out(generation, doc_id: str):
    """The clean library's document frequencies, less the passages of `doc_id`."""
    from index.generation import chunk_index_text
    from index.keyword import KeywordIndex

    keyword = generation.keyword
    doc = generation.docs.get(doc_id)
    own = KeywordIndex.build([chunk_index_text(doc, c) for c in generation.chunks if c.doc_id == doc_id]
                             if doc is not None else [])

    def vocabulary(term: str) -> int:
        return keyword.document_frequency(term) - own.document_frequency(term)
    return vocabulary


def build_inputs(docs: dict[str, str], work: Path, photos: bool) -> dict[str, dict]:
    """Scans and photos of every document under `work`, with the truth of each."""
    from tests import scans

    made = {}
    for n, (doc_id, text) in enumerate(docs.items()):
        typeset = scans.typeset(text)
        name = doc_id.split("/", 1)[1]
        scan_path = work / "scans" / "van-ban" / f"{name}.pdf"
        scan_path.parent.mkdir(parents=True, exist_ok=True)
        if not scan_path.exists():
            scan_path.write_bytes(scans.image_pdf([scans.scan(p, seed=n * 100 + i)
                                                   for i, p in enumerate(typeset.pages)]))
        entry = {"truth": typeset.truth, "pages": len(typeset.pages), "scan": scan_path, "photos": []}
        if photos:
            for i, page in enumerate(typeset.pages):
                path = work / "photos" / f"{name}-trang-{i + 1}.jpg"
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    path.write_bytes(scans.jpeg(scans.photo(page, seed=n * 100 + i)))
                entry["photos"].append(path)
        made[doc_id] = entry
    return made


def ocr_library(paths: list[Path], index_dir: Path, recorder: Recorder, settings) -> dict[str, str]:
    """Ingest `paths` one by one through the real library; doc_id -> stored text."""
    from index.store import Library
    from tests.fakes import FakeEmbedder

    # The stored text does not depend on the embedder; a fake one keeps this part quick.
    library = Library(settings.with_(index_dir=index_dir), embedder=FakeEmbedder())
    stored = {}
    for path in paths:
        recorder.current = str(path)
        report = library.ingest([path])
        if report.failed:
            print(f"  FAILED {path}: {report.failed[0].reason}", file=sys.stderr)
            continue
        doc_id = (report.added + report.updated + report.unchanged)[0]
        stored[str(path)] = library.generation().docs[doc_id].text
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/sotay-bench-ocr"))
    parser.add_argument("--docs", type=int, default=None, help="only the first N party documents")
    parser.add_argument("--no-mrr", action="store_true")
    parser.add_argument("--no-photos", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the recognition of the last run in --work (to measure repairs only)")
    args = parser.parse_args()

    from index.evaluate import evaluate
    from index.store import Library
    from ingest.metadata import extract_metadata
    from ingest.ocr_text import no_vocabulary, recognised_text, repairs
    from settings import Settings
    from tests.scans import character_error_rate

    settings = Settings()
    library_dir = REPO / "corpus" / "library"
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    docs = clean_documents(library_dir, args.docs)
    inputs = build_inputs(docs, work, photos=not args.no_photos)
    print(f"{len(docs)} party documents, {sum(e['pages'] for e in inputs.values())} pages", file=sys.stderr)

    # The clean library: the vocabulary of the mark repair, and the MRR baseline.
    clean_dir = work / "clean-index"
    if not (clean_dir / "CURRENT").exists():
        Library(settings.with_(index_dir=clean_dir)).ingest([library_dir])
    clean = Library(settings.with_(index_dir=clean_dir)).generation()

    recorder = Recorder()
    results: dict = {"documents": len(docs)}
    try:
        kinds = [("scans", {doc_id: [e["scan"]] for doc_id, e in inputs.items()})]
        if not args.no_photos:
            kinds.append(("photos", {doc_id: e["photos"] for doc_id, e in inputs.items()}))
        for kind, files in kinds:
            index_dir, cache = work / f"{kind}-index", work / f"recognised-{kind}.json"
            if args.reuse and cache.exists():
                saved = json.loads(cache.read_text(encoding="utf-8"))
                stored = saved["stored"]
                recorder.seen.update(saved["seen"])
            else:
                shutil.rmtree(index_dir, ignore_errors=True)
                stored = ocr_library([p for paths in files.values() for p in paths], index_dir, recorder, settings)
                seen = {str(p): recorder.seen[str(p)] for paths in files.values() for p in paths
                        if str(p) in recorder.seen}
                cache.write_text(json.dumps({"stored": stored, "seen": seen}, ensure_ascii=False), encoding="utf-8")
            cers, exact, numbered, seconds, pages = [], 0, 0, 0.0, 0
            steps_names = ["none"] + [s.__name__ for s in repairs()] + ["marks+library"]
            by_step: dict[str, list[float]] = {name: [] for name in steps_names}
            for doc_id, paths in files.items():
                truth = inputs[doc_id]["truth"]
                if not all(str(p) in stored for p in paths):
                    continue
                text = "\n".join(stored[str(p)] for p in paths)
                # The stored text was repaired with the OCR library's own (growing) vocabulary;
                # the figures below are recomputed with the clean library's, leave-one-out.
                vocabulary = leave_one_out(clean, doc_id)
                seen = [recorder.seen[str(p)] for p in paths]
                seconds += sum(s["seconds"] for s in seen)
                pages += sum(len(s["recognised"]) for s in seen)
                chain = repairs(no_vocabulary)
                for k, name in enumerate(steps_names):
                    steps = chain[:k] if name != "marks+library" else repairs(vocabulary)
                    joined = "\n".join(recognised_text(s["pages"], s["recognised"], vocabulary, steps) for s in seen)
                    by_step[name].append(character_error_rate(joined, truth))
                cers.append(by_step["marks+library"][-1])
                expected = extract_metadata(docs[doc_id]).get("number")
                if expected:
                    numbered += 1
                    found = extract_metadata(text).get("number")
                    exact += found == expected
                    if found != expected:
                        print(f"  number {doc_id}: {found!r} for {expected!r}", file=sys.stderr)
            results[kind] = {
                "files": sum(len(p) for p in files.values()), "pages": pages,
                "cer_median": statistics.median(cers), "cer_p90": percentile(cers, 0.9),
                "numbers_exact": exact / max(1, numbered), "numbers": numbered,
                "seconds_per_page": seconds / max(1, pages),
                "repairs": {name: {"median": statistics.median(v), "mean": statistics.fmean(v)}
                            for name, v in by_step.items()},
                "stored_cer_median": statistics.median(
                    character_error_rate("\n".join(stored[str(p)] for p in paths), inputs[d]["truth"])
                    for d, paths in files.items() if all(str(p) in stored for p in paths)),
            }
            print(json.dumps({kind: results[kind]}, ensure_ascii=False, indent=1), file=sys.stderr)
    finally:
        recorder.close()

    if not args.no_mrr:
        # The same sample library with the party documents as scans: the news as they are, the
        # scans under van-ban/ with the same names, so the labelled ids match.
        mixed = work / "library-scans"
        shutil.rmtree(mixed, ignore_errors=True)
        shutil.copytree(library_dir / "tin-tuc", mixed / "tin-tuc")
        shutil.copytree(work / "scans" / "van-ban", mixed / "van-ban")
        queries, qrels = REPO / "corpus" / "queries.jsonl", REPO / "corpus" / "qrels.tsv"
        base = evaluate(library_dir, queries, qrels, index_dir=work / "mrr-clean", settings=settings)
        ocr = evaluate(mixed, queries, qrels, index_dir=work / "mrr-scans", settings=settings)
        results["mrr"] = {"clean": base["MRR@10"], "scans": ocr["MRR@10"], "ratio": ocr["MRR@10"] / base["MRR@10"],
                          "queries": base["n_queries"]}
        for path in (work / "mrr-clean", work / "mrr-scans"):
            shutil.rmtree(path, ignore_errors=True)
    print(json.dumps(results, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
