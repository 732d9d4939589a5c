"""Passages for the index: whole sentences, under the model's token limit, following the
structure of the document and carrying its heading path.

multilingual-e5-small reads at most 512 XLM-R tokens and silently drops the rest, so a passage
must fit with room to spare: the indexer embeds "passage: " + the document title + the heading +
the passage text. `chunk_text` keeps heading + text within `max_tokens`. The index asks for
about 128 tokens, some three sentences, with no overlap (index/pipeline.py says why); the
defaults here (400 tokens, 60 of overlap) still leave over 100 tokens for the prefix and the title.

Structure. Party and legal documents are built of "Phần thứ nhất", "A.", "Chương I", "I.",
"Mục 1", "Điều 5." and short numbered sub-headings ("1. Mục đích"). Each heading line opens a
section and the heading path ("Chương II. Nhiệm vụ › Điều 5. Trách nhiệm của chi bộ") goes with
every passage cut from it, so a search result can say where it comes from. Passages never span
two sections, even tiny ones: a passage that mixed Điều 4 and Điều 5 would carry a wrong heading,
and a small passage costs one index row. The signature and "Nơi nhận" block closes the last
section, so recipients are not read as part of the last article.

Within a section, sentences are packed greedily; a new numbered clause ("1.", "2." of an Điều)
starts a new passage when the clause would not fit in the current one and the current one is
already half full, so clauses are cut apart as rarely as possible. With `overlap_tokens` above
zero, consecutive passages of one section share their trailing sentences, up to that many
tokens. A sentence longer than the whole budget is cut at `;`, then `:`, then `,`, then between
words, then (for a run with no spaces at all) between characters.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .sentences import sentence_spans
from .vntext import is_caps, sentence_case

__all__ = ["Passage", "chunk_text", "estimate_tokens", "HEADING_SEPARATOR"]

HEADING_SEPARATOR = " › "


@dataclass(frozen=True)
class Passage:
    text: str
    heading: str


_WORD = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    """An upper estimate of the XLM-R token count, without the tokenizer.

    Measured on the sample library: ordinary Vietnamese syllables average 1.2 tokens (1.35 keeps
    every passage of the library above its real count); a syllable in capitals splits into pieces
    of about one letter each; digits go in twos or threes; every punctuation mark is one token.
    """
    total = 0.0
    for piece in _WORD.findall(text):
        if piece.isdigit():
            total += (len(piece) + 1) // 2
        elif piece[0].isalpha():
            total += len(piece) if len(piece) > 1 and piece.isupper() else 1.35
        else:
            total += 1
    return int(total) + 1


# Heading lines, from the outermost to the innermost kind; a heading closes every open heading
# of its own rank or deeper.
_PART = re.compile(r"^(?:Phần\s+(?:thứ\s+\S+|[IVXLC]+|[A-ZĐ]|\d+))\b\.?\s*(?P<title>.*)$", re.IGNORECASE)
_LETTER = re.compile(r"^[A-HJ-UWYZĐ]\.\s+(?P<title>\S.*)$")
_CHAPTER = re.compile(r"^Chương\s+(?:[IVXLC]+|\d+)\b\.?\s*(?P<title>.*)$", re.IGNORECASE)
_ROMAN = re.compile(r"^[IVXLC]{1,7}\.\s+(?P<title>\S.*)$")
_SECTION = re.compile(r"^Mục\s+(?:\d+|[IVXLC]+)\b\.?\s*(?P<title>.*)$", re.IGNORECASE)
_ARTICLE = re.compile(r"^Điều\s+\d+[a-zđ]?\b\.?\s*(?P<title>.*)$", re.IGNORECASE)
_NUMBERED = re.compile(r"^\d{1,2}\.\s+(?P<title>\S.*)$")
_SUBNUMBERED = re.compile(r"^\d{1,2}\.\d{1,2}\.?\s+(?P<title>\S.*)$")
_KINDS = [(_PART, 0), (_LETTER, 1), (_CHAPTER, 2), (_ROMAN, 3), (_SECTION, 4), (_ARTICLE, 5),
          (_NUMBERED, 6), (_SUBNUMBERED, 7)]
# Kinds that are headings only when the line reads like one (short, no final stop); otherwise
# the line is the first sentence of a clause ("1. Chi bộ có trách nhiệm ...").
_NEEDS_SHORT = {1, 3, 6, 7}
_SHORT_HEADING_WORDS = 20
_CLOSING = re.compile(r"^(?:T/M|TM\.|T/L|TL\.|K/T|KT\.|Nơi nhận)", re.IGNORECASE)
_CLAUSE_START = re.compile(r"(?:\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ]\)|[-+•])\s")


def chunk_text(text: str, max_tokens: int = 400, overlap_tokens: int = 60,
               count_tokens: Callable[[str], int] | None = None) -> list[Passage]:
    """Passages of `text` (see the module docstring); each `heading + "\\n" + text` counts at
    most `max_tokens` with `count_tokens` (default: `estimate_tokens`)."""
    count = count_tokens or estimate_tokens
    packer = _Packer(text, max_tokens, overlap_tokens, count)
    passages = []
    for heading, start, end in _sections(text):
        passages.extend(packer.pack(heading, start, end))
    return passages


# ---------------------------------------------------------------- structure

def _sections(text: str):
    """(heading path, body start, body end) for each section of `text`, in order."""
    stack: list[tuple[int, str]] = []
    body_start = 0
    lines = list(_lines(text))
    i = 0
    while i < len(lines):
        start, end = lines[i]
        line = text[start:end]
        if _CLOSING.match(line) and stack:
            yield _path(stack), body_start, start
            stack, body_start = [], start
            i += 1
            continue
        nxt_line = text[lines[i + 1][0]:lines[i + 1][1]] if i + 1 < len(lines) else ""
        found = _heading(line, nxt_line)
        if found is None:
            i += 1
            continue
        rank, label, title_in_line = found
        consumed = end
        if not title_in_line and rank in (0, 2, 4) and i + 1 < len(lines):
            # "Chương II" with its title on the next line, as DOCX and PDF headers lay it out.
            nxt = text[lines[i + 1][0]:lines[i + 1][1]]
            if _heading(nxt) is None and len(nxt.split()) <= _SHORT_HEADING_WORDS and not nxt.endswith("."):
                label = f"{label}. {_title_case(nxt)}"
                consumed = lines[i + 1][1]
                i += 1
        yield _path(stack), body_start, start
        stack = [(r, lab) for r, lab in stack if r < rank] + [(rank, label)]
        # A long "Điều 1. Ban hành kèm theo ..." is content: its label heads the section and
        # the line itself stays in the body.
        body_start = consumed if title_in_line is not False else start
        i += 1
    yield _path(stack), body_start, len(text)


def _lines(text: str):
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        left = len(line) - len(line.lstrip())
        if line.strip():
            yield start + left, start + len(line.rstrip())
        start = end + 1


def _heading(line: str, next_line: str = "") -> tuple[int, str, bool | None] | None:
    """(rank, label, title_in_line) when `line` opens a section. title_in_line is True when the
    line is all heading, None when it is a bare label ("Chương II"), False when the line is a
    long article whose text must stay in the body."""
    # A line that goes on in lower case on the next one is a sentence wrapped by the PDF.
    wrapped = next_line[:1].islower()
    for pattern, rank in _KINDS:
        m = pattern.match(line)
        if not m:
            continue
        title = m.group("title").strip()
        marker = line[:m.start("title")].strip().rstrip(".")
        short = (len(title.split()) <= _SHORT_HEADING_WORDS and not title.endswith((".", ";", ","))
                 and not wrapped and not re.search(r"[;:.]\s", title))
        if rank in _NEEDS_SHORT:
            if not short or (rank == 1 and not is_caps(title) and len(title.split()) > 8):
                return None
            return rank, f"{marker}. {_title_case(title)}", True
        if not title:
            return rank, _title_case(marker), None
        if rank == 5 and not short:
            return rank, marker, False
        return rank, f"{marker}. {_title_case(title)}", True
    return None


def _title_case(title: str) -> str:
    title = title.strip().rstrip(":")
    return sentence_case(title) if is_caps(title) and len(title) > 3 else title


def _path(stack: list[tuple[int, str]]) -> str:
    return HEADING_SEPARATOR.join(label for _, label in stack)


# ---------------------------------------------------------------- packing

@dataclass
class _Unit:
    start: int
    end: int
    tokens: int
    clause: bool  # starts a numbered clause or list item: a good place to begin a passage


class _Packer:
    def __init__(self, text: str, max_tokens: int, overlap_tokens: int, count: Callable[[str], int]):
        if max_tokens < 16:
            raise ValueError("max_tokens must be at least 16")
        self.text = text
        self.max_tokens = max_tokens
        self.overlap_tokens = max(0, min(overlap_tokens, max_tokens // 2))
        self.count = count
        # What the counter adds for any text at all (special tokens): the parts of a passage
        # are counted one by one, and the passage pays it only once.
        self.fixed = count("")

    def pack(self, heading: str, start: int, end: int) -> list[Passage]:
        heading = self._fit_heading(heading)
        budget = self.max_tokens - (self.count(heading + "\n") - self.fixed if heading else 0)
        units = self._units(start, end, budget)
        passages: list[Passage] = []
        current: list[_Unit] = []
        fresh = 0  # units of `current` not already in the previous passage
        used = self.fixed
        i = 0
        while i < len(units):
            unit = units[i]
            fits = used + unit.tokens <= budget
            if fresh and fits and unit.clause and used > budget // 2:
                clause_end = next((j for j in range(i + 1, len(units)) if units[j].clause), len(units))
                fits = used + sum(u.tokens for u in units[i:clause_end]) <= budget
            if fits or not fresh:
                if not fits:
                    current, used = [], self.fixed
                current.append(unit)
                used += unit.tokens
                fresh += 1
                i += 1
                continue
            passages.append(self._passage(heading, current))
            current = self._overlap(current, budget - unit.tokens)
            used = self.fixed + sum(u.tokens for u in current)
            fresh = 0
        if fresh:
            passages.append(self._passage(heading, current))
        return [p for p in passages if p.text]

    def _passage(self, heading: str, units: list[_Unit]) -> Passage:
        # Counted parts add up to at least the whole for the tokenizers we use; this check
        # keeps the promise for any other counter too.
        while len(units) > 1 and self.count(self._joined(heading, units)) > self.max_tokens:
            units = units[:-1]
        return Passage(self.text[units[0].start:units[-1].end], heading)

    def _joined(self, heading: str, units: list[_Unit]) -> str:
        body = self.text[units[0].start:units[-1].end]
        return f"{heading}\n{body}" if heading else body

    def _overlap(self, previous: list[_Unit], room: int) -> list[_Unit]:
        kept: list[_Unit] = []
        total = 0
        limit = min(self.overlap_tokens, room - self.fixed)
        for unit in reversed(previous[1:]):
            if total + unit.tokens > limit:
                break
            kept.insert(0, unit)
            total += unit.tokens
        return kept

    def _fit_heading(self, heading: str) -> str:
        # A heading path may not eat the passage: keep its innermost parts within a quarter.
        limit = self.max_tokens // 4
        parts = heading.split(HEADING_SEPARATOR) if heading else []
        while len(parts) > 1 and self.count(HEADING_SEPARATOR.join(parts)) > limit:
            parts = parts[1:]
        heading = HEADING_SEPARATOR.join(parts)
        while heading and self.count(heading) > limit:
            heading = heading[: int(len(heading) * 0.8)].rstrip() + "…"
        return heading

    def _units(self, start: int, end: int, budget: int) -> list[_Unit]:
        units = []
        for s, e in sentence_spans(self.text[start:end]):
            s, e = s + start, e + start
            clause = bool(_CLAUSE_START.match(self.text, s))
            tokens = self.count(self.text[s:e]) - self.fixed
            if self.fixed + tokens <= budget:
                units.append(_Unit(s, e, tokens, clause))
                continue
            for k, (ps, pe) in enumerate(self._split_long(s, e, budget)):
                units.append(_Unit(ps, pe, self.count(self.text[ps:pe]) - self.fixed, clause and k == 0))
        return units

    def _split_long(self, start: int, end: int, budget: int, level: int = 0) -> list[tuple[int, int]]:
        """Pieces of text[start:end], each within `budget`, cut at the weakest break available."""
        if self.count(self.text[start:end]) <= budget:
            return [(start, end)]
        if level == len(_BREAKS):
            return self._split_chars(start, end, budget)
        pieces = _cut(self.text, start, end, _BREAKS[level])
        out: list[tuple[int, int]] = []
        for ps, pe in _greedy(self.text, pieces, budget, self.count):
            out.extend(self._split_long(ps, pe, budget, level + 1))
        return out

    def _split_chars(self, start: int, end: int, budget: int) -> list[tuple[int, int]]:
        out = []
        while start < end:
            lo, hi = start + 1, end
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if self.count(self.text[start:mid]) <= budget:
                    lo = mid
                else:
                    hi = mid - 1
            out.append((start, lo))
            start = lo
        return out


# Where an over-long sentence is cut, from the strongest break to the weakest.
_BREAKS = [re.compile(r";\s+"), re.compile(r":\s+"), re.compile(r",\s+"), re.compile(r"\s+")]


def _cut(text: str, start: int, end: int, pattern: re.Pattern) -> list[tuple[int, int]]:
    pieces, at = [], start
    for m in pattern.finditer(text, start, end):
        if m.start() > at:
            pieces.append((at, m.start() + (1 if text[m.start()] in ";:," else 0)))
        at = m.end()
    if at < end:
        pieces.append((at, end))
    return pieces


def _greedy(text: str, pieces: list[tuple[int, int]], budget: int, count) -> list[tuple[int, int]]:
    """Neighbouring pieces joined while they fit, so a cut sentence is not cut more than needed."""
    out: list[tuple[int, int]] = []
    for ps, pe in pieces:
        if out and count(text[out[-1][0]:pe]) <= budget:
            out[-1] = (out[-1][0], pe)
        else:
            out.append((ps, pe))
    return out


# ---------------------------------------------------------------- Haystack
