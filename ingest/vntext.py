"""Vietnamese text utilities shared by ingest, index and search: the one place they live.

Documents and queries go through the same functions, so that "hoà" typed on one keyboard finds
"hòa" typed on another, and "nghi quyet" finds "nghị quyết". Besides normalization and folding:
Roman numerals, the test for a line written in capitals, and `sentence_case`, which turns such
a line into a sentence.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .doctypes import DOCUMENT_TYPES

# The five tone marks, as combining characters after NFD.
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# Vowels that carry a shape mark (circumflex, breve, horn); in a cluster the tone sits on them.
_SHAPED = set("âăêôơư")
_VOWELS = set("aăâeêioôơuưy")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\u200c\u200d\u00ad]")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def split_tone(syllable: str) -> tuple[str, str | None]:
    """Return the syllable without its tone mark (NFC) and the mark (or None)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = None
    kept = []
    for ch in decomposed:
        if ch in TONE_MARKS:
            tone = ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(bare: str) -> int | None:
    """Index in `bare` (lower-case, toneless) of the vowel that carries the tone, classic style.

    Classic placement ("hòa", "thủy", "khỏe") is what most official documents use; with a final
    consonant both styles agree ("hoàn", "thuyền").
    """
    start = 0
    # "qu" and "gi" (before another vowel) are onsets, not part of the vowel cluster.
    if bare.startswith("qu"):
        start = 2
    elif bare.startswith("gi") and len(bare) > 2 and bare[2] in _VOWELS:
        start = 2
    while start < len(bare) and bare[start] not in _VOWELS:
        start += 1
    end = start
    while end < len(bare) and bare[end] in _VOWELS:
        end += 1
    if start >= len(bare):
        # "gi" alone ("gì"), or no vowel after the onset: fall back to the last vowel.
        vowels = [i for i, ch in enumerate(bare) if ch in _VOWELS]
        return vowels[-1] if vowels else None
    cluster = range(start, end)
    shaped = [i for i in cluster if bare[i] in _SHAPED]
    if shaped:
        return shaped[-1]  # "ươ" -> on ơ; "uâ" -> on â
    if end < len(bare):  # closed syllable: on the last vowel
        return end - 1
    if len(cluster) == 1:
        return start
    if len(cluster) == 2:
        return start
    return start + 1


def canonical_syllable(syllable: str) -> str:
    bare, tone = split_tone(syllable)
    if tone is None:
        return nfc(syllable)
    pos = _tone_position(bare.lower())
    if pos is None:
        return nfc(syllable)
    return nfc(bare[: pos + 1] + tone + bare[pos + 1 :])


def place_tone(bare: str, tone: str | None) -> str:
    """A toneless syllable with `tone` (a combining mark, or None) in its canonical place."""
    if tone is None:
        return nfc(bare)
    pos = _tone_position(bare.lower())
    return nfc(bare) if pos is None else nfc(bare[: pos + 1] + tone + bare[pos + 1 :])


def canonical_tones(text: str) -> str:
    """Put every Vietnamese tone mark in one canonical place (classic style): hoà -> hòa."""
    return _WORD.sub(lambda m: _canonical_word(m.group(0)), nfc(text))


@lru_cache(maxsize=1 << 16)
def _canonical_word(word: str) -> str:
    # Cached: a library repeats a few thousand syllables endlessly, and placing tones was a third
    # of ingest's work outside the embedding model (bench/bench_embed.py, docs/benchmarks.md).
    return canonical_syllable(word) if _has_tone(word) else word


def _has_tone(word: str) -> bool:
    return any(ch in TONE_MARKS for ch in unicodedata.normalize("NFD", word))


def normalize_text(text: str) -> str:
    """NFC, canonical tone marks, no control characters, single spaces; line breaks are kept."""
    text = _CONTROL.sub("", nfc(text.replace("\r\n", "\n").replace("\r", "\n")))
    text = canonical_tones(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def fold(text: str) -> str:
    """Remove every diacritic, as a phone keyboard without Vietnamese input would: đ -> d."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def has_diacritics(text: str) -> bool:
    return fold(text) != text


def syllables(text: str) -> list[str]:
    """Lower-case syllables (words between spaces and punctuation), numbers kept whole."""
    return re.findall(r"\w+", nfc(text).lower())


# ---------------------------------------------------------------- Roman numerals

# A Roman numeral up to 399, lower case: congresses, terms, chapters and parts are numbered so.
_ROMAN = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def roman_value(token: str) -> int | None:
    """The value of a well-formed Roman numeral in either case ("XIII", "xiii" -> 13), else None."""
    match = _ROMAN.match(token.lower())
    if not match:
        return None
    total, previous = 0, 0
    for ch in reversed(token.lower()):
        value = _ROMAN_VALUES[ch]
        total += -value if value < previous else value
        previous = max(previous, value)
    return total


def looks_roman(word: str) -> bool:
    """Written only in the capital letters of Roman numerals, as a heading writes an ordinal
    ("KHÓA XIII"); VI, LI and CV are taken for a syllable ("VI PHẠM") or a code (công văn)."""
    return bool(re.fullmatch(r"[IVXLC]+", word)) and word not in {"VI", "LI", "CV"}


# ---------------------------------------------------------------- capitals

def is_caps(text: str) -> bool:
    """Every letter of `text` is a capital (and it has letters)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def mostly_caps(text: str) -> bool:
    """More than four letters in five are capitals: a line written in capitals, allowing for
    mixed-case codes ("QĐi", "TTg") and a stray small letter."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) / len(letters) > 0.8


# Names that keep their capitals when a line in capitals is turned into sentence case.
_PROPER = [
    "Ban Chấp hành Trung ương Đảng", "Ban Chấp hành Trung ương", "Bộ Chính trị", "Ban Bí thư",
    "Ủy ban Kiểm tra Trung ương", "Văn phòng Trung ương Đảng", "Ban Tổ chức Trung ương",
    "Ban Tuyên giáo Trung ương", "Ban Dân vận Trung ương", "Ban Nội chính Trung ương", "Ban Kinh tế Trung ương",
    "Ban Thường vụ Thành ủy", "Ban Thường vụ", "Đảng Cộng sản Việt Nam", "Điều lệ Đảng", "Cương lĩnh",
    "Mặt trận Tổ quốc Việt Nam", "Mặt trận Tổ quốc", "Quốc hội", "Chính phủ", "Hồ Chí Minh", "Việt Nam", "Hà Nội",
    "Thủ đô", "Trung ương", "chủ nghĩa Mác - Lênin", "Mác - Lênin", "Thành ủy Hà Nội", "Hội nghị lần thứ",
    "Đại hội đại biểu toàn quốc", "Đại hội đại biểu", "Bác Hồ", "Tổ quốc", "COVID-19",
]
_ACRONYMS = {"UBND", "HĐND", "MTTQ", "CNTT", "BCH", "TW", "KT-XH", "THCS", "THPT", "ĐBQH", "CCHC"}
# The word "đảng" is the Party (capital) except inside these common nouns: đảng viên, tổ chức đảng ...
_PARTY_COMMON_AFTER = {"viên", "bộ", "ủy", "đoàn", "phí", "vụ", "tịch", "kỳ", "viện"}
_PARTY_COMMON_BEFORE = {"sở", "quan", "chức", "ban", "tác", "hoạt", "kiện", "đoàn", "chi", "đảng", "cấp", "trong"}
_AFTER_ROMAN = {"khóa", "hội", "chương", "phần", "mục", "thứ", "đại"}
_DOCUMENT_NAMES_AFTER = {"hành", "hiện", "khai", "theo", "thi"}


def sentence_case(text: str) -> str:
    """A line written in capitals, as a sentence: first letter, names, acronyms, numbers and Roman
    numerals keep their capitals ("NGHỊ QUYẾT ĐẠI HỘI XIII CỦA ĐẢNG" -> "Nghị quyết Đại hội XIII của Đảng")."""
    original = nfc(text).split()
    words = [w.lower() for w in original]
    for i, word in enumerate(original):
        bare = word.strip(",.;:()\"“”")
        if bare in _ACRONYMS or re.search(r"\d", bare) or ("/" in bare and bare.isupper()):
            words[i] = word
        elif looks_roman(bare) and i > 0 and words[i - 1].strip(",") in _AFTER_ROMAN:
            words[i] = word
        elif bare.lower() == "đảng":
            after = words[i + 1].strip(",.;:") if i + 1 < len(words) else ""
            before = words[i - 1].strip(",.;:") if i > 0 else ""
            if after not in _PARTY_COMMON_AFTER and before not in _PARTY_COMMON_BEFORE:
                words[i] = words[i].replace("đảng", "Đảng")
        elif bare.lower() in {"quy", "nghị", "chỉ", "kết", "chương", "kế"} and i > 0 \
                and words[i - 1].strip(",") in _DOCUMENT_NAMES_AFTER and i + 1 < len(words):
            # "ban hành Quy định", "thực hiện Nghị quyết": a named document keeps its capital.
            pair = f"{bare.lower()} {words[i + 1].strip(',.;:')}"
            if pair in DOCUMENT_TYPES:
                words[i] = words[i][:1].upper() + words[i][1:]
    out = " ".join(words)
    # A named congress: "Đại hội XIII", "Đại hội đại biểu", "Đại hội lần thứ", "Đại hội Đảng".
    out = re.sub(r"(?<!\w)đại hội(?= (?:[IVXLC]+\b|\d|đại biểu|lần thứ|Đảng))", "Đại hội", out)
    for name in sorted(_PROPER, key=len, reverse=True):
        out = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", name, out, flags=re.IGNORECASE)
    if out[:1].islower():
        out = out[:1].upper() + out[1:]
    return out
