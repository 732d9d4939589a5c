"""The sample library as a member meets it: every file loads with the right metadata, and the
member queries of corpus/queries.jsonl find their documents (MRR@10 >= 0.9, every query form).

Loading and metadata are checked on a library embedded by the fake hashing embedder
(tests/fakes.py), in the fast loop; the member queries need the real model and are slow."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from index.evaluate import load_qrels, reciprocal_rank
from ingest.metadata import normalize_type
from settings import Settings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _ingest_corpus(tmp_path_factory, embedder, sotay_home):
    from index.store import Library

    library = Library(Settings(index_dir=tmp_path_factory.mktemp("corpus") / "index", home=sotay_home),
                      embedder=embedder)
    report = library.ingest([CORPUS / "library"])
    return library, report


@pytest.fixture(scope="module")
def corpus_library(tmp_path_factory, embedder, sotay_home):
    return _ingest_corpus(tmp_path_factory, embedder, sotay_home)


@pytest.fixture(scope="module")
def fake_corpus_library(tmp_path_factory, fake_embedder, sotay_home):
    return _ingest_corpus(tmp_path_factory, fake_embedder, sotay_home)


def manifest() -> list[dict]:
    return [json.loads(line) for line in (CORPUS / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def test_every_corpus_file_loads(fake_corpus_library):
    library, report = fake_corpus_library
    assert report.failed == [] and report.exit_code == 0
    assert set(report.added) == {entry["doc_id"] for entry in manifest()}


def test_metadata_matches_the_manifest(fake_corpus_library):
    library, _ = fake_corpus_library
    wrong = []
    for entry in manifest():
        meta = library.get(entry["doc_id"]).meta
        for key in ("type", "number", "date", "issuer"):
            expected = entry.get(key)
            if not expected:
                continue
            got = meta.get(key)
            if key == "type":
                expected = normalize_type(expected)
            if got != expected:
                wrong.append((entry["doc_id"], key, expected, got))
    assert wrong == []


def test_member_queries_find_their_documents(corpus_library):
    library, _ = corpus_library
    queries = [json.loads(line) for line in (CORPUS / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    qrels = load_qrels(CORPUS / "qrels.tsv")
    by_form: dict[str, list[float]] = defaultdict(list)
    misses = []
    for query in queries:
        ranked = [hit.doc_id for hit in library.search(query["text"], top_k=10).results]
        rr = reciprocal_rank(ranked, qrels[query["_id"]])
        by_form[query["form"]].append(rr)
        if rr < 1:
            misses.append((query["text"], sorted(qrels[query["_id"]]), ranked[:3]))
    assert {"accented", "unaccented", "number"} <= set(by_form)
    overall = sum(sum(v) for v in by_form.values()) / len(queries)
    per_form = {form: round(sum(v) / len(v), 3) for form, v in by_form.items()}
    assert overall >= 0.9, (overall, per_form, misses)
    assert min(per_form.values()) >= 0.8, (per_form, misses)
