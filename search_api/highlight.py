"""Marking the matched words of a snippet: escape the text first, then wrap the spans."""
from __future__ import annotations

from markupsafe import Markup, escape


def mark_spans(text: str, spans) -> Markup:
    """`text` HTML-escaped, with each [start, end) span wrapped in <mark>.

    Spans index the raw text, so they are applied to it piece by piece and every piece is escaped
    on its own; overlapping or out-of-range spans from the index cannot break the markup.
    """
    text = text or ""
    cleaned = sorted((max(0, int(s)), min(len(text), int(e))) for s, e in (spans or []) if int(e) > int(s))
    merged: list[list[int]] = []
    for start, end in cleaned:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = []
    pos = 0
    for start, end in merged:
        out.append(escape(text[pos:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)
