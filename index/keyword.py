"""BM25 keyword index for Vietnamese: syllables and syllable bigrams, accented and folded.

Vietnamese words are mostly two or three syllables written apart ("nghị quyết", "chuyển đổi
số"), so a syllable alone matches far too much. Syllable bigrams capture the words without a
segmenter; on the dev sets they beat pyvi word segmentation (see docs/quality.md). Every term
is indexed twice: as written (tones canonical) and folded ("nghi quyet", đ -> d), so a query
typed without diacritics still matches. Documents and queries go through one tokenizer
(index/tokenizer.py).

A segment stores raw term counts (chunks x terms, sparse); a query reads the postings of its few
terms in every segment and scores them with the library's own statistics: a few milliseconds for
tens of thousands of chunks.
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

# 2: raw counts and lengths, rows (CSR); 3: the same by columns (CSC), as searches read them.
FORMAT = 3
READABLE_FORMATS = (2, 3)


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
    """One segment's term counts: chunks x terms raw counts and each chunk's length.

    Counts, not BM25 weights, are what is stored: BM25's idf and average length belong to the
    whole library, which is several segments (index/segment.py), so scores are computed at query
    time from the postings of the query's few terms (`KeywordView`).
    """

    def __init__(self, terms: list[str], tf: sp.spmatrix, lengths: np.ndarray,
                 params: BM25Params = BM25Params()):
        self.terms = terms
        self.term_ids = {t: i for i, t in enumerate(terms)}
        # Columns only: a query reads its terms' postings. A second copy by rows, for merges,
        # doubled the largest thing a serving process holds (`tf` builds it when asked).
        self.postings = tf.tocsc() if not isinstance(tf, sp.csc_matrix) else tf
        self.lengths = np.asarray(lengths, np.float32)
        self.params = params
        self._accents: dict[str, list[tuple[str, int]]] | None = None

    @property
    def tf(self) -> sp.csr_matrix:
        """The counts by rows (chunks), built when asked: a merge copies rows."""
        return self.postings.tocsr()

    def __len__(self) -> int:
        return self.postings.shape[0]

    @classmethod
    def build(cls, texts: list[str], params: BM25Params = BM25Params()) -> KeywordIndex:
        terms, tf, lengths = _count_terms(texts, {})
        return cls(terms, tf, lengths, params)

    @classmethod
    def derive(cls, previous: KeywordIndex, keep_rows, new_texts: list[str], order=None) -> KeywordIndex:
        """The index of `previous`'s rows `keep_rows` (in that order) followed by `new_texts`;
        `order`, when given, then lists those rows (positions among them) in the order wanted.

        Equal to `build` over the same texts, but only the new texts are tokenized.
        """
        return cls.concatenate([(previous, keep_rows)], new_texts, order)

    @classmethod
    def concatenate(cls, parts, new_texts: list[str] = (), order=None) -> KeywordIndex:  # type: ignore[assignment]
        """The rows `rows` of each `(index, rows)` in `parts`, in turn, then `new_texts`: the
        counts are copied across vocabularies, never tokenized again (a merge of segments)."""
        parts = list(parts)
        vocabulary: dict[str, int] = dict(parts[0][0].term_ids) if parts else {}
        blocks, lengths = [], []
        for index, rows in parts:
            rows = np.asarray(rows, np.int64)
            for term in index.terms:
                vocabulary.setdefault(term, len(vocabulary))
            kept = index.tf[rows]
            remap = np.asarray([vocabulary[t] for t in index.terms], np.int64)
            blocks.append((kept, remap))
            lengths.append(index.lengths[rows])
        terms, new_tf, new_lengths = _count_terms(list(new_texts), vocabulary)
        width = len(terms)
        matrices = [sp.csr_matrix((kept.data, remap[kept.indices] if len(remap) else kept.indices, kept.indptr),
                                  shape=(kept.shape[0], width)) for kept, remap in blocks]
        tf = sp.vstack([*matrices, new_tf], format="csr")
        all_lengths = np.concatenate([*lengths, new_lengths]).astype(np.float32)
        if order is not None:
            order = np.asarray(order, np.int64)
            tf, all_lengths = tf[order], all_lengths[order]
        postings = tf.tocsc()
        del tf
        # Terms that only deleted or replaced chunks used would linger in the vocabulary forever.
        used = np.flatnonzero(np.diff(postings.indptr))
        if len(used) < len(terms):
            postings = postings[:, used]
            terms = [terms[i] for i in used]
        params = parts[0][0].params if parts else BM25Params()
        return cls(terms, postings, all_lengths, params)

    def column(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, counts) of the chunks holding `term`."""
        i = self.term_ids.get(term)
        if i is None:
            return _NO_ROWS, _NO_COUNTS
        start, stop = self.postings.indptr[i], self.postings.indptr[i + 1]
        return self.postings.indices[start:stop], self.postings.data[start:stop]

    def scores(self, term_weights: dict[str, float]) -> np.ndarray:
        """BM25 score of every chunk of this index alone for a weighted bag of terms."""
        return KeywordView([(self, None)]).scores(term_weights)

    def document_frequency(self, term: str) -> int:
        return len(self.column(term)[0])

    def accented_forms(self, folded_syllable: str) -> list[tuple[str, int]]:
        """Accented syllables of the corpus that fold to `folded_syllable`, most frequent first."""
        if self._accents is None:
            accents: dict[str, list[tuple[str, int]]] = {}
            df = np.diff(self.postings.indptr)
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
        postings = self.postings
        np.savez(directory / "keyword.npz", data=postings.data, indices=postings.indices, indptr=postings.indptr,
                 shape=np.asarray(postings.shape), lengths=self.lengths)
        (directory / "keyword.json").write_text(
            json.dumps({"format": FORMAT, "params": asdict(self.params), "terms": self.terms},
                       ensure_ascii=False),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        directory = Path(directory)
        meta = json.loads((directory / "keyword.json").read_text(encoding="utf-8"))
        if meta.get("format") not in READABLE_FORMATS:
            raise ValueError(f"{directory}: keyword index format {meta.get('format')} is not {FORMAT}; re-ingest")
        layout = sp.csc_matrix if meta["format"] == 3 else sp.csr_matrix
        with np.load(directory / "keyword.npz") as z:
            tf = layout((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            lengths = z["lengths"]
        return cls(meta["terms"], tf, lengths, BM25Params(**meta["params"]))


_NO_ROWS = np.zeros(0, np.int32)
_NO_COUNTS = np.zeros(0, np.float32)


class KeywordView:
    """BM25 over the live rows of several segments' indexes, as one index of those rows would score
    them: the chunk count, each term's document frequency and the average length are those of the
    live rows together, so a deleted or replaced chunk weighs nothing, as if it had been removed.

    `parts` are `(index, live)` with `live` the sorted row numbers still in the library (None: all);
    the view's rows are the live rows of each part in turn.
    """

    def __init__(self, parts: list[tuple[KeywordIndex, np.ndarray | None]], params: BM25Params | None = None):
        self.params = params or (parts[0][0].params if parts else BM25Params())
        offset, total_length = 0, 0.0
        spans = []
        for index, live in parts:
            if live is None:
                alive = None
                count = len(index)
                total_length += float(index.lengths.sum(dtype=np.float64))
            else:
                live = np.asarray(live, np.int64)
                alive = np.zeros(len(index), dtype=bool)
                alive[live] = True
                count = len(live)
                total_length += float(index.lengths[live].sum(dtype=np.float64))
            spans.append((index, live, alive, offset))
            offset += count
        self.n = offset
        self.avgdl = total_length / self.n if self.n and total_length > 0 else 1.0
        k1, b = self.params.k1, self.params.b
        # (index, live rows or None, live mask or None, first view row, BM25's length norm per row)
        self.parts = [(index, live, alive, start, (k1 * (1 - b + b * index.lengths / self.avgdl)).astype(np.float32))
                      for index, live, alive, start in spans]
        self._accents: dict[str, list[tuple[str, int]]] = {}

    def __len__(self) -> int:
        return self.n

    @property
    def terms(self) -> list[str]:
        """Every term of the parts (a deleted chunk's terms too, until its segment is merged)."""
        return sorted({t for index, *_ in self.parts for t in index.terms})

    def _columns(self, index: KeywordIndex, terms: list[str]) -> tuple[sp.csc_matrix, np.ndarray]:
        """The postings of `terms` in `index` (one column each, an empty one for an unknown term)."""
        ids = np.asarray([index.term_ids.get(t, -1) for t in terms], np.int64)
        known = ids >= 0
        sub = index.postings[:, ids[known]]
        if known.all():
            return sub, ids
        # Unknown terms: empty columns in their places.
        counts = np.zeros(len(terms), np.int64)
        counts[known] = np.diff(sub.indptr)
        indptr = np.concatenate([[0], np.cumsum(counts)])
        return sp.csc_matrix((sub.data, sub.indices, indptr), shape=(len(index), len(terms))), ids

    def _frequencies(self, terms: list[str]) -> tuple[np.ndarray, list]:
        """How many live chunks hold each term, and each part's postings of them."""
        df = np.zeros(len(terms), np.float64)
        columns = []
        for index, _live, alive, _start, _norm in self.parts:
            sub, _ = self._columns(index, terms)
            if alive is None:
                df += np.diff(sub.indptr)
            elif sub.nnz:
                column_of = np.repeat(np.arange(len(terms)), np.diff(sub.indptr))
                df += np.bincount(column_of, weights=alive[sub.indices], minlength=len(terms))
            columns.append(sub)
        return df, columns

    def scores(self, term_weights: dict[str, float]) -> np.ndarray:
        """BM25 score of every live chunk for a weighted bag of terms (unknown terms are ignored)."""
        terms = [t for t, w in term_weights.items() if w]
        out = np.zeros(self.n, np.float32)
        if not terms or not self.n:
            return out
        k1 = self.params.k1
        df, columns = self._frequencies(terms)
        # Lucene's idf: never negative, so a term in most chunks still counts a little.
        idf = np.log1p((self.n - df + 0.5) / (df + 0.5))
        query = (idf * np.asarray([term_weights[t] for t in terms], np.float64)).astype(np.float32)
        for (index, live, _alive, start, norm), sub in zip(self.parts, columns, strict=True):
            if not sub.nnz:
                continue
            tf = sub.data
            saturated = tf * (k1 + 1) / (tf + norm[sub.indices])
            part = sp.csc_matrix((saturated, sub.indices, sub.indptr), shape=sub.shape) @ query
            if live is None:
                out[start:start + len(index)] = part
            else:
                out[start:start + len(live)] = part[live]
        return out

    def document_frequency(self, term: str) -> int:
        """How many live chunks hold `term`. The accent restorer asks this of hundreds of
        candidate syllables and pairs a query: a slice of each part's postings, no matrix."""
        total = 0
        for index, _live, alive, _start, _norm in self.parts:
            rows = index.column(term)[0]
            total += len(rows) if alive is None else int(np.count_nonzero(alive[rows]))
        return total

    def accented_forms(self, folded_syllable: str) -> list[tuple[str, int]]:
        """Accented syllables of the library that fold to `folded_syllable`, most frequent first."""
        forms = self._accents.get(folded_syllable)
        if forms is None:
            if len(self.parts) == 1 and self.parts[0][1] is None:  # one whole index: its own table
                forms = self.parts[0][0].accented_forms(folded_syllable)
            else:
                names = {form for index, *_ in self.parts for form, _ in index.accented_forms(folded_syllable)}
                counted = [(form, self.document_frequency(form)) for form in names]
                forms = sorted((f for f in counted if f[1]), key=lambda f: (-f[1], f[0]))
            self._accents[folded_syllable] = forms
        return forms


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
