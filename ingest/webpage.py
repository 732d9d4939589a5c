"""HTML to text with trafilatura, which drops menus, footers and related-link boxes."""
from __future__ import annotations

from .errors import ReadError


def read_html(data: bytes) -> tuple[str, dict]:
    """Return the article text and what the page says about itself (title, date, author...)."""
    import trafilatura
    from trafilatura.settings import Document

    html = data.decode("utf-8", errors="replace")
    extracted = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=True, favor_precision=True, with_metadata=True
    )
    # With as_dict=False (the default) trafilatura answers a Document, or None.
    text = extracted.text if isinstance(extracted, Document) else None
    if not text or not text.strip():
        raise ReadError("no readable article text in this HTML page")
    meta = {}
    for key in ("title", "date", "author", "sitename"):
        value = getattr(extracted, key, None)
        if value:
            meta["source" if key == "sitename" else key] = str(value)
    return text, meta
