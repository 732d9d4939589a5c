"""BM25 keyword index for Vietnamese: syllables and syllable bigrams, accented and folded.

Vietnamese words are mostly two or three syllables written apart ("nghị quyết", "chuyển đổi
số"), so a syllable alone matches far too much. Syllable bigrams capture the words without a
segmenter; on the dev sets they beat pyvi word segmentation (see docs/quality.md). Every term
is indexed twice: as written (tones canonical) and folded ("nghi quyet", đ -> d), so a query
typed without diacritics still matches. Documents and queries go through one tokenizer
(index/tokenizer.py).

The index is one sparse matrix of precomputed BM25 weights (chunks x terms), so a query is a
sum of a few matrix columns: a few milliseconds for tens of thousands of chunks.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ingest.vntext import fold

from .tokenizer import FOLDED, field_terms, fold_syllable, index_syllables

FORMAT = 2  # 2: raw counts and lengths are stored, not BM25 weights


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75


def document_terms(text: str) -> tuple[Counter, int]:
    """Term counts of both fields and the length (in syllables) BM25 normalizes by."""
    accented = index_syllables(text)
    folded = [fold_syllable(s) for s in accented]
    counts = Counter(field_terms(accented))
    counts.update(FOLDED + t for t in field_terms(folded))
    return counts, len(accented)


class KeywordIndex:
    def __init__(self, terms: list[str], tf: sp.csr_matrix, lengths: np.ndarray,
                 params: BM25Params = BM25Params()):
        self.terms = terms
        self.term_ids = {t: i for i, t in enumerate(terms)}
        # chunks x terms raw counts, and chunk lengths: kept so that the next generation reuses
        # the counts of unchanged chunks instead of tokenizing the whole library again.
        self.tf = tf
        self.lengths = lengths
        self.params = params
        # chunks x terms, each cell the BM25 weight of that term in that chunk
        self.weights = _bm25_weights(tf, lengths, params)
        self._accents: dict[str, list[tuple[str, int]]] | None = None

    def __len__(self) -> int:
        return self.weights.shape[0]

    @classmethod
    def build(cls, texts: list[str], params: BM25Params = BM25Params()) -> KeywordIndex:
        terms, tf, lengths = _count_terms(texts, {})
        return cls(terms, tf, lengths, params)

    @classmethod
    def derive(cls, previous: KeywordIndex, keep_rows, new_texts: list[str], order=None) -> KeywordIndex:
        """The index of `previous`'s rows `keep_rows` (in that order) followed by `new_texts`;
        `order`, when given, then lists those rows (positions among them) in the order wanted.

        Equal to `build` over the same texts, but only the new texts are tokenized: an upload of
        one file into a 10,000-chunk library costs one file's work, not the library's.
        """
        keep_rows = np.asarray(keep_rows, np.int64)
        vocabulary = dict(previous.term_ids)
        terms, new_tf, new_lengths = _count_terms(new_texts, vocabulary)
        kept = previous.tf[keep_rows]
        kept = sp.csr_matrix((kept.data, kept.indices, kept.indptr), shape=(len(keep_rows), len(terms)))
        tf = sp.vstack([kept, new_tf], format="csr")
        lengths = np.concatenate([previous.lengths[keep_rows], new_lengths]).astype(np.float32)
        if order is not None:
            order = np.asarray(order, np.int64)
            tf, lengths = tf[order], lengths[order]
        # Terms that only deleted or replaced chunks used would linger in the vocabulary forever.
        used = np.flatnonzero(np.diff(tf.tocsc().indptr))
        if len(used) < len(terms):
            tf = tf[:, used]
            terms = [terms[i] for i in used]
        return cls(terms, tf.tocsr(), lengths, previous.params)

    def scores(self, term_weights: dict[str, float]) -> np.ndarray:
        """BM25 score of every chunk for a weighted bag of terms (unknown terms are ignored)."""
        ids, w = [], []
        for term, weight in term_weights.items():
            i = self.term_ids.get(term)
            if i is not None and weight:
                ids.append(i)
                w.append(weight)
        if not ids:
            return np.zeros(len(self), np.float32)
        return np.asarray(self.weights[:, ids] @ np.asarray(w, np.float32)).ravel()

    def document_frequency(self, term: str) -> int:
        i = self.term_ids.get(term)
        return 0 if i is None else int(self.weights.indptr[i + 1] - self.weights.indptr[i])

    def accented_forms(self, folded_syllable: str) -> list[tuple[str, int]]:
        """Accented syllables of the corpus that fold to `folded_syllable`, most frequent first."""
        if self._accents is None:
            accents: dict[str, list[tuple[str, int]]] = {}
            df = np.diff(self.weights.indptr)
            for i, term in enumerate(self.terms):
                if not term.startswith(FOLDED) and " " not in term:
                    accents.setdefault(fold(term), []).append((term, int(df[i])))
            for forms in accents.values():
                forms.sort(key=lambda f: -f[1])
            self._accents = accents
        return self._accents.get(folded_syllable, [])

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        tf = self.tf
        np.savez(directory / "keyword.npz", data=tf.data, indices=tf.indices, indptr=tf.indptr,
                 shape=np.asarray(tf.shape), lengths=self.lengths)
        (directory / "keyword.json").write_text(
            json.dumps({"format": FORMAT, "params": asdict(self.params), "terms": self.terms},
                       ensure_ascii=False),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        directory = Path(directory)
        meta = json.loads((directory / "keyword.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{directory}: keyword index format {meta.get('format')} is not {FORMAT}; re-ingest")
        with np.load(directory / "keyword.npz") as z:
            tf = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            lengths = z["lengths"]
        return cls(meta["terms"], tf, lengths, BM25Params(**meta["params"]))


def _count_terms(texts: list[str], vocabulary: dict[str, int]):
    """Tokenize `texts` into a CSR count matrix, growing `vocabulary` (term -> column)."""
    cols: list[int] = []
    tfs: list[int] = []
    sizes = np.zeros(len(texts), np.int64)
    lengths = np.zeros(len(texts), np.float32)
    for row, text in enumerate(texts):
        counts, lengths[row] = document_terms(text)
        sizes[row] = len(counts)
        cols.extend([vocabulary.setdefault(term, len(vocabulary)) for term in counts])
        tfs.extend(counts.values())
    rows = np.repeat(np.arange(len(texts), dtype=np.int32), sizes)
    tf = sp.csr_matrix((np.asarray(tfs, np.float32), (rows, np.asarray(cols, np.int32))),
                       shape=(len(texts), len(vocabulary)))
    terms = [""] * len(vocabulary)
    for term, i in vocabulary.items():
        terms[i] = term
    return terms, tf, lengths


def _bm25_weights(tf: sp.csr_matrix, lengths: np.ndarray, params: BM25Params) -> sp.csc_matrix:
    """chunks x terms BM25 weights, column-major so a query reads a few columns."""
    tf = tf.tocsc()
    n = tf.shape[0]
    df = np.diff(tf.indptr).astype(np.float32)
    # Lucene's idf: never negative, so a term in most chunks still counts a little.
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    avgdl = float(lengths.mean()) if n and lengths.sum() > 0 else 1.0
    norm = params.k1 * (1 - params.b + params.b * lengths / avgdl)
    data = tf.data * (params.k1 + 1) / (tf.data + norm[tf.indices])
    data *= np.repeat(idf, np.diff(tf.indptr))
    return sp.csc_matrix((data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape)
