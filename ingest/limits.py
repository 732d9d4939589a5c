"""How much one input may cost: the bounds that keep one hostile or broken file from stalling a
bulk load while it holds the library's single write lock.

`Limits` travels explicitly from `Settings` (index/store.py) to the readers; nothing here reads
the environment. Every bound refuses the input with a reason naming the limit and what to do,
except the one on runs without a space (`drop_long_runs`), which leaves such runs out of the text
and says so in the report: a 10,000-character "word" is base64 data or a broken file, never
something a member searches for, and the rest of the document stays searchable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ReadError

MB = 1024 * 1024

# The longest run of non-space characters kept in a document's text. The longest in the
# evaluation corpora (5,000 real documents) and the sample library is a fill-in line of 89
# underscores; the longest real word, 31 letters; a document number, about 20 characters.
MAX_WORD_CHARS = 128


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * MB  # one file (SOTAY_MAX_FILE_MB)
    max_upload_bytes: int = 200 * MB  # a zip's members together, uncompressed (SOTAY_MAX_UPLOAD_MB)
    max_zip_ratio: int = 100  # uncompressed : compressed, per zip member (SOTAY_MAX_ZIP_RATIO)
    max_text_chars: int = 2_000_000  # one document's text, about 700 pages (SOTAY_MAX_TEXT_CHARS)
    max_passages: int = 10_000  # one document's passages (SOTAY_MAX_PASSAGES)
    max_word_chars: int = MAX_WORD_CHARS
    reader_seconds: float = 120.0  # one file's reader, wall clock (SOTAY_READER_TIMEOUT_S)
    reader_memory_mb: int = 2048  # the reader's address space (SOTAY_READER_MEMORY_MB)
    # One external converter run (LibreOffice, antiword, unrtf: ingest/office.py), wall clock;
    # always cut to end before the reader's deadline (SOTAY_CONVERTER_TIMEOUT_S).
    converter_seconds: float = 60.0
    max_ocr_pages: int = 300  # pages recognised in one file (SOTAY_MAX_OCR_PAGES)
    ocr_page_seconds: float = 60.0  # OCR of one page, wall clock (SOTAY_OCR_PAGE_TIMEOUT_S)
    ocr_start_seconds: float = 30.0  # OCRmyPDF's start and the PDF it writes, on top of the pages
    ocr_jobs: int = 2  # pages recognised at once, one a core (SOTAY_THREADS)
    # Run the format readers (PDF, DOCX, HTML, text) in a worker process that enforces the two
    # bounds above; False runs them in this process, with neither.
    isolate: bool = True


# A zip member smaller than this is never refused for its compression ratio: it cannot cost
# much, and small files of padding or repeated lines compress far better than documents do.
RATIO_FLOOR_BYTES = 1 * MB


def check_text_size(text: str, limits: Limits) -> None:
    """Refuse a document whose text is over `limits.max_text_chars` (ReadError)."""
    if len(text) > limits.max_text_chars:
        raise ReadError(
            f"the text is {len(text):,} characters, over the limit of {limits.max_text_chars:,} characters "
            "for one document (SOTAY_MAX_TEXT_CHARS): split the document into parts and upload them "
            "separately, or raise SOTAY_MAX_TEXT_CHARS"
        )


def passages_reason(count: int, limit: int) -> str:
    """Why a document cut into `count` passages is refused."""
    return (f"the document makes {count:,} passages, over the limit of {limit:,} passages for one "
            "document (SOTAY_MAX_PASSAGES): split it into parts and upload them separately, or raise "
            "SOTAY_MAX_PASSAGES")


_RUNS: dict[int, re.Pattern] = {}


def drop_long_runs(text: str, max_chars: int = MAX_WORD_CHARS) -> tuple[str, str | None]:
    """`text` without its runs of more than `max_chars` non-space characters, and a note for the
    report when any was left out (None when the text is unchanged, as real documents are).

    One linear scan; what follows (tokenizer, chunker, embedder) then never sees a "word" longer
    than `max_chars`, so none of it is worse than linear in the text either.
    """
    pattern = _RUNS.get(max_chars)
    if pattern is None:
        # From the start of a run only (the look-behind), so each run is scanned once.
        pattern = _RUNS[max_chars] = re.compile(r"[ \t]*(?<!\S)\S{" + str(max_chars + 1) + ",}")
    if pattern.search(text) is None:
        return text, None  # every real document
    count, longest = 0, 0
    lines = []
    for line in text.split("\n"):
        runs = [len(m.group(0).lstrip(" \t")) for m in pattern.finditer(line)]
        if runs:
            count += len(runs)
            longest = max(longest, *runs)
            line = pattern.sub("", line).strip()
            if not line:
                continue  # the line held nothing else: it goes with the run
        lines.append(line)
    runs_word = "run" if count == 1 else "runs"
    return "\n".join(lines).strip(), (
        f"{count:,} {runs_word} of more than {max_chars} characters without a space left out of the text "
        f"(longest {longest:,}): binary data, base64 or a damaged file, never words")
