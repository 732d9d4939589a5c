"""The tokenizer of the keyword index: text, of documents and queries alike, to the syllables
and terms BM25 counts.

The same `index_syllables` runs over documents (by the keyword index) and over queries (by
index.query), so an abbreviation or a Roman numeral is expanded identically on both sides: "UBND"
finds "Ủy ban nhân dân", "Đại hội XIII" finds "Đại hội 13", and the other way round. A field's
terms are its syllables and syllable bigrams (`field_terms`), indexed as written and folded; a
folded term carries the `FOLDED` prefix.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.doctypes import TYPE_OF_CODE
from ingest.vntext import canonical_tones, fold, nfc, roman_value

FOLDED = "~"  # prefix of folded terms; "~" is never part of a syllable

# Abbreviations that are never an ordinary Vietnamese syllable, so they are recognized in any
# case and with or without diacritics ("ubnd", "hdnd", "bch tw").
ABBREVIATIONS = {
    "tw": "trung ương",
    "bch": "ban chấp hành",
    "bct": "bộ chính trị",
    "bbt": "ban bí thư",
    "btv": "ban thường vụ",
    "bcđ": "ban chỉ đạo",
    "ubkt": "ủy ban kiểm tra",
    "hđnd": "hội đồng nhân dân",
    "ubnd": "ủy ban nhân dân",
    "mttq": "mặt trận tổ quốc",
    "ubmttq": "ủy ban mặt trận tổ quốc",
    "đcsvn": "đảng cộng sản việt nam",
    "csvn": "cộng sản việt nam",
    "đbqh": "đại biểu quốc hội",
    "qh": "quốc hội",
    "cp": "chính phủ",
    "ttg": "thủ tướng",
    "cnxh": "chủ nghĩa xã hội",
    "xhcn": "xã hội chủ nghĩa",
    "kt-xh": "kinh tế xã hội",
    "ktxh": "kinh tế xã hội",
    "qp-an": "quốc phòng an ninh",
    "qpan": "quốc phòng an ninh",
    "tncs": "thanh niên cộng sản",
    "hlhpn": "hội liên hiệp phụ nữ",
    "lđlđ": "liên đoàn lao động",
    "ccb": "cựu chiến binh",
    "tp": "thành phố",
    "tphcm": "thành phố hồ chí minh",
    "hcm": "hồ chí minh",
    # Type codes typed alone ("NQ 21", "qđ"), read as their type word. TT, which TYPE_OF_CODE
    # leaves out (a thông tri or a thông tư), is read as thông tư.
    **{code.lower(): TYPE_OF_CODE[code] for code in ("NQ", "QĐ", "NĐ", "CT", "KL", "HD", "KH", "TB")},
    "tt": "thông tư",
}
# Forms that are also ordinary words ("tư", "q", "p") count as abbreviations only when written
# the way documents write them: capitals, with the dot, before a name or number.
_CASED_ABBREVIATIONS = [
    (re.compile(r"\bT\.\s?Ư\b|\bTƯ\b|\bT\.\s?W\b"), "TW"),
    (re.compile(r"\bTP\.\s?(?=[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ0-9])"), "TP "),
    (re.compile(r"\bQ\.\s?(?=\d|[A-ZĐ])"), "quận "),
    (re.compile(r"\bP\.\s?(?=\d|[A-ZĐ])"), "phường "),
]
_FOLDED_ABBREVIATIONS = {fold(k): v for k, v in ABBREVIATIONS.items()}
# "KT-XH", "QP-AN": joined so that each is one token.
_HYPHENATED = re.compile(
    "|".join(rf"\b{re.escape(k.split('-')[0])}\s?-\s?{re.escape(k.split('-')[1])}\b"
             for k in ABBREVIATIONS if "-" in k),
    re.IGNORECASE,
)

# Words after which a Roman numeral or a spelled-out number is an ordinal ("Đại hội XIII",
# "khóa mười ba"); elsewhere "vi", "xi", "di" are ordinary syllables.
_NUMERAL_CONTEXT = {"hoi", "khoa", "chuong", "muc", "phan", "thu", "ky", "luc"}
# Capitalized Roman numerals that are also Vietnamese syllables in capitalized headings.
_ROMAN_WORDS = {"vi", "xi", "li", "di", "mi", "ci", "lx"}
# Spelled digits must carry their tones: unaccented "sau", "bay", "nam" are mostly other words.
_DIGITS = {"một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
           "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def _spelled_number(words: list[str]) -> tuple[int, int] | None:
    """Value and length of a spelled-out number 1-99 at the start of lower-case `words`."""
    if not words:
        return None
    units = lambda j: _DIGITS.get(words[j]) if j < len(words) else None  # noqa: E731
    if words[0] == "mười":
        unit = units(1)
        return (10 + unit, 2) if unit else (10, 1)
    first = units(0)
    if first is None or words[0] in ("tư", "lăm", "mốt"):
        return None
    if len(words) > 1 and words[1] in ("mươi", "mười"):
        unit = units(2)
        return (first * 10 + unit, 3) if unit else (first * 10, 2)
    return first, 1


def expansion(token: str) -> str | None:
    """The spelled-out form of an abbreviation token ("UBND", "ubnd", "hdnd"), else None."""
    key = token.lower().replace("-", "")
    return _ABBREVIATION_KEYS.get(key)


_ABBREVIATION_KEYS = {k.replace("-", ""): v for k, v in {**_FOLDED_ABBREVIATIONS, **ABBREVIATIONS}.items()}


@lru_cache(maxsize=1 << 18)
def _word(token: str) -> tuple[str, tuple[str, ...], int | None, str]:
    """A token's lower-case canonical form, its expansion's syllables, Roman value, folded form."""
    lower = canonical_tones(token.lower())
    spelled = expansion(lower)
    value = roman_value(lower) if token.isupper() or len(token) < 8 else None
    return lower, tuple(spelled.split()) if spelled else (), value, fold(lower)


def _prepare(text: str) -> list[str]:
    text = nfc(text)
    for pattern, written in _CASED_ABBREVIATIONS:
        text = pattern.sub(written, text)
    return re.findall(r"\w+", _HYPHENATED.sub(lambda m: re.sub(r"[\s-]", "", m.group(0)), text))


def index_syllables(text: str) -> list[str]:
    """Lower-case syllables with tones canonical, abbreviations expanded and ordinals as digits.

    An abbreviation is kept and followed by its expansion ("UBND" -> ubnd ủy ban nhân dân), so it
    matches both the abbreviation and the words, on documents and queries alike.
    """
    raw = _prepare(text)
    out: list[str] = []
    previous_folded = ""
    i = 0
    while i < len(raw):
        token = raw[i]
        lower, spelled, value, folded = _word(token)
        after_context = previous_folded in _NUMERAL_CONTEXT
        if value is not None and (
            after_context or (token.isupper() and len(token) > 1 and lower not in _ROMAN_WORDS)
        ):
            out.append(str(value))
            previous_folded = ""
            i += 1
            continue
        if after_context:
            number = _spelled_number([w.lower() for w in raw[i : i + 3]])
            if number is not None:
                out.append(str(number[0]))
                previous_folded = ""
                i += number[1]
                continue
        out.append(lower)
        out.extend(spelled)
        previous_folded = _word(spelled[-1])[3] if spelled else folded
        i += 1
    return out


def fold_syllable(syllable: str) -> str:
    """`fold` for one syllable, cached: documents repeat a few thousand syllables endlessly."""
    return _word(syllable)[3]


def spell_out(text: str) -> str:
    """`text` with every abbreviation replaced by its expansion ("UBND Hà Nội" -> "ủy ban nhân dân
    Hà Nội"), the rest as written: what the embedding model reads."""
    text = _HYPHENATED.sub(lambda m: re.sub(r"[\s-]", "", m.group(0)), text)
    return re.sub(r"\w+", lambda m: " ".join(_word(m.group(0))[1]) or m.group(0), text)


def field_terms(syllables: list[str], skip: frozenset[int] | set[int] = frozenset()) -> list[str]:
    """Unigrams and adjacent-syllable bigrams of one field, less every term that touches a
    position in `skip` (a query's question words)."""
    if not skip:  # every document, at ingest
        return syllables + [f"{a} {b}" for a, b in zip(syllables, syllables[1:], strict=False)]
    unigrams = [s for i, s in enumerate(syllables) if i not in skip]
    bigrams = [f"{syllables[i]} {syllables[i + 1]}" for i in range(len(syllables) - 1)
               if i not in skip and i + 1 not in skip]
    return unigrams + bigrams
