"""Which document ids the service accepts in URLs."""
from __future__ import annotations

from ingest.sources import make_doc_id
from werkzeug.routing import PathConverter, ValidationError

MAX_DOC_ID = 300


def is_valid_doc_id(doc_id: str) -> bool:
    """True for ids the library could have made; everything else never reaches the library.

    The library builds ids with `make_doc_id`, so a real id is its own canonical form; an id with
    `..`, a leading `/`, backslashes or odd characters is not, and cannot name a path outside the
    data directory.
    """
    return 0 < len(doc_id) <= MAX_DOC_ID and make_doc_id(doc_id) == doc_id


class DocIdConverter(PathConverter):
    """`<doc_id:...>`: a path-like id (`van-ban/qd-27-2021`); odd ids match no route (404)."""

    def to_python(self, value: str) -> str:
        if not is_valid_doc_id(value):
            raise ValidationError()
        return value
