"""Which document ids the service accepts in URLs."""
from __future__ import annotations

from werkzeug.routing import PathConverter

from ingest.sources import make_doc_id

from .errors import ServiceError

MAX_DOC_ID = 300


def is_valid_doc_id(doc_id: str) -> bool:
    """True for ids the library could have made; everything else never reaches the library.

    The library builds ids with `make_doc_id`, so a real id is its own canonical form; an id with
    `..`, a leading `/`, backslashes or odd characters is not, and cannot name a path outside the
    data directory.
    """
    return 0 < len(doc_id) <= MAX_DOC_ID and make_doc_id(doc_id) == doc_id


class DocIdConverter(PathConverter):
    """`<doc_id:...>`: a path-like id (`van-ban/qd-27-2021`).

    The id never ends in `/file` or `/audio`, so `/api/documents/x/audio` matches only the audio
    route of `x` (and an OPTIONS request lists only that route's methods). Odd ids are not refused
    here but by the views (`require_valid`): a converter that refuses makes Werkzeug answer
    405 instead of 404 to a DELETE whose id is odd, because the GET route's path still matched.
    """

    regex = r"[^/](?:.*[^/])?(?<!/file)(?<!/audio)"


def require_valid(doc_id: str) -> str:
    """The id, or a 404 for one the library could never have made."""
    if not is_valid_doc_id(doc_id):
        raise ServiceError(404, "not_found", f"no document with id {doc_id!r}")
    return doc_id
