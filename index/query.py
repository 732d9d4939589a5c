"""Query understanding: how members actually type, turned into what the indexes can match.

The same `index_syllables` runs over documents (by the keyword index) and over queries, so an
abbreviation or a Roman numeral is expanded identically on both sides: "UBND" finds "Ủy ban nhân
dân", "Đại hội XIII" finds "Đại hội 13", and the other way round.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.doc_numbers import number_keys
from ingest.doctypes import DOCUMENT_TYPES
from ingest.vntext import canonical_tones, fold, has_diacritics, nfc

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
    "nq": "nghị quyết",
    "qđ": "quyết định",
    "nđ": "nghị định",
    "ct": "chỉ thị",
    "kl": "kết luận",
    "hd": "hướng dẫn",
    "kh": "kế hoạch",
    "tb": "thông báo",
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

_ROMAN = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
# Words after which a Roman numeral or a spelled-out number is an ordinal ("Đại hội XIII",
# "khóa mười ba"); elsewhere "vi", "xi", "di" are ordinary syllables.
_NUMERAL_CONTEXT = {"hoi", "khoa", "chuong", "muc", "phan", "thu", "ky", "luc"}
# Capitalized Roman numerals that are also Vietnamese syllables in capitalized headings.
_ROMAN_WORDS = {"vi", "xi", "li", "di", "mi", "ci", "lx"}
# Spelled digits must carry their tones: unaccented "sau", "bay", "nam" are mostly other words.
_DIGITS = {"một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
           "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}

def roman_value(token: str) -> int | None:
    match = _ROMAN.match(token.lower())
    if not match:
        return None
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total, previous = 0, 0
    for ch in reversed(token.lower()):
        value = values[ch]
        total += -value if value < previous else value
        previous = max(previous, value)
    return total


def _spelled_number(words: list[str]) -> tuple[int, int] | None:
    """Value and length of a spelled-out number 1-99 at the start of lower-case `words`."""
    if not words:
        return None
    units = lambda j: _DIGITS.get(words[j]) if j < len(words) else None  # noqa: E731
    if words[0] == "mười":
        return (10 + units(1), 2) if units(1) else (10, 1)
    first = units(0)
    if first is None or words[0] in ("tư", "lăm", "mốt"):
        return None
    if len(words) > 1 and words[1] in ("mươi", "mười"):
        return (first * 10 + units(2), 3) if units(2) else (first * 10, 2)
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


# How much each kind of term counts in the keyword score; chosen on the dev sets (docs/quality.md).
@dataclass(frozen=True)
class TermWeights:
    bigram: float = 1.0
    # Folded terms of an accented query: a hedge for a syllable typed without its mark.
    folded_when_accented: float = 0.2
    # Accented terms of the corpus-restored form of an unaccented query.
    restored: float = 0.5


WEIGHTS = TermWeights()

# How members ask: "... là gì?", "bao nhiêu ...?", "vì sao ...?", "... đúng hay sai?". Articles
# and resolutions are declarative and rarely contain these, so BM25 would give them a high idf
# and rank first whatever document happens to quote a question. They say nothing about the topic:
# the keyword side leaves out every term that touches one (the dense side still reads the whole
# question, as e5 was trained to). On the dev sets this lifted keyword MRR@10 on vinewsqa 0.770 ->
# 0.781 and alqac 0.881 -> 0.882 (docs/quality.md). "ai" (who) is not listed: "AI" is a topic.
QUESTION_PHRASES = tuple(p.split() for p in (
    "gì", "nào", "thế nào", "bao nhiêu", "bao lâu", "bao giờ", "tại sao", "vì sao", "đâu", "mấy",
    "đúng hay sai", "hay không", "phải không",
))


def question_positions(syllables: list[str]) -> set[int]:
    """Positions of `syllables` (accented, lower case) inside a question phrase."""
    marked: set[int] = set()
    for i in range(len(syllables)):
        for phrase in QUESTION_PHRASES:
            if syllables[i : i + len(phrase)] == phrase:
                marked.update(range(i, i + len(phrase)))
    return marked


# Words that may surround a document number in a query that asks for nothing else:
# "quyết định số 27", "QĐ 27 năm 2021", "27-QĐ/TW của Bộ Chính trị".
_NUMBER_WORDS = (
    {s for word in DOCUMENT_TYPES for s in fold(word).split()}
    | {fold(code).lower() for codes in DOCUMENT_TYPES.values() for code in codes}
    | set(_FOLDED_ABBREVIATIONS) | {"so", "nam", "qdi"}
)


def _is_number_only(text: str) -> bool:
    """Whether the query asks for little beyond a document number."""
    words = re.findall(r"[^\W\d_]+", fold(text).lower())
    return len([w for w in words if w not in _NUMBER_WORDS]) <= 2


@dataclass
class AnalyzedQuery:
    text: str
    # Typed with diacritics; an unaccented query is matched on the folded field.
    accented: bool
    syllables: list[str]
    # The query with diacritics recovered from the corpus vocabulary (the text itself when accented).
    restored: str
    # Document-number match keys (ingest.metadata.number_keys) found in the query.
    numbers: set[str] = field(default_factory=set)
    # True when the query is little more than a document number ("QĐ 27", "27-QĐ/TW").
    number_only: bool = False
    weights: TermWeights = WEIGHTS

    @property
    def dense_text(self) -> str:
        """What the embedding model sees: proper Vietnamese, abbreviations spelled out."""
        text = _HYPHENATED.sub(lambda m: re.sub(r"[\s-]", "", m.group(0)), self.restored)
        return re.sub(r"\w+", lambda m: " ".join(_word(m.group(0))[1]) or m.group(0), text)

    def term_weights(self) -> dict[str, float]:
        from .keyword import FOLDED, field_terms

        w = self.weights
        out: dict[str, float] = {}

        def add(terms: list[str], weight: float, prefix: str = "") -> None:
            for term in terms:
                value = weight * (w.bigram if " " in term else 1.0)
                out[prefix + term] = max(out.get(prefix + term, 0.0), value)

        # Question words are found on the accented form: folded "nao", "dau" are also "não"
        # (brain), "đau" (pain). An unaccented query is judged by its restored reading, when that
        # lines up syllable for syllable with what was typed.
        accented = self.syllables if self.accented else index_syllables(self.restored)
        skip = question_positions(accented) if len(accented) == len(self.syllables) else set()
        if len(skip) == len(self.syllables):  # nothing but a question word: keep it
            skip = set()
        folded = field_terms([fold(s) for s in self.syllables], skip)
        if self.accented:
            add(field_terms(self.syllables, skip), 1.0)
            add(folded, w.folded_when_accented, FOLDED)
        else:
            add(folded, 1.0, FOLDED)
            if self.restored != self.text:
                add(field_terms(accented, skip), w.restored)
        return out

    def highlight_terms(self) -> set[str]:
        """Folded syllables worth marking in a snippet."""
        return {fold(s) for s in self.syllables}


def analyze(query: str, vocabulary=None, weights: TermWeights = WEIGHTS) -> AnalyzedQuery:
    """Understand a query as typed. `vocabulary` (a KeywordIndex) lets an unaccented query be
    restored to the accented form most common in the corpus."""
    text = canonical_tones(nfc(query)).strip()
    syllables = index_syllables(text)
    accented = has_diacritics(text)
    restored = text
    if not accented and vocabulary is not None:
        restored = restore_diacritics(text, vocabulary)
    numbers = number_keys(text)
    return AnalyzedQuery(text, accented, syllables, restored, numbers,
                         bool(numbers) and _is_number_only(text), weights)


def restore_diacritics(text: str, vocabulary, smoothing: float = 2.0) -> str:
    """The most likely accented reading of unaccented `text`, by the corpus's own statistics.

    Viterbi over the accented forms of each syllable, scored by how often adjacent pairs occur
    together in the corpus (chunk frequency of the accented bigram), backed off to how common
    each form is alone. Case and punctuation of the text are kept.
    """
    words = list(re.finditer(r"\w+", text))
    if not words:
        return text
    lattice: list[list[tuple[str, float]]] = []
    for m in words:
        token = m.group(0).lower()
        forms = vocabulary.accented_forms(token)[:8] if not token.isdigit() else []
        if not forms:
            lattice.append([(token, 1.0)])
            continue
        total = sum(df for _, df in forms)
        lattice.append([(form, df / total) for form, df in forms])

    # best[i][form] = (log score, back pointer)
    best = [{form: (math.log(p), None) for form, p in lattice[0]}]
    for i in range(1, len(lattice)):
        column = {}
        for form, p in lattice[i]:
            options = []
            for prev, (score, _) in best[i - 1].items():
                pair = vocabulary.document_frequency(f"{prev} {form}")
                prev_df = max(vocabulary.document_frequency(prev), 1)
                options.append((score + math.log((pair + smoothing * p) / (prev_df + smoothing)), prev))
            column[form] = max(options)
        best.append(column)
    form = max(best[-1], key=lambda f: best[-1][f][0])
    chosen = [form]
    for i in range(len(lattice) - 1, 0, -1):
        form = best[i][form][1]
        chosen.append(form)
    chosen.reverse()

    pieces, last = [], 0
    for m, form in zip(words, chosen):
        pieces.append(text[last : m.start()])
        original = m.group(0)
        pieces.append(form.upper() if original.isupper() and len(original) > 1
                      else form[:1].upper() + form[1:] if original[:1].isupper() else form)
        last = m.end()
    pieces.append(text[last:])
    return "".join(pieces)
