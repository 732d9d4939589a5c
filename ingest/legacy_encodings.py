"""Legacy Vietnamese encodings, TCVN3 (ABC) and VNI: recognise text written in them, convert it to Unicode.

Before Unicode, Vietnamese was typed in 8-bit fonts that draw Vietnamese letters where Western
fonts have other characters. TCVN3 (.VnTime, .VnArial...) gives each letter one byte, but has
codes for only seven capitals (Ă Â Ê Ô Ơ Ư Đ): the other capitals are the small letters' codes
drawn by an upper-case font (.VnTimeH, .VnArialH...). VNI (VNI-Times, VNI-Helve...) writes a base
letter and then a mark byte. The tables are data: `ingest/data/tcvn3.tsv`, `ingest/data/vni.tsv`.

Such text reaches us as raw bytes (a .txt that is not UTF-8: `decode_legacy`), or as the
Windows-1252 characters those bytes are in Western fonts: "Đảng ủy" reads "§¶ng ñy" (TCVN3) or
"Ñaûng uûy" (VNI) in a DOCX run whose font is .VnTime, in a PDF text layer, in a .txt re-saved as
UTF-8 (`convert_legacy`, `convert_runs`).

Where the format names the font, the font says the encoding. Elsewhere the characters do: a text
is converted only when most of its words that hold such characters become Vietnamese syllables
(ingest.syllables) and few of them were syllables as they stood. A line holding a Unicode
Vietnamese letter beyond Latin-1 (ạ, ư, đ...) is never touched, nor is text that reads as
Vietnamese as it stands, so Unicode and Windows-1258 documents come out unchanged: a false
conversion ruins a document, a missed one leaves it as it came.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from .syllables import is_syllable

TCVN3 = "TCVN3"
VNI = "VNI"
ENCODINGS = (TCVN3, VNI)

_DATA = Path(__file__).with_name("data")

# A letter of Unicode Vietnamese that Latin-1 lacks, or a tone mark left decomposed: a line with
# one is Unicode already (Windows-1258 decodes to these too).
_UNICODE_VIETNAMESE = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0"
                                 "\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323]")
# The characters a legacy encoding gives Vietnamese letters to, as Windows-1252 shows them
# (U+00A1-U+00FF), with the minus sign some PDF tools put for TCVN3's ư (0xAD, a soft hyphen).
_HIGH = re.compile("[\u00a1-\u00ff\u2212]")
_TOKEN = re.compile("[A-Za-z\u00a1-\u00ff\u2212]+")
_MINUS_IN_WORD = re.compile("(?<=[A-Za-z\u00a1-\u00ff])\u2212|\u2212(?=[A-Za-z\u00a1-\u00ff])")
_WORD = re.compile(r"[^\W\d_]+")

# A text is recognised by its characters when at least this many of its words hold legacy
# characters, most of them become syllables, and far more than stood as syllables before.
MIN_WORDS = 3
MIN_SHARE = 0.6
SAMPLE_CHARS = 200_000


def _rows(name: str) -> list[tuple[bytes, str]]:
    rows = []
    for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, char = line.split("\t")[:2]
            rows.append((bytes(int(part, 16) for part in code.split()), char))
    return rows


@cache
def _tcvn3() -> dict[int, str]:
    return {code[0]: char for code, char in _rows("tcvn3.tsv")}


@cache
def _vni() -> tuple[dict[str, str], re.Pattern]:
    # Bytes 0xA0-0xFF are the Latin-1 code points, so a byte sequence is its latin-1 text.
    table = {code.decode("latin-1"): char for code, char in _rows("vni.tsv")}
    keys = sorted(table, key=len, reverse=True)  # a letter and its mark before a lone letter
    return table, re.compile("|".join(map(re.escape, keys)))


# Small letters whose capital TCVN3 cannot write: typed at a sentence's start, they are its capital.
@cache
def _capital_less() -> frozenset[str]:
    capitals = {char for code, char in _rows("tcvn3.tsv") if char.isupper()}
    return frozenset(char for char in _tcvn3().values() if char.islower() and char.upper() not in capitals)


# ---------------------------------------------------------------- fonts

@dataclass(frozen=True)
class LegacyFont:
    encoding: str  # TCVN3 or VNI
    family: str  # the font's name as editors know it: .VnTimeH
    capitals: bool  # an upper-case font (.VnTimeH): every letter is drawn as a capital


_SUBSET = re.compile(r"^[A-Z]{6}\+")  # a PDF's subset tag: ABCDEF+.VnTime
_STYLE = re.compile(r"-(?:Bold|Italic|BoldItalic|Oblique|BoldOblique|Regular|Normal)$", re.I)
_TCVN3_FONT = re.compile(r"^\.?Vn[A-Z]")  # .VnTime, .VnArial NarrowH, VnTimeH in some PDFs
_VNI_FONT = re.compile(r"^VNI[-_ ]?[A-Za-z]", re.I)  # VNI-Times, VNI-Helve-Condense


def font_encoding(name: str | None) -> LegacyFont | None:
    """The legacy encoding a font's name says its text is in, or None for any other font.

    Takes names as DOCX (`w:rFonts`) and PDF (`/BaseFont`: `/ABCDEF+.VnTimeH,Bold`) write them.
    """
    if not name:
        return None
    family = _SUBSET.sub("", name.strip().lstrip("/").replace("#20", " "))
    family = _STYLE.sub("", family.split(",")[0]).strip()
    if _TCVN3_FONT.match(family):
        return LegacyFont(TCVN3, family, family.endswith("H"))
    if _VNI_FONT.match(family):
        return LegacyFont(VNI, family, False)
    return None


def legacy_note(encoding: str, fonts: Iterable[str] = ()) -> str:
    """What the ingest report says of a file converted from `encoding` (named by `fonts`, if any)."""
    names = sorted(set(fonts))
    if not names:
        return f"converted from {encoding} to Unicode (recognised by its characters)"
    shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
    return f"converted from {encoding} ({'font' if len(names) == 1 else 'fonts'} {shown}) to Unicode"


# ---------------------------------------------------------------- conversion

def _decode(text: str, encoding: str) -> tuple[str, list[int]]:
    """`text` read in `encoding`, and where each output character starts in `text`."""
    if encoding == TCVN3:
        text = _MINUS_IN_WORD.sub("\u00ad", text)
        return text.translate(_tcvn3()), list(range(len(text)))
    table, pattern = _vni()
    out: list[str] = []
    starts: list[int] = []
    at = 0
    for match in pattern.finditer(text):
        out.append(text[at:match.start()])
        starts.extend(range(at, match.start()))
        out.append(table[match.group()])
        starts.append(match.start())
        at = match.end()
    out.append(text[at:])
    starts.extend(range(at, len(text)))
    return "".join(out), starts


def _plain_case(word: str) -> bool:
    """Cased as words are (lower, upper or capitalised), not like "vÒ" or "nghÞ"."""
    return word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())


@dataclass
class _Evidence:
    words: int = 0  # words holding legacy characters
    as_is: int = 0  # of those, syllables as they stand
    converted: int = 0  # of those, changed into syllables by the conversion

    def add(self, other: _Evidence) -> None:
        self.words += other.words
        self.as_is += other.as_is
        self.converted += other.converted

    def contradicts(self) -> bool:
        """The text reads better as it stands than converted."""
        return self.as_is > self.converted

    def convincing(self) -> bool:
        return (self.words >= MIN_WORDS and self.converted >= MIN_SHARE * self.words
                and self.converted >= 3 * self.as_is + MIN_WORDS)


def _evidence(text: str, encoding: str) -> _Evidence:
    found = _Evidence()
    for token in _TOKEN.findall(text):
        if _HIGH.search(token):
            as_is, converted = _verdict(token, encoding)
            found.words += 1
            found.as_is += as_is
            found.converted += converted
    return found


@lru_cache(maxsize=65536)
def _verdict(token: str, encoding: str) -> tuple[bool, bool]:
    """Whether `token` is a syllable as it stands, and whether converting makes it one."""
    converted = _decode(token, encoding)[0]
    return (_plain_case(token) and _syllable(token)), (converted != token and _syllable(converted))


def _syllable(word: str) -> bool:
    # Vietnamese letters only: "ñy" is n, y and a tilde, but no syllable.
    return set(word.lower()) <= _letters() and is_syllable(word)


@cache
def _letters() -> frozenset[str]:
    return frozenset("abcdefghijklmnopqrstuvwxyz") | {char.lower() for char in _vni()[0].values()}


def _candidate(line: str) -> bool:
    """A line that may be legacy text: legacy characters, and no Unicode Vietnamese."""
    return bool(_HIGH.search(line)) and not _UNICODE_VIETNAMESE.search(line)


def _repair_case(text: str, mask: Sequence[bool] | None = None) -> str:
    """Capitals back where TCVN3 text in a lower-case font could only have small letters.

    Typists wrote "ĐẢNG" as § ¶ N G (Đ has a code, Ả not): a word with capitals and such small
    letters is a word in capitals. So is every word of a line with no small plain letter that
    has such a word, or a word of capitals that is a syllable ("BỘ" beside "CHÍNH TRỊ", "BÍ"
    beside "THƯ"; not "Số" beside the code "QĐ/TW"). A capital-less small letter that begins a
    sentence is its capital ("Ủy ban", "Ý kiến"). Only characters where `mask` is true change.
    """
    chars = list(text)

    def upper(start: int, end: int) -> None:
        for i in range(start, end):
            if mask is None or mask[i]:
                chars[i] = chars[i].upper()

    starts = _capital_less_start()
    offset = 0
    previous = ""
    for line in text.split("\n"):
        caps: list[tuple[int, int]] = []
        unsure: list[tuple[int, int]] = []
        capitals_line = False
        small = _SMALL_PLAIN.search(line) is not None
        for match in _WITHOUT_SMALL_PLAIN.finditer(line):  # the words with no small plain letter
            word, start, end = match.group(), match.start(), match.end()
            if not _small_marked().search(word):
                capitals_line = capitals_line or (word.isupper() and _alone(line, start, end) and _syllable(word))
                continue
            capitals = sum(ch.isupper() for ch in word)
            raised = any(a.islower() and b.isupper() for a, b in zip(word, word[1:], strict=False))
            (caps if capitals >= 2 or raised else unsure).append((offset + start, offset + end))
        for start, end in caps + (unsure if (caps or capitals_line) and not small else []):
            upper(start, end)
        for match in starts.finditer(line):
            at = offset + match.start()
            if chars[at] == match.group() and _sentence_start(text, at, offset, previous):
                upper(at, at + 1)
        previous = line
        offset += len(line) + 1
    return "".join(chars)


_SMALL_PLAIN = re.compile("[a-z]")
_WITHOUT_SMALL_PLAIN = re.compile(r"(?<![^\W\d_])[^\W\d_a-z]+(?![^\W\d_])")


@cache
def _small_marked() -> re.Pattern:
    """A small Vietnamese letter with a mark (or đ)."""
    return re.compile("[" + "".join(sorted(ch for ch in _letters() if not ch.isascii())) + "]")


@cache
def _capital_less_start() -> re.Pattern:
    """A capital-less small letter beginning a word."""
    return re.compile(r"(?<![^\W\d_])[" + "".join(sorted(_capital_less())) + "]")


def _alone(line: str, start: int, end: int) -> bool:
    """A word standing by itself, not a piece of a code such as 27-QĐ/TW or T.Ư."""
    before = line[start - 1] if start else " "
    after = line[end] if end < len(line) else " "
    return not (before.isdigit() or before in "/-.&" or after.isdigit() or after in "/-&")


_CLOSERS = "\"'”»)"


def _after_sentence(text: str, end: int, start: int) -> bool | None:
    """Whether `text[start:end]` ends a sentence: a full stop (or ! ? …, closing quotes after
    it) and then a space; None when it holds nothing but spaces. Looks back only as far as it
    needs, so a long line costs no more than its words."""
    i = end - 1
    while i >= start and text[i].isspace():
        i -= 1
    if i < start:
        return None
    spaced = i < end - 1
    while i >= start and text[i] in _CLOSERS:
        i -= 1
    return spaced and i >= start and text[i] in ".!?…"


def _sentence_start(text: str, at: int, line_start: int, previous_line: str) -> bool:
    before = _after_sentence(text, at, line_start)
    if before is not None:
        return before
    # First word of its line: of the text, after a blank line, or after a line ending a sentence.
    return line_start == 0 or _after_sentence(previous_line + " ", len(previous_line) + 1, 0) is not False


_U_HORN = re.compile("[\u00ad\u2212]")
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "b", "c", "d", "đ", "g", "h", "k", "l", "m",
           "n", "p", "r", "s", "t", "v", "x")
_HORN_O = frozenset("ơờớởỡợ")


def _restore_u_horn(line: str) -> str:
    """The ư a TCVN3 line lost with its soft hyphens put back where a word needs it to be a
    syllable: "cờng" -> "cường", "nớc" -> "nước", "t tởng" -> "tư tưởng", "hng" -> "hưng".
    Words that are syllables without it ("ngời" for "người", "cha" for "chưa") stay."""

    def restore(match: re.Match) -> str:
        word = match.group()
        lower = word.lower()
        if (word[1:] and not word[1:].islower()) or _syllable(word):
            return word
        onset = next((o for o in _ONSETS if lower.startswith(o)), "")
        rest = lower[len(onset):]
        if rest[:1] not in _HORN_O and not (onset and rest in ("", "ng")):
            return word
        if not rest and not _word_alone(line, match.start(), match.end()):
            return word  # an abbreviation or a list's letter: đ/c, b)
        candidate = onset + "ư" + rest
        if not _syllable(candidate):
            return word
        return candidate[0].upper() + candidate[1:] if word[0].isupper() else candidate

    return _WORD.sub(restore, line)


def _word_alone(line: str, start: int, end: int) -> bool:
    """Between spaces, or before a comma or a full stop: "t tởng", "Bí th, ", not "b)" or "đ/c"."""
    return (start == 0 or line[start - 1] == " ") and (end == len(line) or line[end] in " ,.;:!?")


def _convert_lines(lines: list[str], chosen: list[bool], encoding: str, capitals: bool = False) -> str:
    """The lines joined, those chosen converted from `encoding`: in capitals for an upper-case
    font, TCVN3 in a lower-case font with its capitals repaired."""
    converted_lines = [_decode(line, encoding)[0] if keep else line for line, keep in zip(lines, chosen, strict=True)]
    legacy = [line for line, keep in zip(lines, chosen, strict=True) if keep]
    if encoding == TCVN3 and legacy and not any(_U_HORN.search(line) for line in legacy):
        # Not one ư in a TCVN3 text: its soft hyphens (0xAD, TCVN3's ư) were dropped on the way,
        # as HTML readers and antiword do: "người" (n g 0xAD ê i) came as "ngêi".
        converted_lines = [_restore_u_horn(line) if keep else line for line, keep in zip(converted_lines, chosen,
                                                                                         strict=True)]
    if capitals:
        converted_lines = [line.upper() if keep else line for line, keep in zip(converted_lines, chosen, strict=True)]
    converted = "\n".join(converted_lines)
    if encoding != TCVN3 or capitals or not any(chosen):
        return converted
    mask: list[bool] = []
    for line, keep in zip(converted_lines, chosen, strict=True):
        mask.extend([keep] * len(line) + [False])
    return _repair_case(converted, mask)


def convert_legacy(text: str, fonts: Iterable[str] = ()) -> tuple[str, str | None]:
    """`text` in Unicode, and the encoding it was converted from (None: left as it was).

    `fonts` are the fonts the text is set in, when the format says (a PDF page's, an RTF group's).
    When they are legacy fonts of one encoding, the text is taken to be in it unless it reads
    better as it stands; when every one of them is an upper-case font (.VnTimeH), every letter
    is a capital, those typed small too. Without legacy fonts, the characters decide. Either way
    a line with Unicode Vietnamese letters is left as it is.
    """
    parsed = [font_encoding(font) for font in fonts]
    encodings = {font.encoding for font in parsed if font is not None}
    if len(encodings) != 1:
        return _convert_by_characters(text)
    encoding = encodings.pop()
    capitals = all(font is not None and font.capitals for font in parsed)
    lines = text.split("\n")
    if capitals:  # plain letters too: the font draws "nam" as NAM
        chosen = [not _UNICODE_VIETNAMESE.search(line) for line in lines]
    else:
        chosen = [_candidate(line) for line in lines]
    legacy = "\n".join(line for line, keep in zip(lines, chosen, strict=True) if keep)
    if _evidence(legacy, encoding).contradicts():
        return text, None
    converted = _convert_lines(lines, chosen, encoding, capitals)
    return converted, (encoding if converted != text else None)


def detect_legacy(text: str) -> str | None:
    """The legacy encoding `text`'s characters say it is in, or None (judged on its first
    `SAMPLE_CHARS` characters of candidate lines: a document is in one encoding)."""
    sample: list[str] = []
    size = 0
    for line in text.split("\n"):
        if size >= SAMPLE_CHARS:
            break
        if _candidate(line):
            sample.append(line)
            size += len(line)
    lines = "\n".join(sample)
    if not lines:
        return None
    best, best_evidence = None, _Evidence()
    for encoding in ENCODINGS:
        evidence = _evidence(lines, encoding)
        if evidence.convincing() and evidence.converted > best_evidence.converted:
            best, best_evidence = encoding, evidence
    return best


def _convert_by_characters(text: str) -> tuple[str, str | None]:
    if not _HIGH.search(text):
        return text, None
    encoding = detect_legacy(text)
    if encoding is None:
        return text, None

    def line_converts(line: str) -> bool:
        if not _candidate(line):
            return False
        evidence = _evidence(line, encoding)
        # A line that reads as well as it stands, in more than one word, stays: a Unicode line
        # of Latin-1 letters ("Tô Lâm", "Có và là"); a lone "Sè" (Số) is converted.
        return evidence.converted > evidence.as_is or (
            evidence.converted == evidence.as_is and (evidence.as_is < evidence.words or evidence.words == 1))

    lines = text.split("\n")
    converted = _convert_lines(lines, [line_converts(line) for line in lines], encoding)
    return converted, (encoding if converted != text else None)


# ---------------------------------------------------------------- raw bytes

_CP1252 = {i: bytes([i]).decode("cp1252", errors="ignore") or chr(i) for i in range(0x80, 0xA0)}


def decode_legacy(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) of a file's bytes in TCVN3 or VNI, or None when they are neither.

    For bytes that are not UTF-8. The whole file is one encoding, so once its characters say
    which, every line is converted; Windows-1258 bytes read as Vietnamese in their own code
    page, and a file they read better in is left to it.
    """
    text = data.decode("latin-1").translate(_CP1252)
    encoding = detect_legacy(text)
    if encoding is None:
        return None
    sample = data[:SAMPLE_CHARS * 2]
    if _cp1258_syllables(sample) >= _evidence(sample.decode("latin-1").translate(_CP1252), encoding).converted:
        return None
    lines = text.split("\n")
    return _convert_lines(lines, [True] * len(lines), encoding), encoding


def _cp1258_syllables(data: bytes) -> int:
    import unicodedata

    text = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    return sum(1 for word in _WORD.findall(text) if not word.isascii() and _syllable(word))


# ---------------------------------------------------------------- runs

def convert_runs(runs: Sequence[tuple[str, str | None]]) -> tuple[list[str], dict[str, set[str]]]:
    """Each run's text in Unicode, and the fonts that named each encoding converted from.

    `runs` are a document's (or a page's) pieces of text in reading order with the font each is
    set in (None where unknown, or for separators such as "\\n" between paragraphs): DOCX runs,
    PDF text fragments. Consecutive runs in legacy fonts of one kind are converted together (a
    VNI letter and its mark may fall in two runs). An encoding whose runs read better as they
    stand is taken for fonts renamed without their text (Unicode in a font still called
    .VnTime) and left alone, as is any run group with Unicode Vietnamese letters. Runs in other
    fonts are returned as they are: the caller leaves them to `convert_legacy`'s statistics.
    """
    fonts = [font_encoding(font) for _, font in runs]
    groups: list[tuple[LegacyFont, int, int]] = []  # font kind, first run, end
    start = 0
    for i in range(1, len(runs) + 1):
        if i == len(runs) or fonts[i] is None or fonts[start] is None or _kind(fonts[i]) != _kind(fonts[start]):
            font = fonts[start]
            if font is not None:
                groups.append((font, start, i))
            start = i
    texts = [text for text, _ in runs]
    evidence = {encoding: _Evidence() for encoding in ENCODINGS}
    for font, first, end in groups:
        joined = "".join(texts[first:end])
        if _candidate(joined):
            evidence[font.encoding].add(_evidence(joined, font.encoding))
    out = list(texts)
    repairable = [False] * len(runs)  # runs of TCVN3 in a lower-case font
    used: dict[str, set[str]] = {}
    for font, first, end in groups:
        joined = "".join(texts[first:end])
        if evidence[font.encoding].contradicts() or _UNICODE_VIETNAMESE.search(joined) or not joined.strip():
            continue
        converted, starts = _decode(joined, font.encoding)
        if font.capitals:
            converted = converted.upper()
        if converted == joined:
            continue
        bounds = [0]
        for text in texts[first:end]:
            bounds.append(bounds[-1] + len(text))
        pieces: list[list[str]] = [[] for _ in range(first, end)]
        run = 0
        for char, origin in zip(converted, starts, strict=True):
            while origin >= bounds[run + 1]:
                run += 1
            pieces[run].append(char)
        for offset, piece in enumerate(pieces):
            out[first + offset] = "".join(piece)
            repairable[first + offset] = font.encoding == TCVN3 and not font.capitals
        used.setdefault(font.encoding, set()).update(
            named.family for named, text in zip(fonts[first:end], texts[first:end], strict=True)
            if named is not None and text.strip())
    if any(repairable):
        mask = [flag for text, flag in zip(out, repairable, strict=True) for _ in text]
        joined = _repair_case("".join(out), mask)
        at = 0
        for i, text in enumerate(out):
            out[i] = joined[at:at + len(text)]
            at += len(text)
    return out, used


def _kind(font: LegacyFont | None) -> tuple[str, bool] | None:
    return None if font is None else (font.encoding, font.capitals)
