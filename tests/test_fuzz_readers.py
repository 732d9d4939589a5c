"""Fuzzing every reader with damaged copies of the sample library (issue 15, item 5).

Seeds: files of every format `sotay ingest` reads, taken from corpus/library (PDF, DOCX, HTML,
TXT, MD, JSONL), and zips of them. Each seed is damaged in fixed, seeded ways (truncated, bits
flipped, bytes overwritten, inserted, deleted, repeated, spliced from another file, under the
wrong suffix) and the result goes through the readers as an upload does, in the reader worker
with a deadline and a memory bound, and each document read goes on through what an ingest does
with its text. Nothing may come out but documents and reported failures (IngestFailure): no
exception, no hang, no reader killed for its memory, no "failed unexpectedly".

Deterministic (one seed) and fast: one worker serves every case.
"""
from __future__ import annotations

import io
import random
import time
import zipfile
from dataclasses import replace
from pathlib import Path

from ingest.errors import IngestFailure
from ingest.limits import Limits
from ingest.sources import IMAGE_SUFFIXES, SUPPORTED, UNEXPECTED, SourceDocument, read_uploads

REPO = Path(__file__).resolve().parent.parent
LIBRARY = REPO / "corpus" / "library"
# The old office formats, which the sample library does not hold: a short news article written
# by LibreOffice as .doc, .rtf and .odt (tests/test_office_formats.py's NEWS, six paragraphs).
OFFICE = REPO / "tests" / "office_samples"
SEED = 15
SEEDS_PER_FORMAT = 1
# A format with no file in corpus/library takes the bytes of one that has them.
SAME_BYTES_AS = {".htm": ".html"}
LIMITS = Limits(reader_seconds=10, reader_memory_mb=1024, max_text_chars=400_000)
# What a reader that misbehaved says; a fuzz case must never make one say it.
MISBEHAVED = (UNEXPECTED, "took longer than", "needed more than", "reader stopped")


def seeds() -> dict[str, bytes]:
    """name -> bytes: the smallest files of each supported format, and zips of them."""
    files = [p for folder in (LIBRARY, OFFICE) for p in sorted(folder.rglob("*"))
             if p.is_file() and not p.name.endswith(".meta.json")]
    out: dict[str, bytes] = {}
    # Images are recognised by OCR, seconds a case: their damaged copies are in tests/test_ocr.py.
    for suffix in sorted(SUPPORTED - {".zip"} - IMAGE_SUFFIXES):
        found = sorted((p for p in files if p.suffix == SAME_BYTES_AS.get(suffix, suffix)),
                       key=lambda p: (p.stat().st_size, p.name))[:SEEDS_PER_FORMAT]
        assert found, f"no seed for {suffix}: put a sample in corpus/library or name it in SAME_BYTES_AS"
        for path in found:
            out[path.stem + suffix] = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(out)[::2]:
            archive.writestr(f"goi/{name}", out[name])
        archive.writestr(f"goi/{sorted(out)[0]}.meta.json", '{"type": "news", "source": "Hà Nội mới"}')
    out["goi.zip"] = buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(out)[1::3]:
            if not name.endswith(".zip"):
                archive.writestr(name, out[name])
    out["kho.zip"] = buffer.getvalue()
    return out


def mutate(data: bytes, how: str, rnd: random.Random, other: bytes) -> bytes:
    n = len(data)
    at = rnd.randrange(n)
    span = rnd.randint(1, 64)
    if how == "truncate":
        return data[:at]
    if how == "flip":
        out = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            out[rnd.randrange(n)] ^= 1 << rnd.randrange(8)
        return bytes(out)
    if how == "overwrite":
        return data[:at] + rnd.randbytes(span) + data[at + span:]
    if how == "insert":
        return data[:at] + rnd.randbytes(span) + data[at:]
    if how == "delete":
        return data[:at] + data[at + span:]
    if how == "repeat":
        return data[:at] + data[at:at + span] * rnd.randint(2, 2000) + data[at:]
    if how == "splice":
        start = rnd.randrange(len(other))
        return data[:at] + other[start:start + rnd.randint(16, 4096)] + data[at + span:]
    if how == "zero":
        return data[:at] + bytes(span * 16) + data[at + span * 16:]
    raise ValueError(how)


MUTATIONS = ["truncate", "flip", "overwrite", "insert", "delete", "repeat", "splice", "zero"]


def damaged_member_zip(files: dict[str, bytes], rnd: random.Random) -> bytes:
    """A sound zip of damaged members: the readers, not zipfile, meet the damage."""
    names = sorted(n for n in files if not n.endswith(".zip"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in rnd.sample(names, 4):
            archive.writestr(name, mutate(files[name], rnd.choice(MUTATIONS), rnd, files[rnd.choice(names)]))
    return buffer.getvalue()


def cases() -> list[tuple[str, bytes]]:
    rnd = random.Random(SEED)
    files = seeds()
    names = sorted(files)
    out: list[tuple[str, bytes]] = []
    for name in names:
        stem, suffix = name.rsplit(".", 1)
        for how in MUTATIONS:
            other = files[rnd.choice(names)]
            out.append((f"c{len(out):03d}-{how}-{stem}.{suffix}", mutate(files[name], how, rnd, other)))
        wrong = rnd.choice(sorted(SUPPORTED - {"." + suffix}))
        out.append((f"c{len(out):03d}-suffix-{stem}{wrong}", files[name]))
    for _ in range(6):
        out.append((f"c{len(out):03d}-members.zip", damaged_member_zip(files, rnd)))
    for suffix in sorted(SUPPORTED):
        out.append((f"c{len(out):03d}-random{suffix}", rnd.randbytes(rnd.randint(1, 3000))))
    return out


def case_of(path: str) -> str:
    name = path.split("!", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and tail.isdigit() else name


# What an ingest does with a text after reading it is run on the first characters of each
# document read (tests/test_hostile_inputs.py times each step on whole hostile texts).
AFTER_READING_CHARS = 5_000


def after_reading(doc: SourceDocument) -> None:
    """What an ingest does with a document's text before embedding it."""
    from index.tokenizer import field_terms, index_syllables
    from ingest.chunking import chunk_text
    from ingest.limits import drop_long_runs
    from ingest.metadata import extract_metadata
    from ingest.vntext import normalize_text

    text, _ = drop_long_runs(normalize_text(doc.text[:AFTER_READING_CHARS]))
    extract_metadata(text, doc.filename or None)
    chunk_text(text, 128, 0)
    field_terms(index_syllables(text))


def test_damaged_files_of_every_format_give_documents_or_reported_failures():
    started = time.perf_counter()
    all_cases = cases()
    assert {Path(name).suffix for name, _ in all_cases} >= SUPPORTED
    try:
        items = list(read_uploads(all_cases, limits=LIMITS))
    except Exception:
        for case in all_cases:  # name the case that raised
            try:
                list(read_uploads([case], limits=replace(LIMITS, isolate=False)))
            except Exception as exc:
                raise AssertionError(f"{case[0]} raised {exc!r}") from exc
        raise
    names = {name for name, _ in all_cases}
    misbehaved = []
    counts = {"documents": 0, "failures": 0}
    for item in items:
        if isinstance(item, SourceDocument):
            assert case_of(item.origin) in names, item.origin
            assert isinstance(item.text, str) and item.text.strip() and len(item.text) <= LIMITS.max_text_chars
            after_reading(item)
            counts["documents"] += 1
        else:
            assert isinstance(item, IngestFailure), item
            assert case_of(item.path) in names and item.reason, item
            if any(word in item.reason for word in MISBEHAVED):
                misbehaved.append(f"{item.path}: {item.reason}")
            counts["failures"] += 1
    assert not misbehaved, "\n".join(misbehaved)
    assert counts["documents"] > 20 and counts["failures"] > 20, counts
    print(f"{len(all_cases)} cases: {counts['documents']} documents, {counts['failures']} failures reported, "
          f"{time.perf_counter() - started:.1f} s")
    assert time.perf_counter() - started < 60


def test_the_cases_are_the_same_every_run():
    assert cases() == cases()
