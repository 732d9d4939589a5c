"""A Vietnamese sentence splitter that needs no downloaded data.

Haystack's sentence splitting asks nltk for Punkt data at run time, which cannot be fetched here,
and Punkt knows nothing of "TP. Hà Nội", "T.Ư" or "470.000 đồng" anyway. The rules:

- A sentence ends at `.`, `!`, `?`, `…` or `...` (with any closing quotes or brackets right after
  it) when whitespace follows and the next word starts like a sentence: a capital letter, a digit,
  an opening quote or bracket, or a list bullet. So "3,5", "470.000", "10/8/2021", "1.2.3",
  "dangcongsan.vn/a.html", "T.Ư" and "v.v., và" never split: no space follows the inner dots, or a
  lower-case word does.
- A full stop after a title or place abbreviation (TP., Q., P., ThS., TS., GS., PGS., TT., Tr. ...),
  after a single letter (an initial, or the "a." of a list), after a list number at the start of a
  line ("1.", "2.1.", "II.") or after "Điều 5." / "Chương II." / "Mục 1." never ends a sentence:
  a name, the item or the heading's title follows.
- `;` does not end a sentence: in party documents it separates the clauses of one long
  enumeration, which reads wrongly when cut apart. A `;` at the end of a line still ends one
  (see the line rule), and the chunker cuts at `;` first when a sentence is too long.
- A blank line always ends a sentence. A single line break ends one too, unless it only wraps a
  line (PDF text): the next line starts with a lower-case letter and the line before does not end
  in `.!?…:;`, or the line before ends with a comma. A line that starts a list item ("1.", "a)",
  "-", "+", "•", "II.") always starts a new sentence.

Sentences are substrings of the input, stripped; `sentence_spans` gives their offsets.
"""
from __future__ import annotations

import re

__all__ = ["split_sentences", "sentence_spans"]

_CLOSERS = "\"'”’»)]"
# A terminal mark, the closers that belong to the sentence it ends, then the gap before the next.
_TERMINAL = re.compile(r"(?:\.{2,}|…|[.!?]+)[" + re.escape(_CLOSERS) + r"]*(?=\s)")
# Besides capitals and digits, a sentence may start with an opening quote or bracket, or a bullet.
_STARTER_MARKS = "\"“‘«([-–—•+*▪●◦"
_LIST_ITEM = re.compile(
    r"(?:[-+•*–—▪●◦](?=\s)"
    r"|\d{1,3}(?:\.\d{1,3})*[.)](?=\s)"
    r"|[a-zđ][.)](?=\s)"
    r"|[IVXLC]{1,7}[.)](?=\s)|[A-ZĐ][.)](?=\s)"
    r"|\(\d{1,3}\)|\([a-zđ]\))"
)
# Words after which "." introduces what they name: a place, a person, a page, a heading title.
_ABBREVIATIONS = {
    "tp", "tx", "tt", "tr", "ths", "th.s", "ts", "gs", "pgs", "pgs.ts", "gs.ts",
    "bs", "ks", "cn", "đ/c", "đc", "nxb", "ths.bs", "bsck", "ncs",
}
_HEADING_WORDS = {"điều", "chương", "mục", "phần", "khoản", "điểm", "phụ lục", "tiết"}
_HEADING_NUMBER = re.compile(r"(?:\d+|[IVXLC]+)[a-zđ]?")
_LINE_NUMBER = re.compile(r"(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,7}|[A-ZĐ])")
_OPENERS = "\"'“‘«([<"


def split_sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in `text`, whitespace trimmed, in order."""
    cuts = sorted(set(_punctuation_cuts(text)) | set(_line_cuts(text)))
    spans = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _trim(text, start, cut)
        if span:
            spans.append(span)
        start = cut
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _punctuation_cuts(text: str):
    for match in _TERMINAL.finditer(text):
        nxt = _next_visible(text, match.end())
        if nxt is None or not _starts_sentence(text[nxt]):
            continue
        mark = match.group(0).rstrip(_CLOSERS)
        if mark == "." and _dot_is_not_an_end(text, match.start()):
            continue
        yield match.end()


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in _STARTER_MARKS


def _next_visible(text: str, pos: int) -> int | None:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos if pos < len(text) else None


def _dot_is_not_an_end(text: str, dot: int) -> bool:
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lstrip(_OPENERS)
    if not word:
        return False
    if word.lower() in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True
    line_start = text.rfind("\n", 0, word_start) + 1
    before = text[line_start:word_start]
    if not before.strip() and _LINE_NUMBER.fullmatch(word):
        return True
    if _HEADING_NUMBER.fullmatch(word):
        previous = before.rstrip().rsplit(None, 2)
        tail = previous[-1].lower() if previous else ""
        tail2 = " ".join(previous[-2:]).lower() if len(previous) >= 2 else tail
        if tail in _HEADING_WORDS or tail2 in _HEADING_WORDS:
            return True
    return False


def _line_cuts(text: str):
    pos = 0
    while True:
        newline = text.find("\n", pos)
        if newline < 0:
            return
        pos = newline + 1
        nxt = _next_visible(text, pos)
        if nxt is None:
            return
        gap = text[newline:nxt]
        prev_line = text[text.rfind("\n", 0, newline) + 1:newline].rstrip()
        if gap.count("\n") > 1 or _starts_new_sentence(text, nxt, prev_line):
            yield nxt
            pos = nxt


def _starts_new_sentence(text: str, nxt: int, prev_line: str) -> bool:
    if _LIST_ITEM.match(text, nxt):
        return True
    if prev_line.endswith(","):
        return False
    if text[nxt].islower() and not prev_line.endswith((".", "!", "?", "…", ":", ";")):
        return False
    return True
