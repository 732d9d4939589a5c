"""Snippets trimmed around the best match, and the spans of the snippet that match the query.

Matching is diacritic-insensitive (folded syllables), so "tram cam" marks "trầm cảm".
"""
from __future__ import annotations

import re

from ingest.vntext import fold

SNIPPET_CHARS = 300
ELLIPSIS = "…"
# Function words marked only inside a matched phrase: on their own they light up every line.
STOPWORDS = {fold(w) for w in (
    "của và là các những có được cho trong với về theo này để từ đã thì mà một khi như tại "
    "do nào gì ra vào lại đến không sẽ bị hay hoặc nhưng cũng rất nên đó ở"
).split()}
# Gaps that keep two matched words in one mark: "27-QĐ/TW", "Đại hội XIII".
_JOINABLE = re.compile(r"[\s\-/.]{1,3}")


# fold() for single characters as one str.translate table: a snippet is cut for each of up to
# a hundred results, and a per-word fold was most of a search's time.
# "İ" is the one character whose lower case is two characters long: mapped here so that folded
# text keeps the offsets of the original.
_FOLD_TABLE = {cp: fold(chr(cp)) for cp in range(0xC0, 0x1F00) if len(fold(chr(cp))) == 1 and fold(chr(cp)) != chr(cp)}
_FOLD_TABLE[0x130] = "i"


def matcher(terms: set[str]) -> re.Pattern | None:
    """A pattern finding the folded `terms` as whole words in folded text."""
    if not terms:
        return None
    alternatives = "|".join(sorted(map(re.escape, terms), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _matches(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    if pattern is None:
        return []
    folded = text.translate(_FOLD_TABLE).lower()
    words = [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(folded)]
    spans = []
    for i, (start, end, key) in enumerate(words):
        inside = (i > 0 and _JOINABLE.fullmatch(text[words[i - 1][1]:start]) is not None) and (
            i + 1 < len(words) and _JOINABLE.fullmatch(text[end:words[i + 1][0]]) is not None)
        if key in STOPWORDS and not inside:
            continue
        spans.append((start, end))
    return spans


def _merge(spans: list[tuple[int, int]], text: str) -> list[list[int]]:
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and _JOINABLE.fullmatch(text[merged[-1][1]:start]):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return merged


def snippet(text: str, pattern: re.Pattern | None, width: int = SNIPPET_CHARS) -> tuple[str, list[list[int]]]:
    """About `width` characters of `text` around the densest run of `matcher` matches, with spans."""
    text = " ".join(text.split())
    spans = _matches(text, pattern)
    if len(text) <= width:
        return text, _merge(spans, text)
    # Slide a window over the matches; adjacent matches (a phrase) count double.
    best_start, best_score, j, score = 0, -1.0, 0, 0.0
    weights = [1.0 + (i > 0 and spans[i - 1][1] + 1 >= s) for i, (s, _) in enumerate(spans)]
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + width:
            score += weights[j]
            j += 1
        if score > best_score:
            best_score, best_start = score, start
        score -= weights[i]
    # Open a little before the first match, at a word boundary, so it reads in context.
    begin = max(0, best_start - width // 5)
    if begin:
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < best_start else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    prefix = ELLIPSIS if begin else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - begin
    kept = [(s + shift, e + shift) for s, e in spans if s >= begin and e <= end]
    out = prefix + text[begin:end] + suffix
    return out, _merge(kept, out)
