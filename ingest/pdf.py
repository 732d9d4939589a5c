"""PDF to text with pypdf, without the running headers, footers and page numbers."""
from __future__ import annotations

import io
import re
import zlib
from collections import Counter

from .errors import NeedsOCR, ReadError
from .legacy_encodings import convert_legacy, convert_runs, font_encoding, legacy_note
from .ocr import needs_ocr

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


def read_pdf(data: bytes, notes: list[str] | None = None) -> str:
    """The PDF's text layer; pages in a legacy Vietnamese font are converted to Unicode, and
    `notes` told so."""
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
        pages = _page_texts(reader.pages, notes)
        scanned = any(needs_ocr(text) and _has_images(page) for text, page in zip(pages, reader.pages, strict=True))
    except ReadError:
        raise
    # PyPdfError is the base of pypdf's own errors (PdfReadError, LimitReachedError, ParseError...);
    # the others come from its parsing of damaged files (tests/test_fuzz_readers.py).
    except (PyPdfError, ValueError, KeyError, TypeError, AssertionError, OSError, zlib.error,
            NotImplementedError) as exc:
        raise ReadError(f"corrupt or unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    if not pages:
        raise ReadError("PDF has no pages")
    if scanned:
        # A scan, or a text PDF with scanned pages: those pages are recognised (ingest.ocr).
        raise NeedsOCR(pages)
    return join_pages(pages)


def join_pages(pages: list[str]) -> str:
    """The pages' text as one, without the lines that run along their edges."""
    cleaned = _strip_running_lines([page.splitlines() for page in pages])
    return "\n".join("\n".join(page) for page in cleaned)


def _has_images(page) -> bool:
    """Whether the page paints an image or a form that may hold one (a scan does; a blank page
    between chapters does not)."""
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        return any(xobject.get_object().get("/Subtype") in ("/Image", "/Form") for xobject in xobjects.values())
    except (KeyError, AttributeError, TypeError, ValueError):
        return True  # cannot tell: let OCR look, it costs seconds, never text


def _page_texts(pages, notes: list[str] | None) -> list[str]:
    """Each page's text, TCVN3 and VNI converted by the fonts (`/BaseFont`) it is drawn in.

    pypdf says which font each piece of a page's text is in; where its pieces do not add up to
    the page's text, the page's fonts decide for the whole page.
    """
    pieces: list[tuple[str, str | None]] = []
    spans: list[range | None] = []
    texts: list[str] = []
    fonts: list[list[str]] = []
    for page in pages:
        found: list[tuple[str, str | None]] = []

        def visit(text, cm, tm, font, size, found=found) -> None:
            if text:
                name = font.get("/BaseFont") if isinstance(font, dict) else None
                found.append((text, str(name) if name else None))

        text = page.extract_text(visitor_text=visit) or ""
        texts.append(text)
        fonts.append(_page_fonts(page))
        if "".join(piece for piece, _ in found) == text:
            spans.append(range(len(pieces), len(pieces) + len(found)))
            pieces.extend(found)
            pieces.append(("\n", None))
        else:
            spans.append(None)
    converted, used = convert_runs(pieces)
    out = []
    for text, span, names in zip(texts, spans, fonts, strict=True):
        if span is not None:
            out.append("".join(converted[i] for i in span))
            continue
        text, encoding = convert_legacy(text, names)
        if encoding:
            used.setdefault(encoding, set()).update(
                font.family for font in map(font_encoding, names) if font and font.encoding == encoding)
        out.append(text)
    if notes is not None:
        notes.extend(legacy_note(encoding, names) for encoding, names in sorted(used.items()))
    return out


def _page_fonts(page) -> list[str]:
    try:
        resources = page.get("/Resources") or {}
        return [str(font.get_object().get("/BaseFont", "")) for font in (resources.get("/Font") or {}).values()]
    except (KeyError, AttributeError, TypeError, ValueError):
        return []
