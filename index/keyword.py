"""BM25 keyword index for Vietnamese: syllables and syllable bigrams, accented and folded.

Vietnamese words are mostly two or three syllables written apart ("nghị quyết", "chuyển đổi
số"), so a syllable alone matches far too much. Syllable bigrams capture the words without a
segmenter; on the dev sets they beat pyvi word segmentation (see docs/quality.md). Every term
is indexed twice: as written (tones canonical) and folded ("nghi quyet", đ -> d), so a query
typed without diacritics still matches. Documents and queries go through one tokenizer
(index/tokenizer.py).

A segment stores raw term counts (chunks x terms, sparse, by terms); a query reads the postings of
its few terms in every segment and scores them with the library's own statistics: a few
milliseconds for tens of thousands of chunks.

On disk (format 4) the postings are plain `.npy` arrays that a serving process maps rather than
reads: a query touches only its own terms' pages. A term is known by a 64-bit key (`term_key`, a
hash of its text that every process computes alike), so no list or table of the terms is held in
memory; the keys are sorted and a term is found by a binary search. The one table kept whole is
the accent restorer's (accented single syllables and their document frequencies, index/diacritics.py).
"""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from hashlib import blake2b
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ingest.vntext import fold

from .stored import NpyWriter
from .tokenizer import FOLDED, field_terms, fold_syllable, index_syllables

# 2: raw counts and lengths, rows (CSR), in keyword.npz, terms listed in keyword.json; 3: the same
# by columns (CSC); 4: by columns, one memory-mappable .npy each, terms known by their keys.
FORMAT = 4
READABLE_FORMATS = (2, 3, 4)
META_FILE = "keyword.json"
OLD_ARRAYS_FILE = "keyword.npz"  # formats 2 and 3
# Format 4's arrays: sorted term keys (uint64), where each term's postings start (int64, one more
# than the keys), the postings' row numbers (int32, ascending within a term) and counts (uint16),
# and each row's length (float32, read into memory: one number a row).
ARRAY_FILES = ("keys", "indptr", "rows", "counts", "lengths")
MAX_COUNT = np.iinfo(np.uint16).max  # a count above it is stored as it (BM25 saturates long before)
DF_CACHE = 1 << 16  # document frequencies a view remembers (the accent restorer asks the same ones)
# A merge gathers and sorts about this many postings at a time (~30 bytes each while sorted).
MERGE_BLOCK_POSTINGS = 1 << 22


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


def term_key(term: str) -> int:
    """A term's key: the first 8 bytes (little-endian) of the BLAKE2b of its UTF-8 text, the same
    in every process and version (never Python's `hash`, which is salted a process)."""
    return int.from_bytes(blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


def _key(term: str) -> np.ndarray:
    """`term_key(term)` as a 1-array of uint64, what a binary search over the keys takes."""
    return np.frombuffer(blake2b(term.encode("utf-8"), digest_size=8).digest(), "<u8")


def term_keys(terms: Iterable[str]) -> np.ndarray:
    """The keys of `terms` (uint64), in their order."""
    digests = b"".join(blake2b(t.encode("utf-8"), digest_size=8).digest() for t in terms)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def _is_accent_form(term: str) -> bool:
    """Whether the accent restorer tabulates `term`: an accented single syllable."""
    return not term.startswith(FOLDED) and " " not in term


class KeywordIndex:
    """One segment's term counts: chunks x terms raw counts and each chunk's length.

    Counts, not BM25 weights, are what is stored: BM25's idf and average length belong to the
    whole library, which is several segments (index/segment.py), so scores are computed at query
    time from the postings of the query's few terms (`KeywordView`).

    The postings are by terms (`keys` sorted, term i's rows `rows[indptr[i]:indptr[i + 1]]` and
    their `counts`); a loaded index maps them from disk. `accents` is every accented single
    syllable with its document frequency; `longest_term` the longest term's length in characters
    (after a merge, the longest of the parts': a bound).
    """

    def __init__(self, keys: np.ndarray, indptr: np.ndarray, rows: np.ndarray, counts: np.ndarray,
                 lengths: np.ndarray, params: BM25Params = BM25Params(),
                 accents: dict[str, int] | None = None, longest_term: int = 0):
        self.keys, self.indptr, self.rows, self.counts = keys, indptr, rows, counts
        self.lengths = np.asarray(lengths, np.float32)
        self.params = params
        self.accents = accents or {}
        self.longest_term = longest_term
        self._accents: dict[str, list[tuple[str, int]]] | None = None

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def term_count(self) -> int:
        """How many distinct terms the rows hold."""
        return len(self.keys)

    @property
    def tf(self) -> sp.csr_matrix:
        """The counts by rows (chunks; column i is the term `keys[i]`), built in memory when asked:
        a merge copies rows."""
        postings = sp.csc_matrix((np.asarray(self.counts), np.asarray(self.rows), np.asarray(self.indptr)),
                                 shape=(len(self), len(self.keys)))
        return postings.tocsr()

    @classmethod
    def build(cls, texts: list[str], params: BM25Params = BM25Params()) -> KeywordIndex:
        return cls.concatenate([], texts, params=params)

    @classmethod
    def derive(cls, previous: KeywordIndex, keep_rows, new_texts: list[str], order=None) -> KeywordIndex:
        """The index of `previous`'s rows `keep_rows` (in that order) followed by `new_texts`;
        `order`, when given, then lists those rows (positions among them) in the order wanted.

        Equal to `build` over the same texts, but only the new texts are tokenized.
        """
        return cls.concatenate([(previous, keep_rows)], new_texts, order)

    @classmethod
    def concatenate(cls, parts, new_texts: list[str] = (), order=None,  # type: ignore[assignment]
                    params: BM25Params | None = None) -> KeywordIndex:
        """The rows `rows` of each `(index, rows)` in `parts`, in turn, then `new_texts`: the
        counts are copied, never tokenized again (a merge of segments). A key is the same term in
        every index, so the vocabulary is the union of the parts' keys; a term no kept row holds
        is left out."""
        parts = list(parts)
        blocks, lengths, accent_names, longest = [], [], set(), 0
        for index, rows in parts:
            rows = np.asarray(rows, np.int64)
            blocks.append((index.tf[rows], np.asarray(index.keys)))
            lengths.append(index.lengths[rows])
            accent_names.update(index.accents)
            longest = max(longest, index.longest_term)
        terms, new_tf, new_lengths = _count_terms(list(new_texts))
        blocks.append((new_tf, term_keys(terms)))
        lengths.append(new_lengths)
        accent_names.update(t for t in terms if _is_accent_form(t))
        longest = max([longest, *map(len, terms)])
        params = params or (parts[0][0].params if parts else BM25Params())
        return _assemble(blocks, np.concatenate(lengths), order, params, accent_names, longest)

    def _find(self, keys: np.ndarray) -> np.ndarray:
        """The positions of `keys` among this index's terms (-1: not one of them)."""
        at = np.searchsorted(self.keys, keys)
        found = at < len(self.keys)
        found[found] = self.keys[at[found]] == keys[found]
        return np.where(found, at, -1)

    def _postings(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        start, stop = int(self.indptr[position]), int(self.indptr[position + 1])
        return self.rows[start:stop], self.counts[start:stop]

    def _position(self, key: np.ndarray) -> int:
        """The position of one key (a 1-array, `_key`) among this index's terms (-1: not one of
        them). The accent restorer asks hundreds a query: a binary search, nothing more."""
        position = int(self.keys.searchsorted(key)[0])
        return position if position < len(self.keys) and self.keys[position] == key[0] else -1

    def column(self, term: str, key: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, counts) of the chunks holding `term` (slices of the mapped postings); `key`,
        when given, is `_key(term)`."""
        position = self._position(_key(term) if key is None else key)
        if position < 0:
            return _NO_ROWS, _NO_COUNTS
        return self._postings(position)

    def scores(self, term_weights: dict[str, float]) -> np.ndarray:
        """BM25 score of every chunk of this index alone for a weighted bag of terms."""
        return KeywordView([(self, None)]).scores(term_weights)

    def document_frequency(self, term: str, key: np.ndarray | None = None) -> int:
        position = self._position(_key(term) if key is None else key)
        return 0 if position < 0 else int(self.indptr[position + 1]) - int(self.indptr[position])

    def accented_forms(self, folded_syllable: str) -> list[tuple[str, int]]:
        """Accented syllables of the corpus that fold to `folded_syllable`, most frequent first."""
        if self._accents is None:
            accents: dict[str, list[tuple[str, int]]] = {}
            for term, df in self.accents.items():
                accents.setdefault(fold(term), []).append((term, df))
            for forms in accents.values():
                forms.sort(key=lambda f: (-f[1], f[0]))
            self._accents = accents
        return self._accents.get(folded_syllable, [])

    def save(self, directory: Path) -> None:
        """Write format 4. Each file is written aside and then renamed into place, so a process
        that maps an earlier copy of this directory keeps reading that copy."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"keys": self.keys, "indptr": self.indptr, "rows": self.rows, "counts": self.counts,
                  "lengths": self.lengths}
        for name in ARRAY_FILES:
            _replace(directory / f"{name}.npy", lambda out, a=arrays[name]: np.save(out, np.asarray(a)))
        meta = {"format": FORMAT, "params": asdict(self.params), "rows": len(self), "terms": len(self.keys),
                "longest_term": self.longest_term, "accented_forms": self.accents}
        _replace(directory / META_FILE,
                 lambda out: out.write(json.dumps(meta, ensure_ascii=False).encode("utf-8")))
        (directory / OLD_ARRAYS_FILE).unlink(missing_ok=True)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        """Map a format-4 directory's postings (only `lengths` is read into memory); read a
        format 2 or 3 one into memory as before, its terms keyed here."""
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") not in READABLE_FORMATS:
            raise ValueError(f"{directory}: keyword index format {meta.get('format')} is not {FORMAT}; re-ingest")
        params = BM25Params(**meta["params"])
        if meta["format"] != 4:
            return cls._load_old(directory, meta, params)
        index = cls.load_arrays(directory, params)
        index.accents = {t: int(df) for t, df in meta["accented_forms"].items()}
        index.longest_term = int(meta["longest_term"])
        return index

    @classmethod
    def load_arrays(cls, directory: Path, params: BM25Params) -> KeywordIndex:
        """Map a format-4 directory's postings; the accent table and longest term are in its
        `keyword.json`, which `load` reads."""
        # Plain arrays over the maps (a memmap's slicing costs microseconds a query term).
        keys, indptr, rows, counts = (np.asarray(np.load(directory / f"{name}.npy", mmap_mode="r"))
                                      for name in ARRAY_FILES[:4])
        lengths = np.load(directory / "lengths.npy")
        if len(indptr) != len(keys) + 1 or len(rows) != len(counts) or len(rows) != (indptr[-1] if len(keys) else 0):
            raise ValueError(f"{directory}: keyword index arrays do not agree; re-ingest")
        return cls(keys, indptr, rows, counts, lengths, params)

    @classmethod
    def _load_old(cls, directory: Path, meta: dict, params: BM25Params) -> KeywordIndex:
        layout = sp.csc_matrix if meta["format"] == 3 else sp.csr_matrix
        with np.load(directory / OLD_ARRAYS_FILE) as z:
            tf = layout((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            lengths = z["lengths"]
        terms = meta["terms"]
        return _assemble([(tf.tocsr(), term_keys(terms))], lengths, None, params,
                         {t for t in terms if _is_accent_form(t)}, max(map(len, terms), default=0))


def write_merged(directory: Path, parts: Sequence[tuple[KeywordIndex, np.ndarray]], rows: int,
                 params: BM25Params | None = None) -> None:
    """Write, in format 4, the index of a merge into `directory` without holding its postings:
    `parts` are `(index, row_map)`, `row_map[i]` the merged row of the part's row i (-1: left
    behind), and the merged rows number `rows`. Terms are taken a range of keys at a time (keys
    are hashes, so equal ranges hold about equal shares of the postings); each range's postings
    are gathered from every part, renumbered, sorted by term then row, and appended to the files.
    A term no kept row holds is left out, as `concatenate` leaves it."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    parts = [(index, np.asarray(row_map, np.int64)) for index, row_map in parts]
    lengths = np.zeros(rows, np.float32)
    accent_names: set[str] = set()
    longest, most_postings = 0, 0
    for index, row_map in parts:
        kept = row_map >= 0
        lengths[row_map[kept]] = index.lengths[kept]
        accent_names.update(index.accents)
        longest = max(longest, index.longest_term)
        most_postings += len(index.rows)
    params = params or (parts[0][0].params if parts else BM25Params())
    ranges = max(1, -(-most_postings // MERGE_BLOCK_POSTINGS))
    bounds = [i * 2**64 // ranges for i in range(ranges + 1)]
    most_terms = sum(len(index.keys) for index, _ in parts)
    with (NpyWriter(directory / "keys.npy", np.uint64, most=most_terms) as keys_out,
          NpyWriter(directory / "indptr.npy", np.int64, most=most_terms + 1) as indptr_out,
          NpyWriter(directory / "rows.npy", np.int32, most=most_postings) as rows_out,
          NpyWriter(directory / "counts.npy", np.uint16, most=most_postings) as counts_out):
        indptr_out.write(np.zeros(1, np.int64))
        written = 0
        # Parts renumbered in order (a merge's passages: each part's rows after the previous
        # part's) hold each term's rows ascending already once the postings are ordered by key
        # alone, and a stable sort of a few sorted runs is a merge of them; otherwise (documents,
        # renumbered into id order) rows are sorted within each term too.
        in_order = _renumbered_in_order([row_map for _, row_map in parts])
        for low, high in zip(bounds, bounds[1:], strict=False):
            keys, new_rows, counts = _postings_between(parts, low, high)
            order = np.argsort(keys, kind="stable") if in_order else np.lexsort((new_rows, keys))
            keys, new_rows, counts = keys[order], new_rows[order], counts[order]
            terms, per_term = np.unique(keys, return_counts=True)
            keys_out.write(terms)
            indptr_out.write(written + np.cumsum(per_term))
            rows_out.write(new_rows.astype(np.int32))
            counts_out.write(counts)
            written += len(keys)
    np.save(directory / "lengths.npy", lengths)
    merged = KeywordIndex.load_arrays(directory, params)
    accents = _accent_frequencies(merged, accent_names)
    meta = {"format": FORMAT, "params": asdict(params), "rows": rows, "terms": len(merged.keys),
            "longest_term": longest, "accented_forms": accents}
    _replace(directory / META_FILE, lambda out: out.write(json.dumps(meta, ensure_ascii=False).encode("utf-8")))


def _renumbered_in_order(row_maps: list[np.ndarray]) -> bool:
    """Whether the kept rows of every part are numbered ascending, each part after the last."""
    last = -1
    for row_map in row_maps:
        kept = row_map[row_map >= 0]
        if len(kept):
            if kept[0] <= last or np.any(np.diff(kept) <= 0):
                return False
            last = int(kept[-1])
    return True


def _postings_between(parts, low: int, high: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key, merged row, count) of every kept posting of the parts' terms with `low <= key < high`."""
    keys, new_rows, counts = [], [], []
    for index, row_map in parts:
        part_keys = index.keys
        first = int(np.searchsorted(part_keys, np.uint64(low)))
        last = len(part_keys) if high >= 2**64 else int(np.searchsorted(part_keys, np.uint64(high)))
        if first == last:
            continue
        start, stop = int(index.indptr[first]), int(index.indptr[last])
        per_term = np.diff(np.asarray(index.indptr[first:last + 1]))
        renumbered = row_map[np.asarray(index.rows[start:stop])]
        kept = renumbered >= 0
        keys.append(np.repeat(np.asarray(part_keys[first:last]), per_term)[kept])
        new_rows.append(renumbered[kept])
        counts.append(np.asarray(index.counts[start:stop])[kept])
    if not keys:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.uint16)
    return np.concatenate(keys), np.concatenate(new_rows), np.concatenate(counts)


def _replace(path: Path, write) -> None:
    aside = path.with_name(path.name + ".part")
    with open(aside, "wb") as out:
        write(out)
    os.replace(aside, path)


def _assemble(blocks: list[tuple[sp.csr_matrix, np.ndarray]], lengths: np.ndarray, order,
              params: BM25Params, accent_names: set[str], longest: int) -> KeywordIndex:
    """One index of the rows of `blocks` in turn, each `(counts by rows, the key of each column)`,
    then reordered by `order` (when given): columns by sorted key, terms no row holds left out."""
    all_keys = np.concatenate([keys for _, keys in blocks]) if blocks else np.zeros(0, np.uint64)
    # A key met twice is one term (in two blocks or, for a colliding hash, two terms made one).
    keys, column = np.unique(all_keys, return_inverse=True)
    column = column.astype(np.int32 if len(keys) < 2**31 else np.int64)
    matrices, first = [], 0
    for tf, block_keys in blocks:
        remap = column[first:first + len(block_keys)]
        first += len(block_keys)
        matrices.append(sp.csr_matrix((tf.data.astype(np.uint16, copy=False), np.take(remap, tf.indices), tf.indptr),
                                      shape=(tf.shape[0], len(keys))))
        del tf
    tf = (sp.vstack(matrices, format="csr") if matrices else sp.csr_matrix((0, len(keys)), dtype=np.uint16))
    lengths = np.asarray(lengths, np.float32)
    if order is not None:
        order = np.asarray(order, np.int64)
        tf, lengths = tf[order], lengths[order]
    if len(keys) < len(all_keys) and any(len(np.unique(k)) < len(k) for _, k in blocks):
        tf.sum_duplicates()  # two terms of one block with one key: one term, their counts added
    postings = tf.tocsc()
    del tf
    # Terms that only deleted or replaced chunks used would linger in the vocabulary forever.
    used = np.flatnonzero(np.diff(postings.indptr))
    if len(used) < len(keys):
        postings, keys = postings[:, used], keys[used]
    postings.sort_indices()
    index = KeywordIndex(keys.astype(np.uint64), postings.indptr.astype(np.int64), postings.indices.astype(np.int32),
                         postings.data.astype(np.uint16), lengths, params, longest_term=longest)
    index.accents = _accent_frequencies(index, accent_names)
    return index


def _accent_frequencies(index: KeywordIndex, names: set[str]) -> dict[str, int]:
    """The document frequency of each of `names` (accented syllables) that `index` holds."""
    names_sorted = sorted(names)
    positions = index._find(term_keys(names_sorted))
    df = np.diff(index.indptr)
    return {name: int(df[p]) for name, p in zip(names_sorted, positions, strict=True) if p >= 0}


_NO_ROWS = np.zeros(0, np.int32)
_NO_COUNTS = np.zeros(0, np.uint16)


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
        self._df: dict[str, int] = {}  # the restorer's recent questions (the rows never change)

    def __len__(self) -> int:
        return self.n

    @property
    def term_count(self) -> int:
        """How many distinct terms the parts hold (a deleted chunk's too, until its segment is
        merged)."""
        return len(np.unique(np.concatenate([np.zeros(0, np.uint64), *(index.keys for index, *_ in self.parts)])))

    @property
    def longest_term(self) -> int:
        """The longest term of the parts, in characters (a bound after merges)."""
        return max((index.longest_term for index, *_ in self.parts), default=0)

    def scores(self, term_weights: dict[str, float]) -> np.ndarray:
        """BM25 score of every live chunk for a weighted bag of terms (unknown terms are ignored).

        Each part's postings of the query's terms are slices of its (mapped) arrays; nothing else
        of the index is read."""
        terms = [t for t, w in term_weights.items() if w]
        out = np.zeros(self.n, np.float32)
        if not terms or not self.n:
            return out
        keys = term_keys(terms)
        df = np.zeros(len(terms), np.float64)
        # per part: (its terms among the query's, their rows, counts, postings each), or None
        postings: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None] = []
        for index, _live, alive, _start, _norm in self.parts:
            at = index._find(keys)
            held = np.flatnonzero(at >= 0)
            starts, stops = index.indptr[at[held]], index.indptr[at[held] + 1]
            sizes = stops - starts
            held, starts, stops, sizes = held[sizes > 0], starts[sizes > 0], stops[sizes > 0], sizes[sizes > 0]
            if not len(held):
                postings.append(None)
                continue
            spans = list(zip(starts.tolist(), stops.tolist(), strict=True))
            rows = np.concatenate([index.rows[start:stop] for start, stop in spans])
            counts = np.concatenate([index.counts[start:stop] for start, stop in spans])
            if alive is None:
                df[held] += sizes
            else:
                df[held] += np.add.reduceat(alive[rows], np.cumsum(sizes) - sizes, dtype=np.int64)
            postings.append((held, rows, counts, sizes))
        k1 = self.params.k1
        # Lucene's idf: never negative, so a term in most chunks still counts a little.
        idf = np.log1p((self.n - df + 0.5) / (df + 0.5))
        query = (idf * np.asarray([term_weights[t] for t in terms], np.float64)).astype(np.float32)
        for (index, live, _alive, start, norm), found in zip(self.parts, postings, strict=True):
            if found is None:
                continue
            held, rows, counts, sizes = found
            # tf (k1 + 1) / (tf + norm), in place, then weighed and summed by a sparse product.
            saturated = counts.astype(np.float32)
            denominator = norm[rows]
            denominator += saturated
            saturated *= np.float32(k1 + 1)
            saturated /= denominator
            columns = sp.csc_matrix((saturated, rows, np.concatenate([[0], np.cumsum(sizes)])),
                                    shape=(len(index), len(held)))
            part = columns @ query[held]
            if live is None:
                out[start:start + len(index)] = part
            else:
                out[start:start + len(live)] = part[live]
        return out

    def document_frequency(self, term: str) -> int:
        """How many live chunks hold `term`. The accent restorer asks this of hundreds of
        candidate syllables and pairs a query: a slice of each part's postings, no matrix."""
        total = self._df.get(term)
        if total is not None:
            return total
        key, total = _key(term), 0
        for index, _live, alive, _start, _norm in self.parts:
            if alive is None:
                total += index.document_frequency(term, key)
            else:
                total += int(np.count_nonzero(alive[index.column(term, key)[0]]))
        if len(self._df) >= DF_CACHE:
            self._df.clear()
        self._df[term] = total
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


def _count_terms(texts: list[str]) -> tuple[list[str], sp.csr_matrix, np.ndarray]:
    """Tokenize `texts` into their terms (in order of first use) and a CSR count matrix of them
    (counts above MAX_COUNT stored as it)."""
    vocabulary: dict[str, int] = {}
    cols: list[int] = []
    tfs: list[int] = []
    sizes = np.zeros(len(texts), np.int64)
    lengths = np.zeros(len(texts), np.float32)
    for row, text in enumerate(texts):
        counts, lengths[row] = document_terms(text)
        sizes[row] = len(counts)
        cols.extend([vocabulary.setdefault(term, len(vocabulary)) for term in counts])
        tfs.extend(counts.values())
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    tf = sp.csr_matrix((np.minimum(np.asarray(tfs, np.int64), MAX_COUNT).astype(np.uint16),
                        np.asarray(cols, np.int32), indptr), shape=(len(texts), len(vocabulary)))
    return list(vocabulary), tf, lengths
