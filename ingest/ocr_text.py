"""Recognised Vietnamese text, cleaned: the repairs that Tesseract's output needs.

Each repair is one function from a page's text to a page's text, listed in `REPAIRS` in the order
they run; `bench/bench_ocr.py` measures what each gains in character error rate (docs/ocr.md)
and only those that help are listed. The mark repair needs to know which words are common: a
`Vocabulary` says how many passages of the library hold a syllable or a two-syllable phrase (the
keyword index knows; an empty library knows nothing, and then only the syllable inventory of
ingest.syllables decides).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import product
from typing import Protocol

from .doc_numbers import CODE_SPELLING
from .errors import ReadError
from .pdf import join_pages
from .syllables import is_syllable
from .vntext import canonical_syllable, nfc, place_tone, split_tone


class Vocabulary(Protocol):
    def __call__(self, term: str) -> int:
        """Passages holding `term`: a lower-case syllable, or two separated by one space."""
        ...


def no_vocabulary(term: str) -> int:
    return 0


# --- glyphs -------------------------------------------------------------------------------------
# Characters Tesseract puts where Vietnamese documents have plainer ones: a fraction slash in
# "Trang 1⁄4", ligatures, a low double quote for a comma.
_GLYPHS = str.maketrans({"\u2044": "/", "\ufb01": "fi", "\ufb02": "fl", "\u201e": ",", "\u00a6": "|"})


def glyphs(text: str) -> str:
    return nfc(text).translate(_GLYPHS)


# --- words hyphenated at line ends -------------------------------------------------------------
_HYPHENATED = re.compile(r"([^\W\d_]{2,})-\n([a-zà-ỹđ])")


def hyphens(text: str) -> str:
    """"công nghi-\\nệp" -> "công nghiệp": a letter before the hyphen, a lower-case one after."""
    return _HYPHENATED.sub(r"\1\2", text)


# --- specks read as characters -----------------------------------------------------------------
# A token made only of these is dust on the scan, not text ("'", "_", ":" alone between words).
_SPECK_CHARS = set("'\"`‘’‚„ˆ˜~_:;.,|¦¬°•·^")
_TOKEN = re.compile(r"\S+")


def _is_speck(token: str) -> bool:
    if not set(token) <= _SPECK_CHARS:
        return False
    # "....." and "____" are a form's fill-in lines, printed on purpose.
    return not (len(token) >= 3 and len(set(token)) == 1)


def _is_stray_letter(token: str) -> bool:
    # One lower-case consonant alone is never a Vietnamese word ("a)", "b." keep their mark).
    return len(token) == 1 and token.isalpha() and token.islower() and not is_syllable(token)


# Specks glued to a word or number ("02-NQ/CB_."): marks no Vietnamese word begins or ends with.
_GLUED = re.compile(r"(?<=[^\W_]|[.,;:)])[_`^˜¸]{1,2}(?=[\s.,;:]|$)|(?<![\w`^˜¸])[_`^˜¸]{1,2}(?=[^\W_])")


def specks(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        tokens = line.split()
        kept = [t for t in tokens if not (_is_speck(t) or _is_stray_letter(t))]
        line = " ".join(kept) if len(kept) != len(tokens) else line
        lines.append(_GLUED.sub("", line))
    return "\n".join(lines)


# --- document numbers ---------------------------------------------------------------------------
# "Số 2l-NQ/TW", "27- QĐ/TW", "1O5-QD/TW": digits misread as letters inside a party number, the
# type code without its Đ, spaces Tesseract put around the hyphen and slash.
_NUMBER = re.compile(r"(?<![\w/])(?P<num>[0-9OoIl|]{1,5})\s*-\s*(?P<type>[A-ZĐ]{1,5}[a-z]?)\s*/\s*"
                     r"(?P<issuer>[A-ZĐ]{1,6}(?:-[A-ZĐ]{1,6})?)(?![\w/])")
_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def numbers(text: str) -> str:
    def repair(match: re.Match) -> str:
        num = match["num"]
        if not any(ch.isdigit() for ch in num):
            return match.group(0)  # "Ban-TC/TW"? no digit at all: not a number
        code = CODE_SPELLING.get(match["type"], match["type"])
        issuer = CODE_SPELLING.get(match["issuer"], match["issuer"])
        return f"{num.translate(_DIGITS)}-{code}/{issuer}"
    return _NUMBER.sub(repair, text)


# --- diacritics ---------------------------------------------------------------------------------
# Tesseract's Vietnamese model confuses the marks it stacks on â, ê, ô (ế/ể/ễ), drops marks
# ("quyet") and swaps o/ô/ơ, u/ư, a/ă/â. A word that cannot be a syllable is replaced by the
# confusable syllable the library's vocabulary knows best (alone and beside the word's
# neighbours); a word that can be a syllable is replaced only when the library has seen a
# confusable word beside its neighbours often, and ten times more often than the word itself.
_SHAPES = {"a": "aăâ", "ă": "aăâ", "â": "aăâ", "e": "eê", "ê": "eê", "o": "oôơ", "ô": "oôơ", "ơ": "oôơ",
           "u": "uư", "ư": "uư", "d": "dđ", "đ": "dđ"}
_TONES = (None, "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_WORD = re.compile(r"[^\W\d_]+")
CONTEXT_WEIGHT = 5  # a neighbouring phrase counts as much as this many sightings of the word alone
STRONG = 3  # sightings in context a valid word's replacement needs at least
RATIO = 10  # ... and how many times more than the word itself has there


def _variants(word: str) -> dict[str, int]:
    """Syllables one confusion away from lower-case `word`, with their cost: 1 for another tone,
    2 for another vowel shape (or d/đ), 3 for both."""
    bare, tone = split_tone(word)
    found: dict[str, int] = {}
    positions = [i for i, ch in enumerate(bare) if ch in _SHAPES]
    shapes = [bare]
    for i in positions:  # one letter reshaped at most
        shapes += [bare[:i] + alt + bare[i + 1:] for alt in _SHAPES[bare[i]] if alt != bare[i]]
    for shape, other in product(shapes, _TONES):
        candidate = place_tone(shape, other)
        if candidate == word or candidate in found or not is_syllable(candidate):
            continue
        found[candidate] = (1 if other != tone else 0) + (2 if shape != bare else 0)
    return found


def _recase(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def marks_with(vocabulary: Vocabulary) -> Callable[[str], str]:
    def marks(text: str) -> str:
        return "\n".join(_repair_line(line, vocabulary) for line in text.split("\n"))
    marks.__name__ = "marks"
    return marks


def _repair_line(line: str, vocabulary: Vocabulary) -> str:
    words = list(_WORD.finditer(line))
    if not words:
        return line
    lower = [canonical_syllable(m.group(0).lower()) for m in words]
    out, last = [], 0
    for i, match in enumerate(words):
        word = lower[i]
        before = lower[i - 1] if i > 0 else None
        after = lower[i + 1] if i + 1 < len(lower) else None
        choice = _choose(word, before, after, vocabulary)
        if choice is not None:
            out.append(line[last:match.start()])
            out.append(_recase(match.group(0), choice))
            last = match.end()
            lower[i] = choice
    out.append(line[last:])
    return "".join(out)


def _context(word: str, before: str | None, after: str | None, vocabulary: Vocabulary) -> int:
    return ((vocabulary(f"{before} {word}") if before else 0) + (vocabulary(f"{word} {after}") if after else 0))


def _choose(word: str, before: str | None, after: str | None, vocabulary: Vocabulary) -> str | None:
    if len(word) > 7 or not word.isalpha():
        return None  # the longest syllable, "nghiêng", has 7 letters: this is a foreign word or a name
    valid = is_syllable(word)
    variants = _variants(word)
    if not variants:
        return None
    scored = {c: (vocabulary(c) + CONTEXT_WEIGHT * _context(c, before, after, vocabulary), -cost)
              for c, cost in variants.items()}
    if not valid:
        # The library's vocabulary decides; with no evidence the word stays as read (taking the
        # one closest syllable instead cost more than it gained: docs/ocr.md).
        best = max(scored, key=lambda c: scored[c])
        return best if scored[best][0] > 0 else None
    own = _context(word, before, after, vocabulary)
    best = max(scored, key=lambda c: (_context(c, before, after, vocabulary), scored[c]))
    theirs = _context(best, before, after, vocabulary)
    if variants[best] == 1 and theirs >= STRONG and theirs >= RATIO * (own + 1):
        return best
    return None


def repairs(vocabulary: Vocabulary = no_vocabulary) -> list[Callable[[str], str]]:
    """The repairs that run on every recognised page, in order (what each gains: docs/ocr.md)."""
    return [glyphs, hyphens, specks, numbers, marks_with(vocabulary)]


def clean_recognised(text: str, vocabulary: Vocabulary = no_vocabulary,
                     steps: list[Callable[[str], str]] | None = None) -> str:
    for step in steps if steps is not None else repairs(vocabulary):
        text = step(text)
    return unicodedata.normalize("NFC", text)


MIN_RECOGNISED_LETTERS = 3


def recognised_text(pages: list[str], recognised: list[int], vocabulary: Vocabulary = no_vocabulary,
                    steps: list[Callable[[str], str]] | None = None) -> str:
    """A document's text from its pages, the `recognised` ones cleaned, running lines dropped;
    ReadError when OCR found nothing to read."""
    cleaned = [clean_recognised(text, vocabulary, steps) if i in recognised else text for i, text in enumerate(pages)]
    if not any(sum(ch.isalpha() for ch in cleaned[i]) >= MIN_RECOGNISED_LETTERS for i in recognised) and not any(
            cleaned[i].strip() for i in range(len(cleaned)) if i not in recognised):
        raise ReadError("no text recognised: the image holds no readable Vietnamese text; scan or photograph the "
                        "page again, straight and in good light, at 200 dpi or more")
    return join_pages(cleaned)
