"""Which strings can be Vietnamese syllables: onset, rhyme and tone, as the orthography allows.

OCR repairs (ingest/ocr_text.py) need to know that "quyet" cannot be a word (a rhyme closed by
-c, -ch, -p or -t takes the sắc or nặng tone only) and that "nghị" can. No kept library says
this for Vietnamese, so it is written here from the orthography: a syllable is an optional onset
(b, ch, gh, ngh, qu, gi...), a rhyme from the closed list below (with its o-/u- glide forms), and
at most one tone mark, placed on the rhyme's vowels. The check is on letters only; where a
tone mark sits (hoà / hòa) is the library's tone placement's business, not this module's.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from .vntext import split_tone

TONE_MARKS = {"\u0300": "huyền", "\u0301": "sắc", "\u0309": "hỏi", "\u0303": "ngã", "\u0323": "nặng"}

ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
          "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")

_PLAIN_RHYMES = """
a ai ao au ay am an ang anh ac ach ap at
ăm ăn ăng ăc ăp ăt
âu ây âm ân âng âc âp ât
e eo em en eng ec ep et
ê êu êm ên ênh êch êp êt
i ia iu im in inh ich ip it iêu iêm iên iêng iêc iêp iêt
y yêu yêm yên yêng yêt
o oi om on ong oc op ot oong ooc
ô ôi ôm ôn ông ôc ôp ôt
ơ ơi ơm ơn ơp ơt
u ua ui um un ung uc up ut uôi uôm uôn uông uôc uôt
ư ưa ưi ưu ưm ưn ưng ưc ưt ươi ươu ươm ươn ương ươc ươp ươt
""".split()
# Rhymes with the o- or u- glide (hoa, khoẻ, huế, thuỷ, tuyên, quân is qu + ân).
_GLIDE_RHYMES = """
oa oai oay oan oang oanh oac oach oat oap oăm oăn oăng oăc oăt oe oeo oen oet oem
uê uên uênh uêch uêt uy uya uyu uych uynh uyn uyt uyp uyên uyêt uân uâng uât uây uơ
""".split()
RHYMES = frozenset(_PLAIN_RHYMES + _GLIDE_RHYMES)
_STOPS = ("c", "ch", "p", "t")  # a rhyme closed by one of these takes sắc or nặng only


# The letters Vietnamese is written in: its consonants, and its vowels bare or with a tone mark.
_VOWELS = "aăâeêioôơuưy"
LETTERS = frozenset("bcdđghklmnpqrstvx" + _VOWELS + "".join(
    unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in TONE_MARKS))


@lru_cache(maxsize=65536)
def is_syllable(word: str) -> bool:
    """Whether `word` (any case) is spelt as a Vietnamese syllable can be."""
    word = unicodedata.normalize("NFC", word.lower())
    if not word or not set(word) <= LETTERS:
        return False  # a digit, "ñ" (a tilde on a consonant), "f", "w"...
    if sum(ch in TONE_MARKS for ch in unicodedata.normalize("NFD", word)) > 1:
        return False  # two tone marks: never a syllable
    letters, tone = split_tone(word)
    for onset in ONSETS:
        if not letters.startswith(onset):
            continue
        rhyme = letters[len(onset):]
        if onset == "gi" and (rhyme == "" or "i" + rhyme in RHYMES or rhyme in RHYMES):
            pass  # gì, giếng (gi + iêng), gia
        elif onset == "qu" and (rhyme in RHYMES or "u" + rhyme in RHYMES):
            pass  # qua, quân, quyết (qu + yêt)
        elif rhyme not in RHYMES:
            continue
        if rhyme.endswith(_STOPS) and tone not in (None, "\u0301", "\u0323"):
            continue
        if rhyme.endswith(_STOPS) and tone is None:
            continue
        return True
    return False
