"""Vietnamese text utilities shared by ingest, index and search: the one place they live.

Documents and queries go through the same functions, so that "hoà" typed on one keyboard finds
"hòa" typed on another, and "nghi quyet" finds "nghị quyết".
"""
from __future__ import annotations

import re
import unicodedata

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


def _split_tone(syllable: str) -> tuple[str, str | None]:
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
    bare, tone = _split_tone(syllable)
    if tone is None:
        return nfc(syllable)
    pos = _tone_position(bare.lower())
    if pos is None:
        return nfc(syllable)
    return nfc(bare[: pos + 1] + tone + bare[pos + 1 :])


def canonical_tones(text: str) -> str:
    """Put every Vietnamese tone mark in one canonical place (classic style): hoà -> hòa."""
    return _WORD.sub(lambda m: canonical_syllable(m.group(0)) if _has_tone(m.group(0)) else m.group(0),
                     nfc(text))


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
