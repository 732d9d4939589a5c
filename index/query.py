"""Query understanding: how members actually type, turned into what the indexes can match.

A query goes through the keyword index's own tokenizer (index/tokenizer.py), so abbreviations and
numerals match documents the way documents were indexed; here it is weighed term by term, rid of
its question words, restored to its diacritics when typed without them (index/diacritics.py),
searched for document numbers, and spelled out for the embedding model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.doc_numbers import number_keys
from ingest.doctypes import DOCUMENT_TYPES
from ingest.vntext import canonical_tones, fold, has_diacritics, nfc

from .diacritics import restore_diacritics
from .tokenizer import ABBREVIATIONS, FOLDED, field_terms, index_syllables, spell_out


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
# question, as e5 was trained to; docs/quality.md). "ai" (who) is not listed: "AI" is a topic.
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
    | {fold(k) for k in ABBREVIATIONS} | {"so", "nam", "qdi"}
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
    # Document-number match keys (ingest.doc_numbers.number_keys) found in the query.
    numbers: set[str] = field(default_factory=set)
    # True when the query is little more than a document number ("QĐ 27", "27-QĐ/TW").
    number_only: bool = False
    weights: TermWeights = WEIGHTS

    @property
    def dense_text(self) -> str:
        """What the embedding model sees: proper Vietnamese, abbreviations spelled out."""
        return spell_out(self.restored)

    def term_weights(self) -> dict[str, float]:
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
