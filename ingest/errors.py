"""What a reader says when it cannot read a file: the path and a reason an editor can act on."""
from __future__ import annotations

from dataclasses import dataclass


class ReadError(Exception):
    """A file that cannot be ingested; the message says why and what to do."""


@dataclass
class IngestFailure:
    path: str
    reason: str

    def to_json(self) -> dict:
        return {"path": self.path, "reason": self.reason}


class NeedsOCR(Exception):
    """Raised by a reader whose file has pages to recognise (ingest.ocr): a scan, a photo.

    `layers` holds each page's own text layer (None when no page has one: an image), `pdf` the
    image-only PDF a reader made from an image (None when the file itself is the PDF).
    """

    def __init__(self, layers: list[str] | None, pdf: bytes | None = None):
        super().__init__("pages to recognise")
        self.layers = layers
        self.pdf = pdf
