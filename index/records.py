"""The records the library stores and returns: documents, chunks, search filters and results."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class StoredDocument:
    doc_id: str
    title: str
    text: str
    # type, number (27-QĐ/TW), date (ISO), issuer, source, author, format, filename, ...
    meta: dict
    content_hash: str
    # Name of the file members download inside the library's `files/` folder, or "" when there is
    # none: the upload itself, or for a scan or photo the PDF made with a searchable text layer.
    file: str = ""
    added_at: str = ""
    # For a scan or photo, the name of the file exactly as it was received ("" otherwise).
    original: str = ""

    def to_json(self, with_text: bool = True) -> dict:
        data = asdict(self)
        if not with_text:
            data.pop("text")
        return data

    @classmethod
    def from_json(cls, data: dict) -> StoredDocument:
        return cls(**data)

    @property
    def head(self) -> DocumentHead:
        return DocumentHead(**self.to_json(with_text=False))


@dataclass
class DocumentHead:
    """A document without its text: what a library holds in memory for every document (filters,
    access, lists, number lookups read these fields); the text stays on disk until a page asks."""

    doc_id: str
    title: str
    meta: dict
    content_hash: str
    file: str = ""
    added_at: str = ""
    original: str = ""


@dataclass
class Chunk:
    """A passage of a document; its position in `Generation.chunks` is its vector/keyword id."""

    doc_id: str
    text: str
    heading: str = ""

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class SearchFilters:
    type: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    issuer: str | None = None

    def is_empty(self) -> bool:
        return not any(v not in (None, "") for v in asdict(self).values())


@dataclass
class SearchHit:
    doc_id: str
    title: str
    score: float
    snippet: str
    meta: dict
    # [start, end) character spans of `snippet` that match the query (diacritic-insensitive).
    highlights: list[list[int]] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class SearchResponse:
    query: str
    took_ms: float
    results: list[SearchHit]
    total: int = 0
    page: int = 1

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 2),
            "total": self.total,
            "page": self.page,
            "results": [hit.to_json() for hit in self.results],
        }
