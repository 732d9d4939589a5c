"""Synthetic scans and phone photos of Vietnamese pages, with the text they show as the truth.

The OCR tests and `bench/bench_ocr.py` build their pages here from the sample library's own
texts: a page is typeset on A4 at 200 dpi in a serif face (Liberation Serif 2, from Debian's
fonts-liberation2 — version 1 has no Vietnamese — metric-compatible with the Times New Roman
most party documents are set in), with a "Trang n/N" footer a reader must drop; a scan is then
skewed up to ±1.5°, blurred and speckled; a photo gets uneven light, a slight tilt and
perspective, a paper tint and JPEG compression. Everything is seeded, so a page is the same
image on every run.
"""
from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPI = 200
A4 = (round(8.27 * DPI), round(11.69 * DPI))
MARGIN = round(0.9 * DPI)  # ~2.3 cm
FONT_PT = 13
_FONTS = [Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
          Path(__file__).resolve().parents[1] / "corpus" / "fonts" / "DejaVuSerif.ttf"]


def font(points: float = FONT_PT) -> ImageFont.FreeTypeFont:
    path = next((p for p in _FONTS if p.exists()), None)
    if path is None:
        raise RuntimeError("no serif font: install fonts-liberation2 (make setup does)")
    return ImageFont.truetype(str(path), round(points / 72 * DPI))


@dataclass
class Typeset:
    pages: list[Image.Image]
    truth: str  # what the pages show, footers left out, one line per printed line


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if paragraph == "\f":
            lines.append("\f")
            continue
        words = paragraph.split()
        if not words:
            continue
        line = words[0]
        for word in words[1:]:
            candidate = f"{line} {word}"
            if face.getlength(candidate) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def typeset(text: str, *, max_pages: int | None = None, points: float = FONT_PT) -> Typeset:
    """`text` laid out on white A4 pages (grey levels, 200 dpi), with a footer on each page; a
    line holding only a form feed starts a new page."""
    face = font(points)
    footer_face = font(points - 2)
    width, height = A4
    line_height = round(face.size * 1.35)
    per_page = (height - 2 * MARGIN - line_height) // line_height
    chunks: list[list[str]] = [[]]
    for line in _wrap(text, face, width - 2 * MARGIN):  # a line "\f" starts a new page
        if line == "\f" or len(chunks[-1]) == per_page:
            chunks.append([])
        if line != "\f":
            chunks[-1].append(line)
    chunks = [chunk for chunk in chunks if chunk] or [[]]
    if max_pages is not None:
        chunks = chunks[:max_pages]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        page = Image.new("L", A4, 255)
        draw = ImageDraw.Draw(page)
        for row, line in enumerate(chunk):
            draw.text((MARGIN, MARGIN + row * line_height), line, font=face, fill=0)
        footer = f"Trang {number}/{len(chunks)}"
        draw.text(((width - footer_face.getlength(footer)) / 2, height - MARGIN + line_height // 2), footer,
                  font=footer_face, fill=0)
        pages.append(page)
    return Typeset(pages, "\n".join(line for chunk in chunks for line in chunk))


def scan(page: Image.Image, seed: int) -> Image.Image:
    """A flatbed scan of a signed copy: skewed ±1.5°, slightly blurred, speckled with dust."""
    rng = random.Random(seed)
    image = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 0.9)))
    pixels = image.load()
    assert pixels is not None
    width, height = image.size
    for _ in range(width * height // 2500):  # dust and toner specks
        x, y = rng.randrange(width), rng.randrange(height)
        value = rng.choice((0, 60, 255)) if rng.random() < 0.5 else rng.randrange(120, 200)
        for dx in range(rng.choice((1, 1, 2))):
            for dy in range(rng.choice((1, 1, 2))):
                if x + dx < width and y + dy < height:
                    pixels[x + dx, y + dy] = value
    return image


def photo(page: Image.Image, seed: int) -> Image.Image:
    """A phone photo of the page: light falling off across it, a tilt and slight perspective,
    a warm paper tint, some blur, as an RGB image (JPEG-compress it with `jpeg`)."""
    rng = random.Random(seed)
    width, height = page.size
    # Perspective: the far edge a little narrower, as when the phone is not held flat.
    squeeze = rng.uniform(0.01, 0.03) * width
    coefficients = _perspective([(0, 0), (width, 0), (width, height), (0, height)],
                                [(-squeeze, 0), (width + squeeze, 0), (width, height), (0, height)])
    image = page.transform(page.size, Image.Transform.PERSPECTIVE, coefficients,
                           resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.rotate(rng.uniform(-2.5, 2.5), resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
    # Uneven light: a smooth linear fall-off across the page in a random direction, from full
    # light to 55-70% of it (no hard shadow edges: a lamp, not a hand over the page).
    import numpy as np

    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width]
    ramp = np.cos(angle) * xs / width + np.sin(angle) * ys / height
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    low = rng.uniform(0.55, 0.7)
    light = Image.fromarray(np.round(255 * (low + (1 - low) * ramp)).astype(np.uint8), "L")
    out = Image.merge("RGB", [_scale(image, light, 1.0), _scale(image, light, 0.96), _scale(image, light, 0.86)])
    return out


def _scale(image: Image.Image, light: Image.Image, tint: float) -> Image.Image:
    """`image` × `light` × `tint`, per pixel (the paper's colour under uneven light)."""
    from PIL import ImageChops

    return ImageChops.multiply(image, light.point(lambda v: round(v * tint)))


def _perspective(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> list[float]:
    """The 8 coefficients PIL's PERSPECTIVE transform takes to map `target` corners to `source`."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    matrix = np.array(rows, dtype=float)
    vector = np.array([c for point in source for c in point], dtype=float)
    return list(np.linalg.solve(matrix, vector))


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    """A photo as a phone saves it: JPEG, no resolution worth trusting (72 dpi)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, dpi=(72, 72))
    return buffer.getvalue()


def image_pdf(images: list[Image.Image], dpi: int = DPI) -> bytes:
    """A scanner's PDF: one image a page and no text layer."""
    import img2pdf

    blobs = []
    for image in images:
        buffer = io.BytesIO()
        image.save(buffer, "PNG" if image.mode in ("1", "L") else "JPEG", dpi=(dpi, dpi))
        blobs.append(buffer.getvalue())
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    return img2pdf.convert(blobs, layout_fun=layout)


def tiff(images: list[Image.Image], dpi: int = DPI) -> bytes:
    """A multi-page TIFF, as office scanners save them (Group 4 fax compression on 1-bit)."""
    buffer = io.BytesIO()
    pages = [image.convert("1") for image in images]
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=(dpi, dpi))
    return buffer.getvalue()


_SPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    """Text as the error rate compares it: NFC, whitespace of any kind as one space."""
    import unicodedata

    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def character_error_rate(found: str, truth: str) -> float:
    """Edit distance between the two texts (as `comparable`) over the truth's length."""
    from rapidfuzz.distance import Levenshtein

    truth_c = comparable(truth)
    return Levenshtein.distance(comparable(found), truth_c) / max(1, len(truth_c))
