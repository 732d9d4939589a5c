"""The sample library in corpus/: complete, rebuildable byte for byte, readable Vietnamese."""

import collections
import csv
import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
LIBRARY = CORPUS / "library"
TEXT_SUFFIXES = {".txt", ".md", ".html", ".json", ".jsonl", ".tsv", ".yaml"}


def _load_build():
    spec = importlib.util.spec_from_file_location("corpus_build", CORPUS / "build.py")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is being built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build()


def _jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def manifest():
    return _jsonl(CORPUS / "manifest.jsonl")


@pytest.fixture(scope="module")
def sources():
    docs, news = build.load_sources()
    return {s.doc_id: s for s in docs + news}


def _squash(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _digest(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_manifest_entry_exists(manifest):
    bundle_ids = {line["_id"] for line in _jsonl(LIBRARY / build.NEWS_BUNDLE)}
    ids = [e["doc_id"] for e in manifest]
    assert len(ids) == len(set(ids))
    for entry in manifest:
        assert (LIBRARY / entry["path"]).is_file(), entry["path"]
        if entry["format"] == "jsonl":
            assert entry["doc_id"] in bundle_ids
        else:
            assert entry["path"] == f"{entry['doc_id']}.{entry['format']}"
        if "sidecar" in entry:
            sidecar = json.loads((LIBRARY / entry["sidecar"]).read_text(encoding="utf-8"))
            assert sidecar["type"] == "news" and sidecar["date"] == entry["date"]
            assert sidecar["source"] == entry["source"]


def test_every_rendered_file_is_in_the_manifest(manifest):
    listed = {e["path"] for e in manifest} | {e["sidecar"] for e in manifest if "sidecar" in e}
    on_disk = {str(p.relative_to(LIBRARY)) for p in LIBRARY.rglob("*") if p.is_file()}
    assert on_disk == listed


def test_manifest_metadata_is_well_formed(manifest):
    for e in manifest:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", e["date"])
        assert "2019-01-01" <= e["date"] <= "2026-12-31"
        if e["type"] == "news":
            assert e["source"] and e["author"] and e["number"] is None
        else:
            assert e["type"] in build.KINDS and e["issuer"]
            assert build.NUMBER_RE.match(e["number"]), e["number"]


def test_counts_formats_and_forms(manifest):
    types = collections.Counter("news" if e["type"] == "news" else "doc" for e in manifest)
    assert types["doc"] >= 40 and types["news"] >= 40
    formats = collections.Counter(e["format"] for e in manifest)
    for fmt in ("pdf", "docx", "txt", "md", "html", "jsonl"):
        assert formats[fmt] >= 1, fmt
    assert len({e["type"] for e in manifest if e["type"] != "news"}) == len(build.KINDS)
    queries = _jsonl(CORPUS / "queries.jsonl")
    assert len(queries) >= 80
    forms = collections.Counter(q["form"] for q in queries)
    assert set(forms) == set(build.FORMS)
    assert min(forms.values()) >= 10, forms


def test_qrels_point_into_the_manifest(manifest):
    ids = {e["doc_id"] for e in manifest}
    query_ids = {q["_id"] for q in _jsonl(CORPUS / "queries.jsonl")}
    with open(CORPUS / "qrels.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows[0] == ["query-id", "corpus-id", "score"]
    judged = set()
    for qid, doc_id, score in rows[1:]:
        assert qid in query_ids and doc_id in ids and int(score) > 0
        judged.add(qid)
    assert judged == query_ids


def test_build_is_byte_identical(tmp_path):
    # A subprocess so the check covers the command a maintainer runs, not just the function.
    subprocess.run([sys.executable, str(CORPUS / "build.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    fresh = _digest(tmp_path)
    committed = {name: digest for name, digest in _digest(CORPUS).items() if name in fresh}
    assert set(fresh) <= set(_digest(CORPUS))
    assert fresh == committed


def test_pdfs_carry_the_vietnamese_text(manifest, sources):
    from pypdf import PdfReader

    pdfs = [e for e in manifest if e["format"] == "pdf"]
    assert sum(1 for e in pdfs if len(PdfReader(LIBRARY / e["path"]).pages) >= 3) >= 3
    for entry in pdfs:
        src = sources[entry["doc_id"]]
        pages = PdfReader(LIBRARY / entry["path"]).pages
        header = build.running_header(src)
        body = []
        for number, page in enumerate(pages, 1):
            lines = page.extract_text().splitlines()
            # The running header and the page number are on every page, as the ingest expects.
            assert lines[0] == header and lines[-1] == f"Trang {number}/{len(pages)}"
            body += lines[1:-1]
        text = "\n".join(body)
        assert unicodedata.is_normalized("NFC", text)
        assert _squash(text) == _squash(build.doc_plain(src)), entry["path"]


def test_docx_text_includes_header_tables(manifest, sources):
    from docx import Document

    for entry in (e for e in manifest if e["format"] == "docx"):
        doc = Document(LIBRARY / entry["path"])
        cells = [p.text for t in doc.tables for cell in t.rows[0].cells for p in cell.paragraphs]
        assert f"Số {entry['number']}" in cells and "ĐẢNG CỘNG SẢN VIỆT NAM" in cells
        body = " ".join(p.text for p in doc.paragraphs)
        assert unicodedata.is_normalized("NFC", body + " ".join(cells))
        src = sources[entry["doc_id"]]
        assert _squash(src.blocks[-1][1]) in _squash(body)


def test_text_documents_open_with_their_header(manifest):
    for entry in (e for e in manifest if e["format"] in ("txt", "md") and e["type"] != "news"):
        text = (LIBRARY / entry["path"]).read_text(encoding="utf-8")
        assert text.startswith("ĐẢNG CỘNG SẢN VIỆT NAM")
        assert f"Số {entry['number']}" in text


def test_html_news_has_article_and_boilerplate(manifest):
    for entry in (e for e in manifest if e["format"] == "html"):
        page = (LIBRARY / entry["path"]).read_text(encoding="utf-8")
        assert page.count("<article") == 1 and "<nav" in page and "<footer" in page
        assert "Tin liên quan" in page


def test_all_text_is_nfc():
    for path in CORPUS.rglob("*"):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            assert unicodedata.is_normalized("NFC", text), path
