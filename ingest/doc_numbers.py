"""Document numbers and their match keys.

Party numbers are written `<number>-<type code>/<issuer code>`: `27-QĐ/TW`, `121-KH/TU`,
`05-CT/QU`; state numbers `<number>/[<year>/]<type>-<issuer>`: `15/2023/NĐ-CP`, `1234/QĐ-UBND`.
`normalize_number` returns the display form (upper case, no spaces, Đ in NFC, as written: party
style stays party style, state style stays state style; leading zeros kept, "05-CT/QU").
A bare type and number ("qd 27", "Quyết định 27") gives `27-QĐ`.

`number_keys` gives diacritic-free, lower-case keys, so that whatever a member types and whatever
the document says meet on at least one key:

- `27-qd/tw`  number, type code, issuer code; the same for `27-QĐ/TW` and `27/QĐ-TW` (members mix
  the two styles); leading zeros dropped (`05-CT/QU` -> `5-ct/qu`).
- `qd-27`     type code and number: what "QĐ 27", "quyết định số 27", "quyet dinh 27" give.
  The word "quy định" gives both `qd-` and `qdi-`: central quy định were numbered `-QĐi/TW`
  before 2021 and `-QĐ/TW` since.
- `nd-15/2023` type, number and year, for state numbers that carry a year.

A number alone ("số 27") gives no key: without its type it matches too many documents.
`number_keys` finds every number in a free text (a query), not only in a bare number.
"""
from __future__ import annotations

import bisect
import re

from .doctypes import DOCUMENT_TYPES, TYPE_OF_CODE
from .vntext import fold, nfc

__all__ = ["normalize_number", "number_keys", "PARTY_NUMBER", "STATE_NUMBER"]

# Codes typed without their diacritics ("qd", "nd") and the mixed-case ones, back to how they are
# written. Only codes that cannot be read another way: "HD" stays HD (hướng dẫn), not HĐ.
CODE_SPELLING = {"QD": "QĐ", "QDI": "QĐi", "QĐI": "QĐi", "ND": "NĐ", "DU": "ĐU", "DUK": "ĐUK",
                  "HDND": "HĐND", "TTG": "TTg", "CTR": "CTr", "TTR": "TTr", "DA": "ĐA",
                  "BGDDT": "BGDĐT", "DD": "ĐĐ", "T.U": "TW", "T.Ư": "TW", "TƯ": "TW"}

_LETTERS = r"[^\W\d_]"
_CODE = rf"{_LETTERS}{{1,8}}(?:\.{_LETTERS}{{1,3}})?"
# A number as state documents write it ("15/2023/NĐ-CP") and as party documents do ("27-QĐ/TW").
STATE_NUMBER = re.compile(
    rf"(?<![\w/])(?P<num>\d{{1,5}})\s*/\s*(?:(?P<year>(?:19|20)\d\d)\s*/\s*)?(?P<type>{_LETTERS}{{1,6}})"
    rf"\s*[-–]\s*(?P<issuer>{_CODE}(?:\s*-\s*{_CODE})*)(?![\w/])")
PARTY_NUMBER = re.compile(
    rf"(?<![\w/])(?P<num>\d{{1,5}})\s*[-–—]?\s*(?P<type>{_LETTERS}{{1,6}})\s*/\s*(?P<issuer>{_CODE})(?![\w/])")
_TYPE_CODES_FOLDED = sorted({fold(c).lower() for codes in DOCUMENT_TYPES.values() for c in codes}
                            | {"qdi"}, key=len, reverse=True)
_TYPE_WORDS_FOLDED = sorted({fold(w) for w in DOCUMENT_TYPES}, key=len, reverse=True)
_TYPE_AND_NUMBER = re.compile(
    r"(?<![\w/])(?P<type>" + "|".join(map(re.escape, _TYPE_WORDS_FOLDED + _TYPE_CODES_FOLDED)) + r")"
    r"\s*(?:so\s*)?[:.]?\s*(?P<num>\d{1,5})(?:\s*/\s*(?P<year>(?:19|20)\d\d))?(?![\d,.]\d)")


def normalize_number(text: str) -> str | None:
    """The display form of the first document number in `text` (see the module docstring)."""
    found = _parse_numbers(text)
    return found[0]["display"] if found else None


def number_keys(text: str) -> set[str]:
    """Folded match keys of every document number in `text` (see the module docstring)."""
    keys: set[str] = set()
    for found in _parse_numbers(text):
        keys |= found["keys"]
    return keys


class _Taken:
    """Character ranges already read as part of a number: `covers(i)` in O(log n), where a scan of
    every range made a text of many numbers (a hostile file, or a long table) quadratic."""

    def __init__(self, ranges: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def covers(self, i: int) -> bool:
        k = bisect.bisect_right(self.starts, i) - 1
        return k >= 0 and i < self.ends[k]


_KNOWN_CODES = {fold(c).upper() for c in TYPE_OF_CODE} | {"TTG", "TT"}


def _parse_numbers(text: str) -> list[dict]:
    # Some fonts and OCR give the Icelandic eth (Ð, U+00D0) for the Vietnamese Đ (U+0110).
    text = nfc(text).replace("\u00d0", "Đ").replace("\u00f0", "đ")
    found = []
    taken: list[tuple[int, int]] = []
    state_taken = _Taken([])
    for pattern, style in ((STATE_NUMBER, "state"), (PARTY_NUMBER, "party")):
        if style == "party":
            # A party number never starts inside an earlier one of its own (finditer does not
            # overlap): only the state numbers can have taken its place.
            state_taken = _Taken(taken)
        for m in pattern.finditer(text):
            if state_taken.covers(m.start()):
                continue
            type_code = _spell_code(m.group("type"))
            if fold(type_code).upper() not in _KNOWN_CODES \
                    and style == "party" and not _looks_like_code(m.group("type")):
                continue
            issuer = "-".join(_spell_code(part) for part in re.split(r"\s*-\s*", m.group("issuer")))
            year = m.groupdict().get("year")
            num = m.group("num")
            if style == "state":
                display = f"{num}/{year + '/' if year else ''}{type_code}-{issuer}"
            else:
                display = f"{num}-{type_code}/{issuer}"
            keys = {f"{int(num)}-{_key(type_code)}/{_key(issuer)}"} | _type_keys(type_code, num, year)
            found.append({"start": m.start(), "display": display, "keys": keys})
            taken.append((m.start(), m.end()))
    folded = fold(text).lower()
    all_taken = _Taken(taken)
    for m in _TYPE_AND_NUMBER.finditer(folded):
        if all_taken.covers(m.start()) or all_taken.covers(m.start("num")):
            continue
        word = m.group("type")
        codes = _codes_of_word(word)
        if not codes:
            continue
        num, year = m.group("num"), m.group("year")
        keys = set()
        for code in codes:
            keys |= _type_keys(code, num, year)
        found.append({"start": m.start(), "display": f"{num}-{codes[0]}", "keys": keys})
    return sorted(found, key=lambda f: f["start"])


def _looks_like_code(code: str) -> bool:
    # "27 tháng/năm" must not read as a number: a code is short and written in capitals.
    return code.isupper() or fold(code).upper() in CODE_SPELLING


def _codes_of_word(folded_word: str) -> list[str]:
    for word, codes in DOCUMENT_TYPES.items():
        if fold(word) == folded_word:
            return list(codes)
    for code in {c for codes in DOCUMENT_TYPES.values() for c in codes} | {"QĐi"}:
        if fold(code).lower() == folded_word:
            return ["QĐ", "QĐi"] if code == "QĐi" else [code]
    return []


def _type_keys(type_code: str, num: str, year: str | None) -> set[str]:
    keys = {f"{_key(type_code)}-{int(num)}"}
    if year:
        keys.add(f"{_key(type_code)}-{int(num)}/{year}")
    return keys


def _key(code: str) -> str:
    return fold(code).lower()


def _spell_code(code: str) -> str:
    upper = nfc(code).upper().replace(" ", "")
    return CODE_SPELLING.get(upper, CODE_SPELLING.get(fold(upper), upper)
                              if "Đ" not in upper else CODE_SPELLING.get(upper, upper))
