"""PDF to text with pypdf, without the running headers, footers and page numbers."""
from __future__ import annotations

import io
import re
import zlib
from collections import Counter

from .errors import ReadError

# A page with fewer letters than this has no usable text layer (a scan).
MIN_LETTERS_PER_PAGE = 20
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—\s]*\d{1,4}[-–—\s]*|(?:trang|page)\s*\d{1,4}(?:\s*(?:/|trên|of)\s*\d{1,4})?|\d{1,4}\s*/\s*\d{1,4})$",
    re.IGNORECASE,
)
_EDGE_LINES = 3  # running headers and footers live in the first or last few lines of a page


def _shape(line: str) -> str:
    # "Trang 3" and "Trang 4" are the same footer; compare lines with their digits blanked.
    return re.sub(r"\d+", "#", line.strip().lower())


def _strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    if len(pages) < 2:
        return [[ln for ln in page if not _PAGE_NUMBER.match(ln.strip())] for page in pages]
    counts: Counter[str] = Counter()
    for page in pages:
        edges = set(_shape(ln) for ln in page[:_EDGE_LINES] + page[-_EDGE_LINES:] if ln.strip())
        counts.update(edges)
    # A line repeated at the edge of at least half the pages (and at least twice) is furniture.
    threshold = max(2, (len(pages) + 1) // 2)
    running = {shape for shape, n in counts.items() if n >= threshold}
    cleaned = []
    for page in pages:
        keep = []
        for i, line in enumerate(page):
            at_edge = i < _EDGE_LINES or i >= len(page) - _EDGE_LINES
            if at_edge and (_shape(line) in running or _PAGE_NUMBER.match(line.strip())):
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def read_pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty user password only to forbid editing.
            try:
                if not reader.decrypt(""):
                    raise FileNotDecryptedError("password required")
            except (FileNotDecryptedError, NotImplementedError, DependencyError) as exc:
                raise ReadError(
                    "encrypted PDF (password-protected): save an unprotected copy and upload again"
                ) from exc
        pages = [(page.extract_text() or "") for page in reader.pages]
    except ReadError:
        raise
    # PyPdfError is the base of pypdf's own errors (PdfReadError, LimitReachedError, ParseError...);
    # the others come from its parsing of damaged files (tests/test_fuzz_readers.py).
    except (PyPdfError, ValueError, KeyError, TypeError, AssertionError, OSError, zlib.error,
            NotImplementedError) as exc:
        raise ReadError(f"corrupt or unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    if not pages:
        raise ReadError("PDF has no pages")
    letters = sum(sum(ch.isalpha() for ch in page) for page in pages)
    if letters < MIN_LETTERS_PER_PAGE * len(pages) * 0.5:
        raise ReadError("no text layer, needs OCR (scanned PDF): run OCR first and upload the result")
    cleaned = _strip_running_lines([page.splitlines() for page in pages])
    return "\n".join("\n".join(page) for page in cleaned)
