"""Scans and photos to text: OCRmyPDF driving Tesseract's Vietnamese model.

OCRmyPDF (pinned from PyPI, run as `python -m ocrmypdf`) rotates pages the right way up
(Tesseract's orientation detection), deskews them, recognises the pages that have no text layer
(`--skip-text`: a page that already has one keeps it), and writes a PDF whose text layer can be
searched and copied: that PDF is what members download; the upload as received is kept too.
It runs as a bounded subprocess (ingest.external) in the ingesting process, not in the reader
worker: a 40-page scan takes minutes, under a deadline of its own that grows with the pages,
and reports each page as it is done. Recognised text is then cleaned (ingest.ocr_text).

PyPI rather than Debian's ocrmypdf 14: the version is pinned with the rest of the Python
dependencies, it installs the same on any machine with Debian's Tesseract and Ghostscript, and
its progress hooks (used for the per-page report) are the ones `ocr_progress` implements.
"""
from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import ReadError
from .external import Scratch, require, run_bounded
from .limits import Limits

IMAGE_KINDS = {"jpeg", "png", "tiff"}
LANGUAGE = "vie"
# Below this many letters a page has no usable text layer: it is recognised.
MIN_LETTERS_PER_PAGE = 20
_PLUGIN = str(Path(__file__).with_name("ocr_progress.py"))
_MARK = "SOTAY-PAGE"  # what ocr_progress prints (loaded by path, it keeps its own copy)
_PAGE_TIMED_OUT = "[tesseract] took too long to OCR"  # OCRmyPDF's warning for a page it skipped
# A phone's JPEG says 72 dpi or nothing; a page is then taken to be A4 on its long side.
_CREDIBLE_DPI = (100, 1200)
_A4_LONG_INCHES = 11.69


@dataclass
class Recognised:
    pdf: bytes  # the PDF with a text layer on every page, for download
    pages: list[str]  # each page's text: its own text layer, or what was recognised
    recognised: list[int]  # the pages (0-based) that were recognised
    seconds: float


Progress = Callable[[int, int], None]


def needs_ocr(page_text: str) -> bool:
    return sum(ch.isalpha() for ch in page_text) < MIN_LETTERS_PER_PAGE


def image_pages(data: bytes) -> int:
    """The number of pages (frames) of an image; ReadError for a broken one."""
    image = _open_image(data)
    return getattr(image, "n_frames", 1)


def _open_image(data: bytes):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()  # a truncated file fails here, not later in the converter
        return image
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ReadError(f"corrupt or truncated image ({exc}): scan or photograph the page again") from exc


def image_to_pdf(data: bytes) -> bytes:
    """An image file (every frame of a multi-page TIFF) as an image-only PDF, one page a frame."""
    import img2pdf
    from PIL import ImageOps

    image = _open_image(data)
    frames = getattr(image, "n_frames", 1)
    blobs: list[bytes] = []
    layouts = []
    for index in range(frames):
        image.seek(index)
        frame = ImageOps.exif_transpose(image)  # a phone photo taken sideways, stood up
        if frame.mode != "1":  # a 1-bit fax-style scan is as flat as a page can be
            frame = flatten_light(frame)
        dpi = image.info.get("dpi", (0, 0))[0] or 0
        if not _CREDIBLE_DPI[0] <= dpi <= _CREDIBLE_DPI[1]:
            dpi = max(frame.size) / _A4_LONG_INCHES
        buffer = io.BytesIO()
        if image.format == "JPEG":
            frame.save(buffer, "JPEG", quality=90, dpi=(dpi, dpi))
        else:
            frame.save(buffer, "PNG", dpi=(dpi, dpi))
        blobs.append(buffer.getvalue())
        layouts.append(dpi)
    try:
        pages = [img2pdf.convert(blob, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)))
                 for blob, dpi in zip(blobs, layouts, strict=True)]
    except (img2pdf.ImageOpenError, ValueError, OSError) as exc:
        raise ReadError(f"the image could not be made into a PDF ({exc}): save it as PNG or JPEG and "
                        "upload again") from exc
    if len(pages) == 1:
        return pages[0]
    return _join_pdfs(pages)


def flatten_light(frame):
    """A photo of a page in grey, its paper made evenly white: the light falling off across a
    phone photo would otherwise make Tesseract's global threshold black out the darker part.

    The paper's brightness is estimated at 1/8 scale (the brightest pixel near each point, which
    is paper, not ink, then smoothed) and every pixel divided by it: flat-field correction.
    """
    import numpy as np
    from PIL import Image, ImageFilter

    grey = frame.convert("L")
    width, height = grey.size
    small = grey.resize((max(1, width // 8), max(1, height // 8)), Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(4))
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    flat = np.asarray(grey, np.float32) * 255.0 / np.maximum(np.asarray(paper, np.float32), 1.0)
    return Image.fromarray(np.clip(flat, 0, 255).astype(np.uint8), "L")


def _join_pdfs(pdfs: list[bytes]) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for blob in pdfs:
        for page in PdfReader(io.BytesIO(blob)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def recognise(pdf: bytes, layers: list[str] | None, limits: Limits, progress: Progress | None = None) -> Recognised:
    """OCR the pages of `pdf` that have no text layer (`layers`: each page's text layer, None for
    an image-only PDF made from an image); raises ReadError with a reason an editor can act on."""
    pages = len(layers) if layers is not None else _count_pages(pdf)
    todo = [i for i in range(pages) if layers is None or needs_ocr(layers[i])]
    require("tesseract", "tesseract-ocr and tesseract-ocr-vie")
    require("gs", "ghostscript")
    if len(todo) > limits.max_ocr_pages:
        raise ReadError(f"the scan has {len(todo):,} pages to recognise, over the limit of "
                        f"{limits.max_ocr_pages:,} pages recognised in one file (SOTAY_MAX_OCR_PAGES): split it "
                        "into parts and upload them separately, or raise SOTAY_MAX_OCR_PAGES")
    # Each page is bounded by Tesseract's own timeout; the whole run by the pages' time and an
    # allowance for OCRmyPDF's start and the PDF it writes at the end.
    seconds = limits.ocr_start_seconds + limits.ocr_page_seconds * len(todo)
    # Pages in parallel, one a core, each Tesseract on one thread: its OpenMP threads gained 8% on
    # a lone page of a quiet machine and lost several times that on a busy one (docs/ocr.md).
    jobs = max(1, min(limits.ocr_jobs, len(todo)))
    with Scratch("sotay-ocr-") as folder:
        (folder / "in.pdf").write_bytes(pdf)
        argv = [sys.executable, "-m", "ocrmypdf", "--plugin", _PLUGIN, "-l", LANGUAGE, "--skip-text",
                "--rotate-pages", "--deskew", "--output-type", "pdf", "--optimize", "0",
                "--jobs", str(jobs), "--tesseract-timeout", f"{limits.ocr_page_seconds:g}",
                "--sidecar", "text.txt", "in.pdf", "out.pdf"]

        reported = {-1}

        def on_line(line: str) -> None:
            if progress is not None and line.startswith(_MARK):
                _, done, total = line.split()
                if int(done) not in reported:  # OCRmyPDF may report a page twice
                    reported.add(int(done))
                    progress(int(done), int(total) or len(todo))

        try:
            finished = run_bounded(argv, workdir=folder, seconds=seconds, memory_mb=max(2048, limits.reader_memory_mb),
                                   env={"OMP_THREAD_LIMIT": "1"}, on_stderr_line=on_line)
        except TimeoutError:
            raise ReadError(f"recognising the {len(todo)} page(s) took longer than {seconds:g} s "
                            f"({limits.ocr_page_seconds:g} s a page, SOTAY_OCR_PAGE_TIMEOUT_S, and "
                            f"{limits.ocr_start_seconds:g} s to start and finish): the scan may be damaged; scan it "
                            "again, or raise SOTAY_OCR_PAGE_TIMEOUT_S") from None
        stderr = finished.stderr.decode("utf-8", "replace")
        if finished.returncode != 0 or not (folder / "out.pdf").exists():
            raise ReadError(_failure(finished.returncode, stderr))
        skipped = stderr.count(_PAGE_TIMED_OUT)
        if skipped:
            # OCRmyPDF leaves such a page without text and carries on: a document missing pages
            # must not be stored as if it were whole.
            raise ReadError(f"{skipped} page(s) took Tesseract longer than {limits.ocr_page_seconds:g} s "
                            "(SOTAY_OCR_PAGE_TIMEOUT_S) and were not recognised: upload the file again when the "
                            "server is less busy, or raise SOTAY_OCR_PAGE_TIMEOUT_S")
        texts = (folder / "text.txt").read_text(encoding="utf-8", errors="replace").split("\f")
        output = (folder / "out.pdf").read_bytes()
    if len(texts) < pages:  # the sidecar has one entry a page; never fewer, but never index past it
        texts += [""] * (pages - len(texts))
    merged = [texts[i] if i in todo or layers is None else layers[i] for i in range(pages)]
    return Recognised(pdf=output, pages=merged, recognised=todo, seconds=finished.seconds)


def _count_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


# OCRmyPDF's exit codes (ocrmypdf.ExitCode) that a file, not the server, causes.
_EXIT_REASONS = {
    2: "the file is not a PDF OCR can read",
    8: "the PDF is encrypted (password-protected): save an unprotected copy and upload again",
}


def _failure(code: int, stderr: str) -> str:
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()
                 and not line.startswith(_MARK)), "")
    reason = _EXIT_REASONS.get(code)
    if reason:
        return f"OCR failed: {reason}"
    if code < 0:
        return f"OCR stopped (signal {-code}; it may have needed more memory than SOTAY_READER_MEMORY_MB allows)"
    return f"OCR failed (OCRmyPDF exit status {code}: {last[:300]}): the scan may be damaged; scan it again"
